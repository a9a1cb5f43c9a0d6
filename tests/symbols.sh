#!/bin/sh
# symbols.sh LIB HEADER - the dynamic symbols that LIB exports are exactly the
# functions HEADER declares with DLN_API: nothing internal leaks (dlni_*,
# linalg helpers, statics of BLAS) and nothing declared is missing.
set -eu
lib=$1 header=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

sh "$(dirname "$0")/../build-aux/api-functions.sh" "$header" > "$tmp/declared"
# Every defined dynamic symbol, whatever its type (functions, data, ...).
nm -D --defined-only "$lib" | awk '{print $NF}' | sed 's/@.*//' | sort -u > "$tmp/exported"
# Exported symbols that are not functions (data, TLS, ...) are never API.
nm -D --defined-only "$lib" | awk '$2 != "T" {print "  " $NF " (type " $2 ")"}' > "$tmp/nonfunc"

ndecl=$(wc -l < "$tmp/declared")
if [ "$ndecl" -eq 0 ]; then
    echo "symbols-check: found no DLN_API declarations in $header" >&2
    exit 1
fi
status=0
extra=$(comm -13 "$tmp/declared" "$tmp/exported")
missing=$(comm -23 "$tmp/declared" "$tmp/exported")
if [ -n "$extra" ]; then
    echo "symbols-check: exported by $lib but not declared with DLN_API:" >&2
    echo "$extra" | sed 's/^/  /' >&2
    status=1
fi
if [ -n "$missing" ]; then
    echo "symbols-check: declared with DLN_API but not exported (not implemented?):" >&2
    echo "$missing" | sed 's/^/  /' >&2
    status=1
fi
if [ -s "$tmp/nonfunc" ]; then
    echo "symbols-check: exported symbols that are not functions:" >&2
    cat "$tmp/nonfunc" >&2
    status=1
fi
[ $status -eq 0 ] && echo "symbols-check: $lib exports exactly the $ndecl DLN_API functions of $header"
exit $status
