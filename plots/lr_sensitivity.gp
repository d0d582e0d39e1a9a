# lr_sensitivity.gp — the best mean final score over the other
# hyperparameters at each learning rate, one line per optimizer, log x;
# a cross at the top marks a learning rate at which every run diverged or
# failed. Data: one block per optimizer, headed by its name; columns
#   lr  score  diverged_marker
out = '@OUT@'
load "common.gp"
set title '@TITLE@'
set xlabel "learning rate"
set ylabel '@YLABEL@'
set logscale x
@LOGY@
plot for [i=0:@N@-1] '@DATA@' index i using 1:@COL@ with linespoints lt i+1 pt 7 ps 0.7 title columnheader(1), \
     for [i=0:@N@-1] '@DATA@' index i using 1:3 with points lt i+1 pt 2 ps 1.5 notitle
