#!/bin/sh
# api-functions.sh HEADER - the names of the functions HEADER declares with
# DLN_API, one per line, sorted: the public API that the exported-symbol
# check (tests/symbols.sh) and the man pages (docs/build.sh) must cover.
# Declarations start a line with DLN_API and may wrap before the '(': join
# each one up to its '(' and keep the identifier just before it.
set -eu
awk '/^DLN_API /{decl=""; collecting=1}
     collecting {decl = decl " " $0; if (index($0, "(")) {
         sub(/\(.*/, "", decl); n = split(decl, w, /[ *]+/); print w[n]; collecting=0 } }' \
    "$1" | sort -u
