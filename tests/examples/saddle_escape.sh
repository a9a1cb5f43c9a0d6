#!/bin/sh
# saddle_escape.sh BINARY - examples/saddle_escape prints the right saddles
# (class, value and smallest Hessian eigenvalue of regularized.md 10.1 and
# unregularized.md 13, E3), gradient descent stalls there as long as the
# linearization predicts, and L-BFGS with escapes leaves at its first
# iteration and reaches the global minimum. The CSV is checked too.
set -eu
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" > "$tmp/out"
"$bin" > "$tmp/again"
cmp -s "$tmp/out" "$tmp/again" || { echo "examples-check (saddle_escape): two runs differ" >&2; exit 1; }
awk '
function near(a, b, t) { return (a - b <= t && b - a <= t) }
function fail(msg) { print "examples-check (saddle_escape): " msg > "/dev/stderr"; bad = 1 }
# the number after "KEY = " on this line
function val(key,   s) { s = $0; if (!sub(".*" key " = ", "", s)) { fail("no " key ": " $0); return "" } sub("[ ,].*", "", s); return s }
BEGIN {
    # spec values: saddle F, mu, F*; final F and class of gd, lbfgs-escape
    FS_["regularized"] = 6.361268282892; MU["regularized"] = -0.9609991092; FSTAR["regularized"] = 4.661759633103
    FS_["unregularized"] = 0.5; MU["unregularized"] = -1; FSTAR["unregularized"] = 0
    GDF["regularized"] = 6.305; GDC["regularized"] = "local minimum (not global)"   # W = 0: (9 + 1.9^2)/2
    GDF["unregularized"] = 0; GDC["unregularized"] = "global minimum"
}
/^# / { p = $2; np++ }
/^saddle: *class/ { if ($0 !~ /class = strict saddle \(theory: strict saddle, numerical: strict saddle\)/) fail(p ": saddle class: " $0) }
/^saddle: *F/ {
    if (!near(val("F"), FS_[p], 1e-10)) fail(p ": saddle value " $0)
    if (!near(val("F\\*"), FSTAR[p], 1e-10)) fail(p ": F* " $0)
    if (!near(val("mu"), MU[p], 1e-9)) fail(p ": mu " $0)
}
/^predict:/ { kpred[p] = val("k_pred") }
/^(gd|lbfgs|lbfgs-escape) / {
    m = $1; stop = $2; it = $3; left = $4; nesc = $5; f = $6
    cls = $0; sub(/^[^ ]+ +[^ ]+ +[^ ]+ +[^ ]+ +[^ ]+ +[^ ]+ +/, "", cls)
    if (stop != "grad-tol") fail(p " " m ": stop " stop)
    runs[p]++
    if (m == "gd") {
        # the stall: measured within 3 iterations of the linearized prediction
        if (!(left - kpred[p] <= 3 && kpred[p] - left <= 3)) fail(p " gd: left the saddle at " left ", predicted " kpred[p])
        if (left < 100) fail(p " gd: no stall (" left ")")
        if (!near(f, GDF[p], 1e-9) || cls != GDC[p]) fail(p " gd: final point " $0)
        if (nesc != 0) fail(p " gd: escapes")
    } else if (m == "lbfgs-escape") {
        if (left != 1 || nesc < 1) fail(p " lbfgs-escape must escape at its first iteration: " $0)
        if (!near(f, FSTAR[p], 1e-9) || cls != "global minimum") fail(p " lbfgs-escape: final point " $0)
    } else if (nesc != 0 || cls !~ /minimum/) fail(p " lbfgs: " $0)
}
/^  escape 1:/ { if (!near(val("mu"), MU[p], 1e-5) || val("k") != 1) fail(p ": escape " $0); escapes[p]++ }
END {
    if (np != 2 || runs["regularized"] != 3 || runs["unregularized"] != 3) fail("expected 2 problems x 3 methods")
    if (escapes["regularized"] != 1 || escapes["unregularized"] != 1) fail("expected one escape line per problem")
    if (bad) exit 1
}' "$tmp/out" || { cat "$tmp/out" >&2; exit 1; }

"$bin" --csv "$tmp/se.csv" > "$tmp/stdout"
[ ! -s "$tmp/stdout" ] || { echo "examples-check (saddle_escape): --csv must not print the summary" >&2; exit 1; }
[ "$(head -n 1 "$tmp/se.csv")" = "problem,method,k,loss,grad_norm,escape,F_minus_Fstar,saddle_minus_Fstar" ] ||
    { echo "examples-check (saddle_escape): CSV header" >&2; exit 1; }
# rows per run = iterations + 1 (from the summary), one escape row per problem (k = 1, lbfgs-escape)
awk 'NR == FNR { if ($0 ~ /^# /) p = $2; else if ($1 ~ /^(gd|lbfgs|lbfgs-escape)$/) want[p "," $1] = $3 + 1; next }
FNR > 1 { split($0, c, ","); n[c[1] "," c[2]]++
    if (c[6] == 1) { esc++; if (c[2] != "lbfgs-escape" || c[3] != 1) bad = 1 } }
END { for (k in want) if (n[k] != want[k]) bad = 1; if (esc != 2 || length(n) != 6) bad = 1; exit bad }' \
    "$tmp/out" FS=, "$tmp/se.csv" || { echo "examples-check (saddle_escape): CSV rows" >&2; exit 1; }
echo "examples-check: saddle_escape verified (saddles of the spec, GD stall = prediction, escapes to F*, CSV)"
