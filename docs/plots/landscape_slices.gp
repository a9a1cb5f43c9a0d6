# landscape_slices.gp - plot of `landscape_zoo --slices FILE`.
#   build/examples/landscape_zoo --slices landscape_slices.csv
#   gnuplot -e "data='landscape_slices.csv'; out='landscape_slices.png'" docs/plots/landscape_slices.gp
# The scalar L = 3 problem with lam = 1 along the balanced line W_l = w:
# F(w,w,w) - F(0) = 1/2 (w^3 - y)^2 + 3/2 w^2 - y^2/2, for y below the
# double-root threshold y* = 1.755 (only W = 0 is critical), at y* (an
# inflection: the non-strict saddle s*), between y* and yhat = 2 (a spurious
# local minimum s_+ and a strict saddle s_-; W = 0 is global) and above yhat
# (s_+ global, W = 0 now a spurious local minimum: the ring around the
# dot at w = 0). Markers: the class dln_landscape_classify() gives to each
# critical point.
if (!exists("data")) data = 'landscape_slices.csv'
if (!exists("out")) out = 'landscape_slices.png'
set terminal pngcairo size 800,500 font ",10"
set output out
set datafile separator ','
curve(c) = strcol(1) eq c && strcol(6) eq "curve" ? column(5) : NaN
crit(k) = strcol(6) ne "curve" && strcol(7) eq k ? column(5) : NaN
set title "F(w,w,w) - F(0) on the balanced line, L = 3, lam = 1"
set xlabel "w  (W_1 = W_2 = W_3 = w)"
set ylabel "F - F(0)"
set xrange [-0.2:1.45]
set yrange [-0.75:0.45]
set grid
set key left bottom box opaque
plot data using 3:(curve("below")) with lines lw 2 lc 1 title "y = 1.5 < y*", \
     '' using 3:(curve("at")) with lines lw 2 lc 2 title "y = y* = 1.755", \
     '' using 3:(curve("between")) with lines lw 2 lc 3 title "y = 1.9 (y* < y < yhat = 2)", \
     '' using 3:(curve("above")) with lines lw 2 lc 4 title "y = 2.5 > yhat", \
     '' using 3:(crit("GLOBAL")) with points pt 7 ps 1.6 lc rgb "black" title "global minimum", \
     '' using 3:(crit("STRICT")) with points pt 9 ps 1.6 lc rgb "#cc0000" title "strict saddle", \
     '' using 3:(crit("NONSTRICT")) with points pt 13 ps 1.8 lc rgb "#0000cc" title "non-strict saddle", \
     '' using 3:(crit("LOCAL")) with points pt 6 ps 2.6 lw 2 lc rgb "black" title "spurious local minimum"
