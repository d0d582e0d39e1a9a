# profile.gp — performance profile (Dolan and More; AlgoPerf): for each
# optimizer, the fraction of problems on which its time to target is
# within tau times the best optimizer's. Data columns: tau, then one
# column per optimizer, headed by its name.
# @LT@: the linetype (colour) of each block's optimizer, the same in every report.
out = '@OUT@'
load "common.gp"
set title '@TITLE@'
set xlabel "tau (time to target / best time to target)"
set ylabel "fraction of problems"
set logscale x 2
set yrange [0:1.05]
plot for [i=2:@N@+1] '@DATA@' using 1:i with steps lt word('@LT@', i-1)+0 title columnheader(i)
