#!/bin/sh
# layers_test.sh CC - show that tests/layers.sh can fail: objects with an upward
# call (net_ calling opt_) and objects calling each other (a cycle) must be
# rejected with the right message, and a clean downward pair accepted.
set -eu
cc=${1:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
table=$tmp/layers.txt
printf '0 status\n1 net\n6 opt\n' > "$table"
obj() { # obj DIR NAME DEFINES CALLS
    mkdir -p "$1"
    printf 'void %s(void);\nvoid %s(void) { %s }\n' "$3" "$3" "$4" > "$1/$2.c"
    "$cc" -c -o "$1/$2.o" "$1/$2.c"
}
expect_fail() { # expect_fail DIR PATTERN
    if sh tests/layers.sh "$table" "$1"/*.o > "$tmp/out" 2>&1; then
        echo "layers_test: $1 passed the check, expected a failure"; exit 1
    fi
    grep -q "$2" "$tmp/out" || { echo "layers_test: no '$2' in:"; cat "$tmp/out"; exit 1; }
}
obj "$tmp/up" net_a f_net 'void f_opt(void); f_opt();'
obj "$tmp/up" opt_b f_opt ''
expect_fail "$tmp/up" 'net_a.c (layer 1) calls up into opt_b.c (layer 6)'
obj "$tmp/cycle" net_a f_a 'void f_b(void); f_b();'
obj "$tmp/cycle" net_b f_b 'void f_a(void); f_a();'
expect_fail "$tmp/cycle" 'cycle'
obj "$tmp/unknown" foo_a f_foo ''
expect_fail "$tmp/unknown" 'family "foo" is not in'
obj "$tmp/ok" opt_a f_top 'void f_low(void); f_low();'
obj "$tmp/ok" net_b f_low 'void f_st(void); f_st();'
obj "$tmp/ok" status f_st ''
sh tests/layers.sh "$table" "$tmp/ok"/*.o > /dev/null
echo "layers_test: upward calls, cycles and unknown families are rejected"
