/* dlnet_mpi.c - the summary allreduce of libdlnet_mpi (docs/distributed.md).
 *
 * Only the public API of dlnet.h is used: each rank encodes its summary
 * (dln_loss_encode), the encodings travel up a binomial tree in rank order
 * and are merged (dln_loss_decode + dln_loss_merge) in a fixed order, and
 * rank 0 broadcasts the encoding of the result. Every message is preceded
 * by the sender's status, so a failure on any rank reaches rank 0 and from
 * there every rank, and no rank waits for a message that will not come. */
#include "dlnet_mpi.h"

#include <limits.h>
#include <stdlib.h>

#define TAG 0x444c /* "DL" */

#if defined(__GNUC__)
#define EXPORT __attribute__((visibility("default")))
#else
#define EXPORT
#endif

static dln_status worst(dln_status a, dln_status b) { return a > b ? a : b; }

/* Statuses agreed over comm (the largest code); the dimensions must agree too. */
static dln_status agree(dln_status st, size_t d0, size_t dL, MPI_Comm comm)
{
    long long mine[5] = {st, (long long)d0, (long long)dL, -(long long)d0, -(long long)dL}, all[5];
    if (MPI_Allreduce(mine, all, 5, MPI_LONG_LONG, MPI_MAX, comm) != MPI_SUCCESS) return DLN_E_IO;
    if (all[0] != DLN_OK) return (dln_status)all[0];
    return all[1] == -all[3] && all[2] == -all[4] ? DLN_OK : DLN_E_DIM;
}

/* acc := acc + the summary encoded in buf (acc's samples first). */
static dln_status merge_encoded(dln_loss *acc, const void *buf, size_t size)
{
    dln_loss *part = NULL;
    dln_status st = dln_loss_decode(&part, buf, size, NULL, 0);
    if (st == DLN_OK) st = dln_loss_merge(acc, part);
    dln_loss_free(part);
    return st;
}

/* Up the tree: rank r receives from r + step while r % (2 step) == 0, else
 * sends its status (and, if OK, its encoding) to r - step and is done. */
static dln_status reduce_to_root(dln_loss *acc, dln_status st, void *buf, size_t size, int rank,
                                 int nranks, MPI_Comm comm)
{
    for (int step = 1; step < nranks; step *= 2) {
        if (rank % (2 * step) == 0) {
            int from = rank + step, child;
            if (from >= nranks) continue;
            if (MPI_Recv(&child, 1, MPI_INT, from, TAG, comm, MPI_STATUS_IGNORE) != MPI_SUCCESS)
                return DLN_E_IO; /* with the default handler MPI aborts before this */
            if (child == DLN_OK &&
                MPI_Recv(buf, (int)size, MPI_BYTE, from, TAG, comm, MPI_STATUS_IGNORE) != MPI_SUCCESS)
                child = DLN_E_IO;
            if (st == DLN_OK && child == DLN_OK) st = merge_encoded(acc, buf, size);
            st = worst(st, (dln_status)child);
        } else {
            if (st == DLN_OK) st = dln_loss_encode(acc, buf, size);
            int mine = st;
            if (MPI_Send(&mine, 1, MPI_INT, rank - step, TAG, comm) != MPI_SUCCESS ||
                (mine == DLN_OK &&
                 MPI_Send(buf, (int)size, MPI_BYTE, rank - step, TAG, comm) != MPI_SUCCESS))
                st = DLN_E_IO;
            break;
        }
    }
    return st;
}

EXPORT dln_status dln_mpi_allreduce_summary(const dln_loss *local, MPI_Comm comm, dln_loss **out)
{
    dln_status st = !local || !out ? DLN_E_NULL
                    : dln_loss_get_kind(local) != DLN_LOSS_DATA ? DLN_E_UNSUPPORTED
                                                                : DLN_OK;
    size_t size = dln_loss_encoded_size(local);
    if (st == DLN_OK && (size == 0 || size > INT_MAX)) st = DLN_E_OVERFLOW;
    st = agree(st, dln_loss_input_dim(local), dln_loss_output_dim(local), comm);
    if (st != DLN_OK) return st; /* the same on every rank */
    int rank, nranks;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &nranks);
    void *buf = malloc(size);
    dln_loss *acc = NULL, *result = NULL;
    st = buf ? dln_loss_encode(local, buf, size) : DLN_E_NOMEM;
    if (st == DLN_OK) st = dln_loss_decode(&acc, buf, size, NULL, 0);
    st = reduce_to_root(acc, st, buf, size, rank, nranks, comm);
    if (rank == 0 && st == DLN_OK) st = dln_loss_encode(acc, buf, size);
    int root = st;
    if (MPI_Bcast(&root, 1, MPI_INT, 0, comm) != MPI_SUCCESS) root = DLN_E_IO;
    st = (dln_status)root;
    if (st == DLN_OK && MPI_Bcast(buf, (int)size, MPI_BYTE, 0, comm) != MPI_SUCCESS) st = DLN_E_IO;
    if (st == DLN_OK) st = dln_loss_decode(&result, buf, size, NULL, 0);
    if (st == DLN_OK && dln_loss_get_mean(result) != dln_loss_get_mean(local))
        st = dln_loss_set_mean(result, dln_loss_get_mean(local));
    st = agree(st, 0, 0, comm); /* a local failure after the broadcast fails everywhere */
    if (st == DLN_OK) *out = result;
    else dln_loss_free(result);
    dln_loss_free(acc);
    free(buf);
    return st;
}
