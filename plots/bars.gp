# bars.gp — one bar per optimizer (its best configuration), with the
# value printed above it, in the optimizer's colour. Data columns:
#   optimizer  value  linetype
out = '@OUT@'
load "common.gp"
set title '@TITLE@'
set ylabel '@YLABEL@'
set style fill solid 0.8 noborder
set boxwidth 0.6
set yrange [0:*]
set offsets 0, 0, graph 0.12, 0
set key off
plot '@DATA@' using 0:2:3:xtic(1) with boxes lc variable, \
     '@DATA@' using 0:2:(sprintf("%.3g", $2)) with labels offset 0,0.7
