#!/bin/sh
# real_data.sh BINARY - examples/real_data on the first 1000 Fashion-MNIST
# training images (100 L-BFGS iterations on the raw pixels), when the Debian
# package dataset-fashion-mnist is installed; otherwise the example must say
# "skipped: ..." and exit 0. Checked values: the data read (sample counts,
# mean pixel recomputed here with od, F(0) = 1/2 for one-hot targets), the
# raw model (loss below F(0), not yet critical, test accuracy of a linear
# classifier), the whitened model (regularized theory, L-BFGS to the
# gradient tolerance, certified global minimum, F = F*, ratio <= kappa =
# 1/lam), and the CSV histories against the printed summary (a second run:
# everything is seeded). Timings are printed, never asserted.
set -eu
bin=$1
dir=/usr/share/datasets/fashion-mnist
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { cat "$tmp/out" >&2 2>/dev/null || true; echo "examples-check (real_data): $*" >&2; exit 1; }

# the skip path, always
"$bin" --dir "$tmp/none" > "$tmp/skip" || fail "a missing data set must not be an error"
grep -q "^skipped: Fashion-MNIST not found in $tmp/none" "$tmp/skip" || fail "no 'skipped:' message without data"

if [ ! -r "$dir/train-images-idx3-ubyte.gz" ]; then
    "$bin" --samples 1000 --iters 100 > "$tmp/out" || fail "exit status without data"
    grep -q '^skipped: ' "$tmp/out" || fail "without the package the example must skip"
    echo "examples-check: real_data skipped (install dataset-fashion-mnist to run it)"
    exit 0
fi

"$bin" --samples 1000 --iters 100 > "$tmp/out" 2> "$tmp/err" || fail "exit status"
grep -q '^skipped:' "$tmp/out" && fail "skipped although $dir is there"
grep -q 'real_data: raw k =   100' "$tmp/err" || fail "no progress report on stderr"
pixel=$(gzip -dc "$dir/train-images-idx3-ubyte.gz" | tail -c +17 | head -c 784000 | od -An -tu1 -v |
    awk '{ for (i = 1; i <= NF; i++) s += $i; n += NF } END { if (n == 784000) printf "%.9f", s / n / 255 }')
[ -n "$pixel" ] || fail "could not read the first 1000 images with od"
awk -v pixel="$pixel" '
function abs(x) { return x < 0 ? -x : x }
function fail(msg) { print "examples-check (real_data): " msg > "/dev/stderr"; bad = 1 }
function val(key,   s) { s = $0; if (!sub(".*" key " = ", "", s)) { fail("no " key ": " $0); return "" } sub("[ ,(].*", "", s); return s + 0 }
/^data: .*training images/ { seen++; if ($2 != "Fashion-MNIST," || $3 != 1000 || $(NF - 2) != 10000) fail("sample counts: " $0) }
/^data: .*mean pixel/ { seen++; if (abs(val("mean pixel") - pixel) > 1e-8) fail("mean pixel " val("mean pixel") " vs " pixel " (od)")
    if (abs(val("F\\(W = 0\\)") - 0.5) > 1e-12) fail("F(0) = 1/2 for one-hot targets: " $0) }
/^cost:/ { seen++; if (!($4 > 0) || !($9 > 0)) fail("iteration times: " $0) }
/^raw: .*L-BFGS/ { seen++; f0 = val("F"); if ($0 !~ /stop = max-iter after 100 iterations/ || f0 > 0.2 || f0 < 0) fail("raw run: " $0) }
/^raw: .*class/ { seen++; if ($0 !~ /class = not critical/ || val("relative gradient") <= 1e-8) fail("raw class: " $0) }
/^raw: .*test accuracy/ { seen++; a = val("test accuracy"); if (a < 0.7 || a > 0.9) fail("raw test accuracy " a) }
/^raw: *no theory: H1 fails/ { seen++ }   # 1000 images: some pixels are always 0
/^white: regularized theory/ { seen++ }
/^white: .*L-BFGS/ { seen++; if ($0 !~ /stop = grad-tol/ || val("\\|grad F\\|") > 1e-10) fail("whitened run: " $0) }
/^white: .*class/ { seen++; if ($0 !~ /class = global minimum/) fail("whitened class: " $0) }
/^white: F - F\*/ { seen++
    if (abs(val("F - F\\*")) > 1e-12) fail("F - F*: " $0)
    if (abs(val("kappa") - 1000) > 1e-6) fail("kappa = 1/lam = 1000: " $0)
    if (val("dist/\\|grad F\\|") > val("kappa") * (1 + 1e-6)) fail("ratio above kappa: " $0) }
/^white: test accuracy not computed: X X\^T is singular for 1000 samples/ { seen++ }
END { if (seen != 12) fail("expected 12 checked lines, saw " seen); exit bad }' "$tmp/out" || fail "values"

"$bin" --samples 1000 --iters 100 --csv "$tmp/rd.csv" > "$tmp/stdout" 2> /dev/null || fail "exit status with --csv"
[ ! -s "$tmp/stdout" ] || fail "--csv must not print the summary"
[ "$(head -n 1 "$tmp/rd.csv")" = "part,k,loss,grad_norm" ] || fail "CSV header"
# last row of each part = the F printed by the summary run (10 digits)
awk -F, 'NR == FNR { if ($0 ~ /^raw: .*L-BFGS/) { sub(/.*F = /, ""); sub(/,.*/, ""); f["raw"] = $0 }
                     if ($0 ~ /^white: .*L-BFGS/) { sub(/.*F = /, ""); sub(/,.*/, ""); f["whitened"] = $0 }; next }
FNR > 1 { n[$1]++; last[$1] = $3 }
END { for (p in f) if (sprintf("%.10f", last[p]) != f[p]) exit 1; exit n["raw"] != 101 || n["whitened"] < 2 }' \
    "$tmp/out" "$tmp/rd.csv" || fail "CSV rows (101 raw iterates; last losses equal to the printed ones)"
echo "examples-check: real_data verified on 1000 Fashion-MNIST images (data, raw and whitened models, CSV)"
