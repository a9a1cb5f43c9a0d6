#!/bin/sh
# landscape_zoo.sh BINARY - run examples/landscape_zoo and check the printed
# values against regularized.md 10.1 and unregularized.md 13 (Data A); the
# --csv table against the printed one; the --slices file against the closed
# form F(w,w,w) = 1/2 (w^3 - y)^2 + 3/2 w^2, its critical points against the
# critical equation w^4 - y w + 1 = 0 and their classes against
# regularized.md 2.3-4 and 10.2.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$tmp/out
"$1" > "$out"
awk '
function near(a, b) { return (a - b < 1e-9 && b - a < 1e-9) }
function fail(msg) { print "landscape_zoo: " msg > "/dev/stderr"; bad = 1 }
BEGIN {
    # regularized.md 10.1: matched -> class, value, min eig, max eig
    split("{}|{3:+}|{3:-}|{1.9:+}|{1.9:-}|{3:+,1.9:+}|{3:+,1.9:-}|{3:-,1.9:+}|{3:-,1.9:-}", key, "|")
    split("LOCAL GLOBAL STRICT STRICT STRICT LOCAL STRICT STRICT STRICT", cls, " ")
    split("6.305 4.661759633103 6.361268282892 6.397198167380 6.458020191561 4.753957800483 4.814779824664 6.453466450272 6.514288474453", val, " ")
    split("1 0 -0.9609991092 -1.0380064930 -0.6491771288 0 -0.6360821507 -1.2449797600 -1.1459041784", mn, " ")
    split("1 7.7673749087 2 4.6238471052 2.8917890283 8.3449354501 7.7673749087 5.0598795725 3.4939399270", mx, " ")
    for (i = 1; i <= 9; i++) { C[key[i]] = cls[i]; V[key[i]] = val[i]; MN[key[i]] = mn[i]; MX[key[i]] = mx[i] }
    # unregularized.md 13: index set and extra chain -> class, value, min eig
    U["S={}/zero"] = "NONSTRICT 5 0";   U["S={}/loose"] = "STRICT 5 -3"
    U["S={2}/zero"] = "STRICT 4.5 -2";  U["S={2}/loose"] = "STRICT 4.5 -3"
    U["S={1}/zero"] = "NONSTRICT 0.5 0" # E2
    U["S={1}/loose"] = "STRICT 0.5 -1"  # E3: (W_1, W_3) block, lambda_min = -1
    U["S={1,2}/zero"] = "GLOBAL 0 0"    # E1
}
/^# ystar/ { if (!near($3, 1.754765350603) || !near($5, 2) || !near($7, 4.661759633103) || $9 != 9) fail("regularized header: " $0); hdr++ }
/^# gamma/ { if (!near($3, 9) || !near($4, 1) || !near($6, 0) || $8 != 4 || $10 != 2) fail("unregularized header: " $0); hdr++ }
/^# unregularized/ { part = 2 }
/^[0-9]/ {
    if ($9 != "yes") fail("theory and numerical verdicts disagree: " $0)
    if ($4 != $5) fail("classes differ: " $0)
    if (part != 2) {
        nreg++
        if (!($2 in C)) { fail("unknown orbit " $2); next }
        if ($4 != C[$2] || !near($6, V[$2]) || !near($7, MN[$2]) || !near($8, MX[$2])) fail("orbit " $2 ": " $0)
    } else {
        nun++
        k = $2 "/" $3
        if (!(k in U)) { fail("unknown index set " k); next }
        split(U[k], e, " ")
        if ($4 != e[1] || !near($6, e[2]) || !near($7, e[3])) fail("index set " k ": " $0)
    }
}
END {
    if (nreg != 9) fail("expected 9 regularized orbits, got " nreg)
    if (nun != 7) fail("expected 7 unregularized rows, got " nun)
    if (hdr != 2) fail("missing header lines")
    if (bad) exit 1
    print "landscape_zoo: 9 regularized orbits and 7 unregularized points match the spec"
}' "$out"

"$1" --csv "$tmp/zoo.csv" --slices "$tmp/slices.csv" > "$tmp/stdout"
[ ! -s "$tmp/stdout" ] || { echo "landscape_zoo: --csv/--slices must not print the tables" >&2; exit 1; }
# the CSV table is the printed one: same classes and values, row by row
awk 'NR == FNR { if ($0 ~ /^[0-9]/) { n++; cls[n] = $4 " " $5; val[n] = $6 } next }
FNR > 1 { split($0, c, ","); m++; if (c[5] " " c[6] != cls[m] || c[7] - val[m] > 1e-11 || val[m] - c[7] > 1e-11 || c[10] != "yes") bad = 1 }
END { exit bad || m != n || n != 16 }' "$out" "$tmp/zoo.csv" || { echo "landscape_zoo: CSV table differs from the printed one" >&2; exit 1; }
awk -F, '
function abs(x) { return x < 0 ? -x : x }
function fail(msg) { print "landscape_zoo slices: " msg > "/dev/stderr"; bad = 1 }
BEGIN { ystar = 4 / 3 * 3 ^ 0.25   # y*_3(1) of regularized.md 2.3
    # case -> expected critical points "point:class" (regularized.md 2.3, 4, 10.2)
    want["below"] = "0:GLOBAL"; want["at"] = "0:GLOBAL s*:NONSTRICT"
    want["between"] = "0:GLOBAL s+:LOCAL s-:STRICT"; want["above"] = "0:LOCAL s+:GLOBAL s-:STRICT" }
NR == 1 { if ($0 != "case,y,w,F,F_minus_F0,point,class") fail("header"); next }
{
    y = $2; w = $3; F = 0.5 * (w ^ 3 - y) ^ 2 + 1.5 * w ^ 2
    if (abs($4 - F) > 1e-12 * (1 + F) || abs($5 - (F - y * y / 2)) > 1e-12 * (1 + F)) fail("value at " $0)
    if ($1 == "at" && abs(y - ystar) > 1e-12) fail("y* " y)
    if ($6 == "curve") { rows[$1]++; next }
    if ($6 != "0" && abs(w ^ 4 - y * w + 1) > 1e-10) fail("not critical: " $0)
    if ($6 == "s*" && abs(w - 3 ^ -0.25) > 1e-7) fail("s* = 3^(-1/4): " $0)
    got[$1] = got[$1] (got[$1] == "" ? "" : " ") $6 ":" $7
}
END {
    for (c in want) { if (got[c] != want[c]) fail(c ": " got[c] " (expected " want[c] ")"); if (rows[c] < 100) fail(c ": rows") }
    if (bad) exit 1
    print "landscape_zoo: CSV table and slices verified (closed form, critical points, classes)"
}' "$tmp/slices.csv"
