# landscape_surface.gp - plot of examples/landscape_surface (CSV from --csv).
#   build/examples/landscape_surface --csv landscape_surface.csv
#   gnuplot -e "data='landscape_surface.csv'; out='landscape_surface.png'" docs/plots/landscape_surface.gp
# The loss of regularized.md 10.1 (L = 3, lam = 1, target diag(3, 1.9)) on
# the plane W_s + a D_1 + b D_2 through the spurious local minimum W_s
# (a = 0), the strict saddle {3:+, 1.9:-} (a = 0.3746) and the global
# minimum (a = 1) on the balanced line D_1; D_2 unbalances W_1 against W_3.
# Left: the surface; right: its contours with the three critical points.
# Along D_1 the saddle is a maximum (its negative Hessian eigenvector is
# D_1), across it a minimum: the pass between the two basins.
if (!exists("data")) data = 'landscape_surface.csv'
if (!exists("out")) out = 'landscape_surface.png'
set terminal pngcairo size 1100,460 font ",9"
set output out
set datafile separator ','
cap = 5.1
clip(f) = f > cap ? cap : f
set multiplot
set palette rgbformulae 33,13,10
set cbrange [4.66:cap]
unset key

# left: the surface
set origin 0.0,0.0
set size 0.5,1.0
set title "F(W_s + a D_1 + b D_2), clipped at 5.1"
set xlabel "a" offset 0,-1
set ylabel "b" offset 1,0
set zrange [4.6:cap]
set ztics 0.1
set xtics 0.5
set ytics 0.2
set view 55,25,1,1.1
set xrange [-0.3:1.3]
set yrange [-0.4:0.4]
unset colorbox
set pm3d at s
set hidden3d
splot data using 1:2:(clip($3)) with pm3d
unset pm3d
unset hidden3d

# right: the contours, from a table of the same data
set xrange [-0.4:1.4]
set yrange [-0.6:0.6]
set zrange [*:*]
set contour base
set cntrparam levels incremental 4.67,0.02,5.09
unset surface
set table $contours
splot data using 1:2:3 with lines
unset table
unset contour
set surface
set datafile separator whitespace
set origin 0.5,0.0
set size 0.5,1.0
set view map
set title "contours 4.67 .. 5.09 (step 0.02)"
set xlabel "a  (D_1: the balanced line to the global minimum)" offset 0,0
set ylabel "b  (D_2: W_1 against W_3)" offset 0,0
set xtics 0.2
set ytics 0.2
set key top right opaque box
plot $contours using 1:2 with lines lc rgb "#4477aa" notitle, \
     '-' using 1:2 with points pt 6 ps 2.2 lw 2 lc rgb "black" title "spurious local min", \
     '-' using 1:2 with points pt 9 ps 2.2 lc rgb "#cc0000" title "strict saddle", \
     '-' using 1:2 with points pt 7 ps 2.2 lc rgb "black" title "global min"
0 0
e
0.3745924200 0
e
1 0
e
unset multiplot
