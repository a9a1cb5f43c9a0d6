#!/bin/sh
# landscape_surface.sh BINARY - examples/landscape_surface against
# regularized.md 10.1: the three critical points (values, classes, the
# saddle's Hessian eigenvalue), the roots of s^4 - 1.9 s + 1 = 0 found here
# by bisection (the saddle sits at a = 1 - s_-/s_+ on the line), the exact
# line polynomial against direct evaluation and its maximum at the saddle,
# and the plane's CSV (grid size, F at the two minima).
set -eu
. "$(dirname "$0")/common.sh"
ex_setup landscape_surface "$1"

# roots of h(s) = s^4 - 1.9 s + 1 on either side of s* = 3^(-1/4)
roots=$(awk 'function h(s) { return s^4 - 1.9 * s + 1 }
function bis(a, b,   i, m) { for (i = 0; i < 200; i++) { m = (a + b) / 2; if ((h(a) > 0) == (h(m) > 0)) a = m; else b = m } return (a + b) / 2 }
BEGIN { ss = 3^(-0.25); printf "%.15f %.15f\n", bis(ss, 2), bis(1e-9, ss) }')
sp=${roots% *} sm=${roots#* }
asad=$(awk -v p="$sp" -v m="$sm" 'BEGIN { printf "%.15f", 1 - m / p }')

spurious=4.753957800483 saddle=4.814779824664 global=4.661759633103
near "$(value 'point: spurious' F)" $spurious 1e-10 "spurious minimum value"
near "$(value 'point: saddle' F)" $saddle 1e-10 "saddle value"
near "$(value 'point: global' F)" $global 1e-10 "global minimum value"
printf '%s\n' "$out" | grep -q '^point: spurious .*class = local minimum (not global)$' || fail "spurious class"
printf '%s\n' "$out" | grep -q '^point: saddle .*class = strict saddle$' || fail "saddle class"
printf '%s\n' "$out" | grep -q '^point: global .*class = global minimum$' || fail "global class"
near "$(value roots 's_+')" "$sp" 1e-9 "s_+"
near "$(value roots 's_-')" "$sm" 1e-9 "s_-"
near "$(value 'line: max' 'max |poly - direct|')" 0 1e-12 "line polynomial vs direct evaluation"
near "$(value 'line: max' 'max at a')" "$asad" 1e-9 "maximum of the line at the saddle"
near "$(value 'line: max' 'F')" $saddle 1e-10 "line maximum value"
near "$(value 'line: max' 'F(1) - F(0)')" -0.092198167380 1e-10 "line end-to-end change"
near "$(value hessian 'mu_1')" -0.6360821507 1e-9 "saddle eigenvalue"
near "$(value hessian '|cos(v_1, D_1)|')" 1 1e-10 "negative direction along the line"
near "$(value plane 'min F')" $global 1e-10 "plane minimum"
near "$(value plane 'F(0,0)')" $spurious 1e-10 "plane at the spurious minimum"
near "$(value plane 'F(1,0)')" $global 1e-10 "plane at the global minimum"

"$bin" --csv "$tmp/s.csv" > "$tmp/stdout"
[ ! -s "$tmp/stdout" ] || fail "--csv must not print the summary"
[ "$(head -n 1 "$tmp/s.csv")" = "a,b,F" ] || fail "CSV header"
awk -F, -v sp=$spurious -v gl=$global 'NR > 1 && NF == 3 { n++; if ($1 + 0 == 0 && $2 + 0 == 0) f0 = $3; if ($1 + 0 == 1 && $2 + 0 == 0) f1 = $3 }
NR > 1 && NF == 0 { blank++ }
END { d0 = f0 - sp; d1 = f1 - gl; exit !(n == 73 * 49 && blank == 49 && d0 < 1e-10 && -d0 < 1e-10 && d1 < 1e-10 && -d1 < 1e-10) }' \
    "$tmp/s.csv" || fail "CSV grid"
echo "examples-check: landscape_surface verified (critical points of 10.1, saddle on the exact line, plane CSV)"
