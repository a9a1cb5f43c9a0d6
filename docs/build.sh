#!/bin/sh
# build.sh [OUTDIR] - the API reference from include/dlnet.h with Doxygen
# (docs/Doxyfile): warnings are errors. Output: OUTDIR/html (default build/docs).
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
echo "docs: $out/html/dlnet_8h.html (libdlnet $version API reference)"
