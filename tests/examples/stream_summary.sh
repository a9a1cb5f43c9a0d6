#!/bin/sh
# stream_summary.sh BINARY - examples/stream_summary on a small file written
# by its --write mode (20000 samples, 8 inputs, 3 targets), read in chunks of
# 5000 rows with a progress report every 2000 samples. Checked: the progress
# lines (increasing, ending at 100%), the sample count, the checkpoint file
# (its size from docs/summary_format.md, reloaded bit for bit), F(0) against
# 1/(2m) sum ||y||^2 recomputed here from the file with od, F* = r0/2 near the
# noise level 3 * 0.01 / 2, the trained network at F*, the same buffer for
# twice the data (constant memory), identical output on a second run, and a
# file that is not a whole number of samples rejected.
set -eu
. "$(dirname "$0")/common.sh"
bin=$1
ex_name=stream_summary
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$bin" --write "$tmp/d.bin" 20000 8 3 5 > /dev/null || fail "--write"
[ "$(wc -c < "$tmp/d.bin")" -eq $((20000 * 11 * 8)) ] || fail "data file size"
run() { "$bin" "$1" 8 3 --chunk 5000 --block 2000 --save "$tmp/c.dls"; }
out=$(run "$tmp/d.bin") || fail "exit status"
[ "$out" = "$(run "$tmp/d.bin")" ] || fail "two runs printed different output"

printf '%s\n' "$out" | awk '/^progress:/ { n++; if ($2 <= last || $4 != 20000) bad = 1; last = $2 }
    END { exit bad || n != 10 || last != 20000 }' || fail "progress lines (10, increasing, to 20000)"
printf '%s\n' "$out" | grep -q '^progress: 20000 / 20000 samples (100.0%)$' || fail "no 100% line"
printf '%s\n' "$out" | grep -q '^summary: m = 20000 samples' || fail "sample count"
printf '%s\n' "$out" | grep -q 'reloaded F(0) identical' || fail "checkpoint not reloaded bit for bit"
[ "$(wc -c < "$tmp/c.dls")" -eq $((52 + 8 * 11 * 12 / 2)) ] || fail "checkpoint size (52 + 8 n(n+1)/2)"

f0=$(value loss: "F(W = 0)")
fy=$(od -An -v -tf8 -w88 "$tmp/d.bin" | awk '{ s += $9 * $9 + $10 * $10 + $11 * $11; n++ }
    END { printf "%.12g", s / (2 * n) }')
near "$f0" "$fy" "$(awk -v f="$fy" 'BEGIN { print 1e-9 * f }')" "F(0) vs 1/(2m) sum ||y||^2 from od"
fstar=$(value loss: "F\* = r0/2")
near "$fstar" 0.015 0.003 "F* near the noise level 3 * 0.1^2 / 2"
gap=$(value train: "F - F\*")
near "$gap" 0 1e-9 "trained depth-2 network at F*"

"$bin" --write "$tmp/d2.bin" 40000 8 3 6 > /dev/null || fail "--write 40000"
mem2=$(run "$tmp/d2.bin" | grep '^memory:') || fail "exit status on 40000 samples"
[ "$mem2" = "$(printf '%s\n' "$out" | grep '^memory:')" ] || fail "memory grows with the data: $mem2"

head -c 100 "$tmp/d.bin" > "$tmp/bad.bin"
if "$bin" "$tmp/bad.bin" 8 3 > /dev/null 2>&1; then fail "a partial sample must be rejected"; fi
echo "examples-check: stream_summary verified (progress, checkpoint, F(0), F*, constant memory)"
