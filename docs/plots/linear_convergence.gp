# linear_convergence.gp - plots of examples/linear_convergence (CSV from --csv).
#   build/examples/linear_convergence --csv linear_convergence.csv
#   gnuplot -e "data='linear_convergence.csv'; out='linear_convergence.png'" docs/plots/linear_convergence.gp
# Left: the linear run on a log scale (straight lines of slope log rho for
# ||grad F|| and dist, 2 log rho for F - F*; dashed: the predicted rate).
# Middle: the ratio dist/||grad F|| settling at kappa. Right: the threshold
# run (y_1 = y*) on log-log axes: ||grad F|| ~ k^-2, dist ~ 1/k, ratio ~ eta k.
if (!exists("data")) data = 'linear_convergence.csv'
if (!exists("out")) out = 'linear_convergence.png'
set terminal pngcairo size 1200,420 font ",9"
set output out
set datafile separator ','
set key autotitle columnhead
lin(c) = strcol(1) eq "linear" ? column(c) : NaN
thr(c) = strcol(1) eq "threshold" && column(2) > 0 ? column(c) : NaN
stats data using (lin(2)) nooutput
klin = STATS_max
set multiplot layout 1,3

set title "GD, error bound holds: linear convergence"
set xlabel "iteration k"
set xrange [0:klin]
set logscale y
set format y "10^{%L}"
set key top right
plot data using 2:(lin(3)) with lines lw 2 title "F - F*", \
     '' using 2:(lin(4)) with lines lw 2 title "||grad F||", \
     '' using 2:(lin(5)) with lines lw 2 title "dist(W, Crit F)", \
     '' using 2:(lin(9)) with lines dt 2 lc rgb "black" title "predicted rho^k"

set title "error-bound ratio dist / ||grad F||"
unset logscale y
set format y "%g"
set yrange [0:*]
set key bottom right
plot data using 2:(lin(7)) with lines lw 4 lc rgb "#bbbbbb" title "kappa = 1/mu_{min}^+", \
     '' using 2:(lin(6)) with lines lw 2 title "ratio"

set title "GD at the threshold y_1 = y*: sublinear"
set xrange [1:*]
set logscale xy
set format x "10^{%L}"
set format y "10^{%L}"
set autoscale y
set key bottom left
plot data using 2:(thr(4)) with lines lw 2 title "||grad F||", \
     '' using 2:(thr(5)) with lines lw 2 title "dist", \
     '' using 2:(thr(6)) with lines lw 2 title "ratio", \
     '' using 2:(thr(2) > 0 ? 60.0 / thr(2)**2 : NaN) with lines dt 2 lc rgb "black" title "k^{-2}", \
     '' using 2:(thr(2) > 0 ? 0.1 * thr(2) : NaN) with lines dt 3 lc rgb "black" title "eta k"
unset multiplot
