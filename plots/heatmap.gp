# heatmap.gp — log10 of the mean final score for each learning rate x
# weight decay cell of one optimizer; "div" marks cells whose runs all
# diverged or failed. Data columns: lr_index  wd_index  log10_score  label
# lr  weight_decay (the tic labels)
out = '@OUT@'
load "common.gp"
set title '@TITLE@'
set xlabel "learning rate"
set ylabel "weight decay"
set cblabel "log10 final score"
set palette defined (0 "#2c7bb6", 1 "#ffffbf", 2 "#d7191c")
set xrange [-0.5:@NX@-0.5]
set yrange [-0.5:@NY@-0.5]
set key off
set style fill solid 1.0
plot '@DATA@' using 1:2:(0.5):(0.5):3:xtic(5):ytic(6) with boxxyerror fc palette, '@DATA@' using 1:2:4 with labels font ",9"
