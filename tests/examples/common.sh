# common.sh - sourced by the example checks: `. tests/examples/common.sh; ex_setup NAME BINARY`
# runs the example twice (output must be identical: everything is seeded) and
# defines fail, value and near. $tmp is a scratch directory removed on exit.

ex_setup() {
    ex_name=$1
    bin=$2
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    out=$("$bin")
    [ "$out" = "$("$bin")" ] || fail "two runs printed different output"
}

fail() { printf '%s\n' "$out" >&2; echo "examples-check ($ex_name): $*" >&2; exit 1; }

# value LABEL KEY [N]: the number after "KEY =" on the N-th line starting with LABEL
value() {
    v=$(printf '%s\n' "$out" | grep "^$1" | sed -n "${3:-1}p" | sed -n "s#.*$2 = \([-+0-9.eEinf]*\).*#\1#p")
    [ -n "$v" ] || fail "no '$2' on the '$1' line"
    echo "$v"
}

# near A B TOL WHAT: |A - B| <= TOL
near() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; exit !(d <= t && -d <= t) }' || fail "$4: $1 vs $2 (tol $3)"; }
