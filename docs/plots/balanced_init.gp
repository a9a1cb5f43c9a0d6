# balanced_init.gp - plots of examples/balanced_init (CSV from --csv).
#   build/examples/balanced_init --csv balanced_init.csv
#   gnuplot -e "data='balanced_init.csv'; out='balanced_init.png'" docs/plots/balanced_init.gp
# Left: the loss l(W_k) of each run on a log scale (balanced with a margin:
# linear; unbalanced with the same step: divergence; without a margin: a
# plateau at 1/2). Right: the deficiency margin c_k and det P_k; without a
# margin det P cannot change sign and tends to 0.
if (!exists("data")) data = 'balanced_init.csv'
if (!exists("out")) out = 'balanced_init.png'
set terminal pngcairo size 900,420 font ",9"
set output out
set datafile separator ','
sel(name, c) = strcol(1) eq name && column(c) < 1e6 ? column(c) : NaN
set multiplot layout 1,2

set title "loss l(W_k) = 1/2 ||W_{3:1} - Phi||^2"
set xlabel "iteration k"
set logscale y
set format y "10^{%L}"
set yrange [1e-26:1e4]
set key center right
plot data using 2:(sel("balanced", 3)) with lines lw 2 title "balanced, margin > 0", \
     '' using 2:(sel("unbalanced", 3)) with linespoints lw 2 title "unbalanced, same step", \
     '' using 2:(sel("unbalanced_small", 3)) with lines lw 2 title "unbalanced, step / 25", \
     '' using 2:(sel("no_margin", 3)) with lines lw 2 title "balanced, margin < 0"

set title "deficiency margin c and det P"
unset logscale y
set format y "%g"
set autoscale y
set key bottom right
plot data using 2:(sel("balanced", 5)) with lines lw 2 title "c (balanced)", \
     '' using 2:(sel("no_margin", 5)) with lines lw 2 title "c (no margin)", \
     '' using 2:(sel("balanced", 6)) with lines dt 2 lw 2 title "det P (balanced)", \
     '' using 2:(sel("no_margin", 6)) with lines dt 2 lw 2 title "det P (no margin)"
unset multiplot
