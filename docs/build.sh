#!/bin/sh
# build.sh [OUTDIR] - the API reference from include/dlnet.h with Doxygen
# (docs/Doxyfile): warnings are errors. Output: OUTDIR/html and the man pages
# OUTDIR/man/man3, one per public function (default OUTDIR: build/docs).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-build/docs}
cd "$root"
version=$(sed -n 's/^#define DLN_VERSION_STRING "\(.*\)"$/\1/p' include/dlnet.h)
rm -rf "$out"
mkdir -p "$out"
# Doxygen reads the configuration from stdin when given "-": append overrides.
{ cat docs/Doxyfile; echo "PROJECT_NUMBER = $version"; echo "OUTPUT_DIRECTORY = $out"; } |
    doxygen - > "$out/doxygen.log" 2>&1 || { cat "$out/doxygen.log" >&2; echo "docs: doxygen failed" >&2; exit 1; }
if [ -s "$out/doxygen.log" ]; then cat "$out/doxygen.log"; fi
# Man pages: keep dlnet.h.3, the struct pages and the one-line links named
# after the API (dln_*, DLN_*); drop the links Doxygen makes for struct
# fields (value.3, y.3, ...) and anonymous enums (@0.3, ...), which would
# shadow unrelated pages. dlnet.3 is an alias of the header page.
man3="$out/man/man3"
for page in "$man3"/*.3; do
    name=$(basename "$page" .3)
    case "$name" in
        dln_* | DLN_* | dlnet.h) ;;
        *) rm -f "$page" ;;
    esac
done
echo ".so man3/dlnet.h.3" > "$man3/dlnet.3"
# One real page per public function, from its doc block; then check that
# every DLN_API function of the header got one (not a link to dlnet.h.3).
python3 docs/manpages.py "$out/xml" "$man3" "$version"
rm -rf "$out/xml"
missing=""
for f in $(sh build-aux/api-functions.sh include/dlnet.h); do
    if [ ! -f "$man3/$f.3" ] || ! grep -q '^\.SH DESCRIPTION' "$man3/$f.3"; then missing="$missing $f"; fi
done
[ -z "$missing" ] || { echo "docs: no man page for:$missing" >&2; exit 1; }
echo "docs: $out/html/dlnet_8h.html (libdlnet $version API reference)"
echo "docs: $man3 ($(ls "$man3" | wc -l) pages; man -l $man3/dlnet.h.3)"
