# memory.gp — memory against quality: one point per optimizer and state
# precision (its best configuration), state bytes per parameter across, the
# mean best final score up, with the 95% bootstrap interval over seeds.
# Data columns:  bytes  score  lo  hi  linetype  "label"
out = '@OUT@'
load "common.gp"
set title '@TITLE@'
set xlabel 'optimizer-state bytes per parameter'
set ylabel '@YLABEL@'
set offsets graph 0.08, graph 0.2, graph 0.1, graph 0.1
set key off
plot '@DATA@' using 1:2:3:4:5 with yerrorbars lc variable pt 7 ps 0.8, \
     '@DATA@' using 1:2:6 with labels left offset 0.8,0 font ",9" noenhanced
