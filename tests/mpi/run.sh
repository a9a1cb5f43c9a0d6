#!/bin/sh
# run.sh DISTRIBUTED ERRORS LIB - the exports of libdlnet_mpi (LIB: only
# dln_mpi_*), tests/mpi/errors.c (bad input on some ranks, and the bits of
# the tree) on 2, 3 and 4 ranks; then mpi/distributed on 1, 2 and 4 ranks against
# one process that summarizes all samples itself (--serial). Checked: every
# rank holds the same bits after dln_mpi_allreduce_summary(); the same rank
# count gives the same output twice (the reduction tree is fixed); r0 and
# F(W) at a seeded net agree with the one-process run to 1e-13 relative for
# every rank count; rank 0 trains to the global minimum and the error bound
# ratio dist/|grad F| stays below kappa. Root needs --allow-run-as-root; 4
# ranks on 2 cores need --oversubscribe. MPIRUN overrides the launcher.
set -eu
bin=$1 errors=$2 lib=$3
mpirun=${MPIRUN:-mpirun}
n=20000
flags="--oversubscribe"
[ "$(id -u)" = 0 ] && flags="$flags --allow-run-as-root"
fail() { printf '%s\n' "$out" >&2; echo "mpi-check: $*" >&2; exit 1; }
run() { OMPI_MCA_rmaps_base_oversubscribe=1 $mpirun $flags -n "$@"; }
field() { # field KEY: the number after "KEY = " on the summary line
    printf '%s\n' "$out" | grep '^summary:' | sed -n "s/.*$1 = \([-+0-9.e]*\).*/\1/p"
}

out=$(nm -D --defined-only "$lib" | awk '{ print $NF }' | sed 's/@.*//' | grep -v '^dln_mpi_' || true)
[ -z "$out" ] || fail "libdlnet_mpi exports more than dln_mpi_*"
for np in 2 3 4; do
    out=$(run $np "$errors") || fail "errors on $np ranks"
    [ "$out" = ok ] || fail "errors on $np ranks"
done
out=$(run 1 "$bin" --serial $n) || fail "serial run"
ref_r0=$(field r0) ref_f=$(field "F(W)")
[ -n "$ref_r0" ] && [ -n "$ref_f" ] || fail "no summary line in the serial run"
for np in 1 2 4; do
    out=$(run $np "$bin" $n) || fail "$np ranks: exit status"
    [ "$out" = "$(run $np "$bin" $n)" ] || fail "$np ranks: two runs differ (the tree must be fixed)"
    printf '%s\n' "$out" | grep -q "^data: $n samples on $np rank" || fail "$np ranks: data line"
    printf '%s\n' "$out" | grep -q "^summary: m = $n," || fail "$np ranks: sample count"
    printf '%s\n' "$out" | grep -q '^ranks agree bit for bit: yes$' || fail "$np ranks: ranks differ"
    printf '%s\n' "$out" | grep -q '^class: global minimum' || fail "$np ranks: not the global minimum"
    awk -v a="$(field r0)" -v b="$ref_r0" -v c="$(field "F(W)")" -v d="$ref_f" \
        'BEGIN { e1 = (a - b) / b; e2 = (c - d) / d; if (e1 < 0) e1 = -e1; if (e2 < 0) e2 = -e2
                 exit !(e1 <= 1e-13 && e2 <= 1e-13) }' ||
        fail "$np ranks: r0 or F(W) differ from one process by more than 1e-13"
    printf '%s\n' "$out" | awk '/^error bound:/ { r = $9 + 0; k = $13 + 0; ok = r > 0 && r <= k } END { exit !ok }' ||
        fail "$np ranks: dist/|grad F| above kappa"
    echo "mpi-check: $np rank(s) agree with one process (r0 $(field r0), F(W) $(field "F(W)"))"
done
