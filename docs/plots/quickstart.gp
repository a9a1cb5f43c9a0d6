# quickstart.gp - plot of examples/quickstart (CSV from --csv).
#   build/examples/quickstart --csv quickstart.csv
#   gnuplot -e "data='quickstart.csv'; out='quickstart.png'" docs/plots/quickstart.gp
# Left: ||grad F_k|| and dist(W_k, Crit F) of gradient descent and L-BFGS on
# log-log axes (GD ends in its linear regime, rate 1 - eta lam). Right: the
# error-bound ratio dist / ||grad F||: below kappa = 1/mu_min^+ = 10 near the
# minimum, and settling at kappa along GD, whose iterates align with the
# slowest mode.
if (!exists("data")) data = 'quickstart.csv'
if (!exists("out")) out = 'quickstart.png'
set terminal pngcairo size 800,420 font ",9"
set output out
set datafile separator ','
sel(m, c) = strcol(1) eq m ? column(c) : NaN
set multiplot layout 1,2 margins 0.08,0.98,0.12,0.9 spacing 0.09
set xlabel "iteration k"
set logscale xy
set format x "10^{%L}"
set format y "10^{%L}"
set xrange [1:*]
set title "quickstart: gradient and distance to Crit F"
set key bottom left samplen 2
plot data using 2:(sel("gd", 4)) with lines lw 2 lc 1 title "gd ||grad F||", \
     '' using 2:(sel("gd", 5)) with lines lw 2 dt 2 lc 1 title "gd dist", \
     '' using 2:(sel("lbfgs", 4)) with lines lw 2 lc 2 title "lbfgs ||grad F||", \
     '' using 2:(sel("lbfgs", 5)) with lines lw 2 dt 2 lc 2 title "lbfgs dist"
set title "error-bound ratio dist / ||grad F||"
unset logscale y
set format y "%g"
set yrange [0:12]
set key at graph 0.98,0.45 right samplen 2
plot 10 with lines lw 4 lc rgb "#bbbbbb" title "kappa = 1/lam", \
     data using 2:(sel("gd", 6)) with lines lw 2 lc 1 title "gd", \
     '' using 2:(sel("lbfgs", 6)) with linespoints pt 7 ps 0.3 lw 1 lc 2 title "lbfgs"
unset multiplot
