# lr_sensitivity.gp — the best mean final score over the other
# hyperparameters at each learning rate, one line per optimizer, log x;
# a cross at the top marks a learning rate at which every run diverged or
# failed; error bars from columns @LO@ to @HI@ (each point's 95% bootstrap
# interval over seeds; none when both name the plotted column). Data: one block per optimizer, headed by its name; columns
#   lr  score  diverged_marker  accuracy  score_lo  score_hi
# @LT@: the linetype (colour) of each block's optimizer, the same in every report.
out = '@OUT@'
load "common.gp"
set title '@TITLE@'
set xlabel "learning rate"
set ylabel '@YLABEL@'
set logscale x
@LOGY@
plot for [i=0:@N@-1] '@DATA@' index i using 1:@COL@ with linespoints lt word('@LT@', i+1)+0 pt 7 ps 0.7 title columnheader(1), \
     for [i=0:@N@-1] '@DATA@' index i using 1:@COL@:@LO@:@HI@ with yerrorbars lt word('@LT@', i+1)+0 pt 7 ps 0.7 notitle, \
     for [i=0:@N@-1] '@DATA@' index i using 1:3 with points lt word('@LT@', i+1)+0 pt 2 ps 1.5 notitle
