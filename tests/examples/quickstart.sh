#!/bin/sh
# quickstart.sh BINARY - examples/quickstart prints correct numbers, not just
# exit status 0: its own oracles (direct forward pass, finite differences,
# Rayleigh bound) must agree with the library, and two runs must print the
# same text (everything is seeded).
set -eu
bin=$1
out=$("$bin")
again=$("$bin")
fail() { printf '%s\n' "$out" >&2; echo "examples-check (quickstart): $*" >&2; exit 1; }
[ "$out" = "$again" ] || fail "two runs printed different output"

# value LABEL KEY: the number after "KEY =" on the first line starting with LABEL
value() {
    v=$(printf '%s\n' "$out" | sed -n "s/^$1.*$2 *= \([-+0-9.eE]*\).*/\1/p" | head -n 1)
    [ -n "$v" ] || fail "no '$2' on the '$1' line"
    echo "$v"
}
below() { awk -v x="$1" -v t="$2" 'BEGIN { exit !(x + 0 < t + 0) }' || fail "$3 = $1 is not below $2"; }

below "$(value 'loss check:' 'rel err')" 1e-12 "loss check rel err"
below "$(value 'grad check:' 'rel err')" 1e-6 "grad check rel err"
below "$(value 'hvp check:' 'rel err')" 1e-6 "hvp check rel err"
below "$(value 'eigs check:' 'residual')" 1e-8 "eigenpair residual"
printf '%s\n' "$out" | grep -q '^eigs check:.*converged = yes' || fail "eigensolver did not converge"
printf '%s\n' "$out" | grep -q '^rayleigh check:.*: yes$' || fail "<v, H v> outside [smallest, largest]"
lmin=$(value ' *smallest' 'eigenvalue')
lmax=$(value 'hessian:' 'largest eigenvalue')
below "$lmin" "$lmax" "smallest eigenvalue (vs largest)"
echo "examples-check: quickstart output verified (loss, gradient, HVP, eigenvalues)"
