#!/bin/sh
# linear_convergence.sh BINARY - examples/linear_convergence prints the numbers
# of regularized.md 5-6: the measured GD rate equals rho(eta), the ratio
# settles at kappa, and at the threshold the run is sublinear (grad ~ k^-2,
# dist ~ 1/k, ratio ~ eta k). The CSV is checked too.
set -eu
. "$(dirname "$0")/common.sh"
ex_setup linear_convergence "$1"

near "$(value '# ystar' 'ystar')" 1.043389720049 1e-9 "y* for L = 3, lam = 0.125 (regularized.md 2.3 table)"
[ "$(value '# ystar' 'error_bound')" = 1 ] || fail "the error bound must hold in the linear run"
[ "$(value 'linear:' 'pattern')" = 110 ] || fail "GD did not reach the global minimum {3:+, 2.5:+}"
rho=$(value 'linear: rho' 'predicted')
near "$rho" 0.95 1e-12 "rho = 1 - eta lam (the weight-decay floor of the wide layers)"
near "$(value 'linear: rho' 'measured')" "$rho" 1e-7 "measured rate vs rho(eta)"
kappa=$(value 'linear: kappa' 'kappa')
near "$kappa" 2 1e-10 "kappa = 1/lam"
near "$(value 'linear: kappa' 'ratio')" "$kappa" 1e-5 "ratio vs kappa"
near "$(value 'linear:' 'final F-F\*')" 0 1e-12 "F - F* at the end"
[ "$(value 'threshold:' 'flags')" = 3 ] || fail "threshold flags must be EB_FAILS | DEGENERATE"
[ "$(value 'threshold:' 'kappa')" = inf ] || fail "kappa must be +Inf at the threshold"
g1=$(value 'threshold: k' 'grad\*k^2' 1) g2=$(value 'threshold: k' 'grad\*k^2' 2)
d1=$(value 'threshold: k' 'dist\*k' 1) d2=$(value 'threshold: k' 'dist\*k' 2)
near "$(awk -v a="$g1" -v b="$g2" 'BEGIN { print b / a }')" 1 0.05 "grad k^2 between k = 4096 and 16384"
near "$(awk -v a="$d1" -v b="$d2" 'BEGIN { print b / a }')" 1 0.03 "dist k between k = 4096 and 16384"
near "$(value 'threshold: k' 'ratio/(eta k)' 2)" 1 0.01 "ratio / (eta k) at k = 16384"

"$bin" --csv "$tmp/lc.csv" > "$tmp/stdout"
[ ! -s "$tmp/stdout" ] || fail "--csv must not print the summary"
[ "$(head -n 1 "$tmp/lc.csv")" = "run,k,F_minus_Fstar,grad_norm,dist,ratio,kappa,rho_pred,grad_pred,flags" ] ||
    fail "CSV header"
awk -F, 'NR > 1 {
    n[$1]++
    if ($1 == "linear") { last = $4; if ($6 == "nan" || $7 != 2) bad = "linear row " NR }
    else if ($1 == "threshold" && ($7 != "inf" || $10 % 4 != 3 || $8 != 1)) bad = "threshold row " NR
}
END {
    if (bad) { print "examples-check (linear_convergence): CSV " bad > "/dev/stderr"; exit 1 }
    if (n["linear"] < 100 || n["threshold"] < 100 || last + 0 > 1e-11) {
        print "examples-check (linear_convergence): CSV rows or final gradient" > "/dev/stderr"; exit 1 }
}' "$tmp/lc.csv" || fail "CSV content"
echo "examples-check: linear_convergence verified (rho, kappa, sublinear threshold run, CSV)"
