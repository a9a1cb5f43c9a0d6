#!/bin/sh
# run.sh WORKDIR LIBDIR - the C example of README.md compiles and runs exactly
# as printed, and prints what the README says it prints.
#
# The example is the ```c block that follows the line "<!-- readme-example -->"
# in README.md, its output the ``` block that follows "<!-- readme-output -->".
# The block is compiled as is, with the project's warning flags (-Werror),
# against the shared library in LIBDIR, and run. Then:
#  1. its output must equal the printed output, line for line;
#  2. independently of the README and of the library, every line must carry
#     the closed-form numbers of regularized.md §10.1 for the class it names:
#     F, kappa = 1/mu_min^+ and the GD rate rho = max |1 - eta mu| at eta = 0.1
#     (from the spec's mu_min^+ and mu_max), and the measured ratio and rate
#     must equal those predictions to the printed digits.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$1"
work=$(cd "$1" && pwd)
libdir=$(cd "$2" && pwd)
readme=$root/README.md
fail() { echo "readme-check: $*" >&2; exit 1; }

# block MARK: the lines of the first fenced block after the line MARK
block() {
    awk -v mark="$1" '
        $0 == mark { seen = 1; next }
        seen == 1 && /^```/ { seen = 2; next }
        seen == 2 && /^```/ { exit }
        seen == 2 { print }' "$readme"
}
block '<!-- readme-example -->' > "$work/example.c"
block '<!-- readme-output -->' > "$work/expected.txt"
[ -s "$work/example.c" ] || fail "no C block after <!-- readme-example --> in README.md"
[ -s "$work/expected.txt" ] || fail "no output block after <!-- readme-output --> in README.md"

${CC:-cc} -std=c11 ${WARN:--Wall -Wextra -Wpedantic -Werror} -I"$root/include" \
    -o "$work/example" "$work/example.c" -L"$libdir" -Wl,-rpath,"$libdir" -ldlnet ||
    fail "the README example does not compile"
"$work/example" > "$work/output.txt" || fail "the README example exited with status $?"

if ! cmp -s "$work/output.txt" "$work/expected.txt"; then
    diff "$work/expected.txt" "$work/output.txt" >&2 || true
    fail "the README example printed something else than README.md shows (diff above: < README, > run)"
fi

# regularized.md §10.1 (L = 3, widths 2-2-2-2, lam = 1, Ybar = diag(3, 1.9)): the
# local minima with their value F, mu_min^+ and mu_max.
awk '
    BEGIN {
        F["global minimum"] = 4.661759633103; mu["global minimum"] = 1; mx["global minimum"] = 7.7673749087
        # two spurious local minima: W = 0 and {3:+, 1.9:+}
        Fs[1] = 6.305;          mus[1] = 1;            mxs[1] = 1
        Fs[2] = 4.753957800483; mus[2] = 1.3787609183; mxs[2] = 8.3449354501
        eta = 0.1
    }
    function rho(a, b) { a = 1 - eta * a; b = 1 - eta * b; a = a < 0 ? -a : a; b = b < 0 ? -b : b; return a > b ? a : b }
    function near(x, y, tol) { return (x - y < tol) && (y - x < tol) }
    function bad(msg) { print "readme-check: line " NR ": " msg ": " $0 > "/dev/stderr"; failed = 1 }
    {
        n++
        if (!match($0, /^seed [0-9]+: F = [0-9.]+  /)) { bad("unexpected format"); next }
        f = $5; cls = substr($0, RLENGTH + 1); sub(/ *dist.*/, "", cls)
        if (!match($0, /dist[/][|]grad F[|] [0-9.]+ [(]kappa [0-9.]+[)]  rate [0-9.]+ [(]theory [0-9.]+[)]$/)) {
            bad("unexpected format"); next
        }
        split(substr($0, RSTART), v, /[ ()]+/)
        ratio = v[3]; kappa = v[5]; rate = v[7]; theory = v[9]
        if (cls == "global minimum") { eF = F[cls]; emu = mu[cls]; emx = mx[cls] }
        else if (cls == "local minimum (not global)") {
            k = near(f, Fs[1], 1e-8) ? 1 : 2; eF = Fs[k]; emu = mus[k]; emx = mxs[k]
        } else { bad("a class that GD does not reach here"); next }
        if (!near(f, eF, 1e-8)) bad(sprintf("F differs from the closed form %.12f", eF))
        if (!near(kappa, 1 / emu, 6e-4)) bad(sprintf("kappa differs from 1/mu_min^+ = %.5f", 1 / emu))
        if (!near(theory, rho(emu, emx), 6e-4)) bad(sprintf("rate prediction differs from %.5f", rho(emu, emx)))
        if (ratio != kappa) bad("the error-bound ratio has not reached kappa")
        if (rate != theory) bad("the observed rate differs from the prediction")
    }
    END { if (n < 1) bad("no output"); exit failed }' "$work/output.txt" || fail "wrong numbers (see above)"
echo "readme-check: the README example compiles, runs and prints what README.md shows ($(wc -l < "$work/output.txt") lines checked against regularized.md §10.1)"
