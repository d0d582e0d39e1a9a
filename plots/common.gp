# common.gp — the terminal and style every optbench plot shares. Each plot's
# .gp file loads it first; set fmt = "png" to render a PNG instead of an SVG:
#   gnuplot -e 'fmt="png"' loss_step.gp
if (!exists("fmt")) fmt = "svg"
if (fmt eq "png") {
    set terminal pngcairo size 720,420 font "sans,10"
} else {
    set terminal svg size 720,420 dynamic font "sans,11" background "white"
}
set output out . "." . fmt
set grid lc rgb "#dddddd"
set border lc rgb "#555555"
set key outside below center horizontal noenhanced
set title noenhanced
set style fill transparent solid 0.2 noborder
set linetype 1 lc rgb "#1f77b4" lw 2
set linetype 2 lc rgb "#d62728" lw 2
set linetype 3 lc rgb "#2ca02c" lw 2
set linetype 4 lc rgb "#9467bd" lw 2
set linetype 5 lc rgb "#ff7f0e" lw 2
set linetype 6 lc rgb "#8c564b" lw 2
set linetype 7 lc rgb "#e377c2" lw 2
set linetype 8 lc rgb "#7f7f7f" lw 2
