#!/bin/sh
# plots.sh [BUILD] - run the examples with --csv and turn their CSV into the
# PNG figures of docs/img with gnuplot (`make plots`; BUILD is the build tree
# holding examples/, default build). The CSV files stay in BUILD/plots.
# PLOTS_OUT=DIR writes the figures elsewhere (default docs/img).
set -eu
build=${1:-build}
out=${PLOTS_OUT:-docs/img}
csv=$build/plots
mkdir -p "$csv" "$out"

# figure NAME EXAMPLE ARGS...: run EXAMPLE ARGS (which write $csv/NAME.csv),
# then docs/plots/NAME.gp on it
figure() {
    name=$1 example=$2
    shift 2
    "$build/examples/$example" "$@"
    gnuplot -e "data='$csv/$name.csv'; out='$out/$name.png'" "docs/plots/$name.gp"
    echo "plots: $out/$name.png ($(wc -c < "$out/$name.png") bytes)"
}

figure quickstart quickstart --csv "$csv/quickstart.csv"
figure linear_convergence linear_convergence --csv "$csv/linear_convergence.csv"
figure balanced_init balanced_init --csv "$csv/balanced_init.csv"
figure landscape_slices landscape_zoo --slices "$csv/landscape_slices.csv"
figure saddle_escape saddle_escape --csv "$csv/saddle_escape.csv"
figure landscape_surface landscape_surface --csv "$csv/landscape_surface.csv"
