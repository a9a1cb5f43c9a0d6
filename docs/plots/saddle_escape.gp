# saddle_escape.gp - plot of examples/saddle_escape (CSV from --csv).
#   build/examples/saddle_escape --csv saddle_escape.csv
#   gnuplot -e "data='saddle_escape.csv'; out='saddle_escape.png'" docs/plots/saddle_escape.gp
# From a strict saddle perturbed by 1e-6, against k + 1 on a log scale. Top: the loss F_k (dashed: the
# saddle's value, dotted: F*); gradient descent stays on the saddle's level
# for ~150 (left) / ~300 (right) iterations, plain L-BFGS leaves sooner, and
# L-BFGS with escapes steps off at once (circle: the escape step). Left, the
# regularized loss: GD and L-BFGS fall into the spurious minimum W = 0, the
# escape reaches F*. Bottom: ||grad F_k|| on a log scale: the stall is the
# stretch where the gradient is tiny although the point is not a minimum.
if (!exists("data")) data = 'saddle_escape.csv'
if (!exists("out")) out = 'saddle_escape.png'
set terminal pngcairo size 800,520 font ",9"
set output out
set datafile separator ','
sel(p, m, c) = strcol(1) eq p && strcol(2) eq m ? column(c) : NaN
esc(p, c) = strcol(1) eq p && column(6) == 1 ? column(c) : NaN
set logscale x
set format x "10^{%L}"
set multiplot layout 2,2 margins 0.09,0.98,0.09,0.94 spacing 0.08,0.1

do for [p in "regularized unregularized"] {
    set title (p eq "regularized" ? "regularized loss: saddle {3:s-}, mu = -0.96" : "unregularized loss: saddle E3, mu = -1") noenhanced
    set xrange [1:600]
    unset logscale y
    set format y "%g"
    set ylabel "F_k"
    set key right center
    plot data using ($3 + 1):(sel(p, "gd", 4) - sel(p, "gd", 7) + sel(p, "gd", 8)) with lines dt 2 lc rgb "#888888" title "F(saddle)", \
         '' using ($3 + 1):(sel(p, "gd", 4) - sel(p, "gd", 7)) with lines dt 3 lc rgb "#888888" title "F*", \
         '' using ($3 + 1):(sel(p, "gd", 4)) with lines lw 2 lc 1 title "gd", \
         '' using ($3 + 1):(sel(p, "lbfgs", 4)) with linespoints pt 7 ps 0.4 lw 2 lc 2 title "lbfgs", \
         '' using ($3 + 1):(sel(p, "lbfgs-escape", 4)) with linespoints pt 7 ps 0.4 lw 2 lc 3 title "lbfgs-escape", \
         '' using ($3 + 1):(esc(p, 4)) with points pt 6 ps 2 lc rgb "black" title "escape step"
}
unset title
do for [p in "regularized unregularized"] {
    set xrange [1:600]
    set logscale y
    set format y "10^{%L}"
    set yrange [1e-12:10]
    set ylabel "||grad F_k||"
    set xlabel "iteration k + 1"
    set key right top
    plot data using ($3 + 1):(sel(p, "gd", 5)) with lines lw 2 lc 1 title "gd", \
         '' using ($3 + 1):(sel(p, "lbfgs", 5)) with linespoints pt 7 ps 0.4 lw 2 lc 2 title "lbfgs", \
         '' using ($3 + 1):(sel(p, "lbfgs-escape", 5)) with linespoints pt 7 ps 0.4 lw 2 lc 3 title "lbfgs-escape"
    set autoscale y
}
unset multiplot
