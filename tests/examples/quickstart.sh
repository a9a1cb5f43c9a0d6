#!/bin/sh
# quickstart.sh BINARY - examples/quickstart prints correct numbers, not just
# exit status 0: its own oracles (direct forward pass, finite differences,
# Rayleigh bound) must agree with the library; the theory must apply; both
# training runs must reach the global minimum F* with the GD rate and the
# error-bound ratio predicted independently (weight-decay mode: rho = 1 - eta
# lam, kappa = 1/lam); two runs must print the same text (everything is
# seeded). The CSV history is checked too.
set -eu
. "$(dirname "$0")/common.sh"
ex_setup quickstart "$1"
[ "$(printf '%s\n' "$out" | wc -l)" -le 25 ] || fail "more than one screen (25 lines) of output"

# the N-th line of the block of a training run (N = 1..4)
run_line() { printf '%s\n' "$out" | grep -A3 "^$1:" | sed -n "${2}p"; }
rvalue() {
    v=$(run_line "$1" "$2" | sed -n "s#.*$3 = \([-+0-9.eEinf]*\).*#\1#p")
    [ -n "$v" ] || fail "no '$3' in line $2 of the $1 run"
    echo "$v"
}
# iterations of a training run
iters() {
    v=$(run_line "$1" 1 | sed -n 's/.* after \([0-9]*\) iterations.*/\1/p')
    [ -n "$v" ] || fail "no iteration count for the $1 run"
    echo "$v"
}
below() { awk -v x="$1" -v t="$2" 'BEGIN { exit !(x + 0 < t + 0) }' || fail "$3 = $1 is not below $2"; }

# derivatives at the random start
below "$(value 'loss check:' 'rel err')" 1e-12 "loss check rel err"
below "$(value 'grad check:' 'rel err')" 1e-6 "grad check rel err"
below "$(value 'hvp check:' 'rel err')" 1e-6 "hvp check rel err"
below "$(value 'eigs check:' 'residual')" 1e-8 "eigenpair residual"
printf '%s\n' "$out" | grep -q '^eigs check:.*converged = yes' || fail "eigensolver did not converge"
printf '%s\n' "$out" | grep -q '^eigs check:.*rayleigh: yes$' || fail "<v, H v> outside [smallest, largest]"
below "$(value 'hessian:' 'smallest eigenvalue')" "$(value 'hessian:' 'largest eigenvalue')" "smallest eigenvalue"

# the landscape: regularized theory, lam = 0.1^3, y* of regularized.md 2.3 in closed form
printf '%s\n' "$out" | grep -q '^theory: *regularized theory' || fail "the regularized theory must apply"
near "$(value '  *y =' 'y\*')" "$(awk 'BEGIN { print 0.001 ^ 0.25 * 4 / 3 * 3 ^ 0.25 }')" 1e-6 "y* (L = 3, lam = 1e-3)"
printf '%s\n' "$out" | grep -q 'error bound holds = yes' || fail "the error bound must hold"
fstar=$(value '  *y =' 'F\*')

# both runs: converged to the global minimum, classified so by theory and Hessian
for m in gd lbfgs; do
    run_line $m 1 | grep -q 'stop = grad-tol' || fail "$m did not stop on the gradient test"
    below "$(rvalue $m 1 '|grad F|')" 1e-10 "$m final |grad F|"
    near "$(rvalue $m 1 ', F')" "$fstar" 1e-11 "$m final F vs F*"
    run_line $m 3 | grep -q 'class = global minimum (theory: global minimum, numerical: global minimum)' ||
        fail "$m: the point reached must be classified a global minimum by both methods"
    near "$(rvalue $m 4 'kappa')" 10 1e-9 "$m: kappa = 1/lam"
    below "$(rvalue $m 4 'ratio = dist/|grad F|')" 10.00001 "$m: error-bound ratio (vs kappa)"
    [ "$(rvalue $m 4 flags)" = 0 ] || fail "$m: distance flags"
done
near "$(rvalue gd 2 'predicted rho(eta)')" 0.995 1e-12 "predicted GD rate = 1 - eta lam"
near "$(rvalue gd 2 'observed rate')" 0.995 1e-6 "observed GD rate"
near "$(rvalue gd 4 'ratio = dist/|grad F|')" 10 1e-4 "GD ratio settles at kappa"
below "$(iters lbfgs)" 500 "L-BFGS iterations"

"$bin" --csv "$tmp/qs.csv" > "$tmp/stdout"
[ ! -s "$tmp/stdout" ] || fail "--csv must not print the summary"
[ "$(head -n 1 "$tmp/qs.csv")" = "method,k,loss,grad_norm,dist,eb_ratio" ] || fail "CSV header"
awk -F, -v gd="$(iters gd)" -v lb="$(iters lbfgs)" -v fs="$fstar" '
NR > 1 { n[$1]++; last[$1] = $3; if ($5 < 0 || ($6 != "nan" && $6 > 10.0001)) bad = NR }
END { if (bad || n["gd"] != gd + 1 || n["lbfgs"] != lb + 1 || last["gd"] - fs > 1e-11 || last["lbfgs"] - fs > 1e-11) exit 1 }' \
    "$tmp/qs.csv" || fail "CSV rows (one per iterate, dist >= 0, ratio <= kappa, final F = F*)"
echo "examples-check: quickstart output verified (derivatives, theory, GD and L-BFGS to F*, classification, error bound, CSV)"
