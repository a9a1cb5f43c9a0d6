#!/bin/sh
# ldconfig.sh [-n] LIBDIR - refresh the dynamic loader's cache after
# `make install`, but only when that is right: as root, and only if LIBDIR is
# one of the directories the loader searches (ld.so.conf and the built-in
# ones, as `ldconfig -N -v` lists them). A private prefix (/opt/..., $HOME/...)
# is not searched; running ldconfig would not help it, so users set an rpath
# or LD_LIBRARY_PATH instead (docs/guide.md). With -n, only say what would
# be done: "ldconfig" or "skip: REASON".
set -u
dry=0
if [ "${1:-}" = -n ]; then dry=1; shift; fi
libdir=$1
say() { echo "$*"; }
command -v ldconfig >/dev/null 2>&1 || { say "skip: no ldconfig"; exit 0; }
target=$(readlink -f "$libdir" 2>/dev/null || echo "$libdir")
searched=0
for dir in $(ldconfig -N -v 2>/dev/null | sed -n 's|^\(/[^:]*\):.*|\1|p'); do
    [ "$(readlink -f "$dir" 2>/dev/null || echo "$dir")" = "$target" ] && searched=1
done
if [ $searched = 0 ]; then say "skip: $libdir is not in the loader's search path"; exit 0; fi
if [ $dry = 0 ] && [ "$(id -u)" != 0 ]; then say "skip: not root"; exit 0; fi
if [ $dry = 1 ]; then say ldconfig; exit 0; fi
ldconfig
