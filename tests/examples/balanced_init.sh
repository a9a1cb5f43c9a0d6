#!/bin/sh
# balanced_init.sh BINARY - examples/balanced_init prints Arora et al.'s
# quantities with the right values (margin 1 - 0.2 sqrt(5), delta = 0,
# delta_max = c^2 / (256 L^3 ||Phi||^{2(L-1)/L}), eta_max, T(eps)), and the
# outcomes: the balanced run converges, the unbalanced one diverges at the
# same step and converges with a smaller one, and without a margin GD stalls
# at l = 1/2 with det P -> 0. The CSV is checked too.
set -eu
. "$(dirname "$0")/common.sh"
ex_setup balanced_init "$1"

# value RUN KEY [N]: the number after " KEY =" on the N-th line starting with "RUN:"
# (stricter than common.sh's: "margin" must not match "delta_margin")
value() {
    v=$(printf '%s\n' "$out" | grep "^$1:" | sed -n "${3:-1}p" | sed -n "s|.* $2 = \([-+0-9.eEnaif]*\).*|\1|p")
    [ -n "$v" ] || fail "no '$2' on the '$1' line"
    echo "$v"
}
# near A B TOL WHAT: relative |A - B| <= TOL |B|
near() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t * (b < 0 ? -b : b)) }' ||
    fail "$4: $1 vs $2 (relative tol $3)"; }
below() { awk -v x="$1" -v t="$2" 'BEGIN { exit !(x + 0 < t + 0) }' || fail "$3 = $1 is not below $2"; }

# independent values: L = 3, Phi = diag(2, 1), A = 0.8 Phi
c=$(awk 'BEGIN { printf "%.17g", 1 - 0.2 * sqrt(5) }')
nphi=$(awk 'BEGIN { printf "%.17g", sqrt(5) }')
dmax=$(awk -v c="$c" -v p="$nphi" 'BEGIN { printf "%.17g", c * c / (256 * 27 * p ^ (4 / 3)) }')
emax=$(awk -v c="$c" -v p="$nphi" 'BEGIN { printf "%.17g", c ^ (10 / 3) / (6144 * 27 * p ^ (14 / 3)) }')
near "$(value balanced margin)" "$c" 1e-6 "balanced margin"
below "$(value balanced delta)" 1e-12 "balanced delta"
near "$(value balanced delta_max)" "$dmax" 1e-5 "delta_max"
near "$(value balanced eta_max)" "$emax" 1e-5 "eta_max"
near "$(value balanced T\(1e-12\) 2)" \
    "$(awk -v c="$c" -v e="$emax" 'BEGIN { print int(log(0.5 * (0.2 * sqrt(5)) ^ 2 / 1e-12) / (e * c ^ (4 / 3))) + 1 }')" \
    1e-5 "T(1e-12) at eta_max"
[ "$(value balanced guarantee)" = 0 ] || fail "eta = 0.05 > eta_max: no guarantee"
printf '%s\n' "$out" | grep -q '^balanced: outcome = converged' || fail "balanced run did not converge"
below "$(value balanced 'observed factor' 3)" 0.9 "balanced per-step factor"
[ "$(value unbalanced delta_ok)" = 0 ] || fail "unbalanced delta_ok"
near "$(value unbalanced margin)" "$c" 1e-6 "unbalanced margin (same end-to-end matrix)"
printf '%s\n' "$out" | grep -q '^unbalanced: outcome = diverged' || fail "unbalanced run at eta = 0.05 must diverge"
printf '%s\n' "$out" | grep -q '^unbalanced_small: outcome = converged' || fail "unbalanced run at eta = 0.002 must converge"
[ "$(value no_margin margin_ok)" = 0 ] || fail "no_margin: margin_ok"
near "$(value no_margin margin)" "$(awk 'BEGIN { print 1 - sqrt(0.16 + 3.24) }')" 1e-6 "no_margin margin"
printf '%s\n' "$out" | grep -q '^no_margin: outcome = stalled' || fail "no_margin must stall"
l=$(value no_margin loss 2)
below "$l" 0.5002 "no_margin final loss"
below 0.5 "$l" "1/2 (plateau) vs no_margin final loss"
below "$(value no_margin det_P 2 | tr -d -)" 1e-3 "|det P| without margin"

"$bin" --csv "$tmp/bi.csv" > "$tmp/stdout"
[ ! -s "$tmp/stdout" ] || fail "--csv must not print the summary"
[ "$(head -n 1 "$tmp/bi.csv")" = "run,k,loss,delta,margin,det_P" ] || fail "CSV header"
awk -F, 'NR > 1 { n[$1]++; if ($1 == "no_margin" && $6 + 0 > 0) bad = 1 }
END { if (bad || n["balanced"] != 401 || n["no_margin"] != 401 || n["unbalanced"] > 10) exit 1 }' "$tmp/bi.csv" ||
    fail "CSV rows (401 per converging run, det P < 0 without margin)"
echo "examples-check: balanced_init verified (Arora et al. quantities, balanced/unbalanced/no-margin outcomes, CSV)"
