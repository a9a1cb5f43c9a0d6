#!/bin/sh
# layers.sh TABLE OBJECT... - derive the file-level call graph of the library from
# its object files (each undefined symbol of an object, resolved to the object
# that defines it) and fail on any call from a lower layer into a higher one or
# any cycle between files. TABLE is build-aux/layers.txt; the objects are the
# library's (named, not globbed, so that stale objects of a build tree are ignored).
set -eu
table=$1
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# defs: "symbol file", undefs: "file symbol" (file = object name without .o)
for o in "$@"; do
    f=$(basename "$o" .o)
    nm -g --defined-only "$o" | awk -v f="$f" 'NF == 3 { print $3, f }' >> "$tmp/defs"
    nm -u "$o" | awk -v f="$f" '{ print f, $NF }' >> "$tmp/undefs"
done
for o in "$@"; do basename "$o" .o; done > "$tmp/files"
sort -k1,1 "$tmp/defs" > "$tmp/defs.s"
sort -k2,2 "$tmp/undefs" > "$tmp/undefs.s"
# edges "from to" between distinct files
join -1 2 -2 1 -o 1.1,2.2 "$tmp/undefs.s" "$tmp/defs.s" | awk '$1 != $2' | sort -u > "$tmp/edges"

awk -v table="$table" '
    BEGIN {
        while ((getline line < table) > 0) {
            if (line ~ /^[ \t]*(#|$)/) continue
            n = split(line, w, /[ \t]+/)
            for (i = 2; i <= n; i++) layer[w[i]] = w[1] + 0
        }
    }
    function fam(f) { sub(/_.*/, "", f); return f }
    function lay(f,   g) {
        g = fam(f)
        if (!(g in layer)) { printf "layers: %s.c: family \"%s\" is not in %s\n", f, g, table; bad = 1; return -1 }
        return layer[g]
    }
    NF == 1 { lay($1); next }   # every object must belong to a family of the table
    {
        a = lay($1); b = lay($2)
        if (a >= 0 && b > a) { printf "layers: %s.c (layer %d) calls up into %s.c (layer %d)\n", $1, a, $2, b; bad = 1 }
    }
    END { exit bad }
' "$tmp/files" "$tmp/edges" || fail=1

# cycles: tsort reports them on stderr
tsort "$tmp/edges" > /dev/null 2> "$tmp/cycles" || :
if [ -s "$tmp/cycles" ]; then
    echo "layers: the file-level call graph has a cycle:"
    sed -e "s|^tsort: $tmp/edges: |  |" -e "s|^tsort: |  |" "$tmp/cycles"
    fail=1
fi
if [ "${fail:-0}" = 1 ]; then exit 1; fi
echo "layers: $(wc -l < "$tmp/edges") calls between $# files, no cycle, none upward"
