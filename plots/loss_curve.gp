# loss_curve.gp — training loss of each optimizer's best configuration:
# the mean over seeds as a line, the min-max band over seeds shaded, log y.
# Data: one block per optimizer, headed by its label; columns
#   step  elapsed_seconds  mean  min  max
# @LT@: the linetype (colour) of each block's optimizer, the same in every report.
out = '@OUT@'
load "common.gp"
set title '@TITLE@'
set xlabel '@XLABEL@'
set ylabel "training loss (mean over seeds, min-max band)"
set logscale y
plot for [i=0:@N@-1] '@DATA@' index i using @X@:4:5 with filledcurves lt word('@LT@', i+1)+0 notitle, \
     for [i=0:@N@-1] '@DATA@' index i using @X@:3 with lines lt word('@LT@', i+1)+0 title columnheader(1)
