/* errors.c - bad input to dln_mpi_allreduce_summary() on some ranks: every
 * rank gets the same status, *out stays untouched, nothing hangs; then a
 * good call gives every rank the same bits as a one-process merge of the
 * ranks' summaries in rank order (run with 2 or more ranks). Prints "ok". */
#include <dlnet_mpi.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int bad;
static void expect(int cond, const char *what, int rank)
{
    if (!cond) fprintf(stderr, "rank %d: %s\n", rank, what), bad = 1;
}

static dln_loss *rank_loss(int r, size_t d0)
{
    double X[3 * 8], Y[2 * 8];
    for (int t = 0; t < 3 * 8; t++) X[t] = (double)((t * 7 + r * 13) % 11) - 5.0;
    for (int t = 0; t < 2 * 8; t++) Y[t] = (double)((t * 5 + r * 3) % 7) - 3.0;
    dln_loss *l = NULL;
    if (dln_loss_create_data(&l, d0, 2, 8 - (size_t)r % 3, X, d0, Y, 2)) abort();
    return l;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, nranks;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
    dln_loss *good = rank_loss(rank, 3), *other = rank_loss(rank, 2), *target = NULL;
    double phi[6] = {1, 2, 3, 4, 5, 6};
    dln_loss_create_target(&target, 2, 3, phi, 2);
    dln_loss *sentinel = (dln_loss *)&sentinel, *out = sentinel;
    dln_status st;
    st = dln_mpi_allreduce_summary(rank == 1 ? other : good, MPI_COMM_WORLD, &out);
    expect(st == DLN_E_DIM && out == sentinel, "d_0 differs on rank 1: DLN_E_DIM everywhere", rank);
    st = dln_mpi_allreduce_summary(rank == nranks - 1 ? NULL : good, MPI_COMM_WORLD, &out);
    expect(st == DLN_E_NULL && out == sentinel, "NULL on the last rank: DLN_E_NULL everywhere", rank);
    st = dln_mpi_allreduce_summary(good, MPI_COMM_WORLD, rank == 0 ? NULL : &out);
    expect(st == DLN_E_NULL && out == sentinel, "NULL out on rank 0: DLN_E_NULL everywhere", rank);
    st = dln_mpi_allreduce_summary(rank == 0 ? target : good, MPI_COMM_WORLD, &out);
    expect(st == DLN_E_UNSUPPORTED && out == sentinel, "a target loss: DLN_E_UNSUPPORTED", rank);

    /* the good call: rank 0 rebuilds the rank-order binomial tree by itself */
    dln_loss_set_mean(good, rank % 2); /* each result takes its own rank's weighting */
    st = dln_mpi_allreduce_summary(good, MPI_COMM_WORLD, &out);
    expect(st == DLN_OK && out != sentinel, "good call", rank);
    if (st == DLN_OK) {
        expect(dln_loss_get_mean(out) == rank % 2, "weighting of the local loss", rank);
        dln_loss_set_mean(out, 0);
        size_t size = dln_loss_encoded_size(out);
        unsigned char *mine = malloc(size), *all = malloc(size * (size_t)nranks);
        dln_loss_encode(out, mine, size);
        MPI_Gather(mine, (int)size, MPI_BYTE, all, (int)size, MPI_BYTE, 0, MPI_COMM_WORLD);
        if (rank == 0) {
            dln_loss *part[64];
            for (int r = 0; r < nranks; r++) part[r] = rank_loss(r, 3);
            for (int step = 1; step < nranks; step *= 2)
                for (int r = 0; r + step < nranks; r += 2 * step) dln_loss_merge(part[r], part[r + step]);
            unsigned char *ref = malloc(size);
            dln_loss_encode(part[0], ref, size);
            for (int r = 0; r < nranks; r++) {
                expect(memcmp(all + (size_t)r * size, ref, size) == 0, "bits of the tree merge", r);
                dln_loss_free(part[r]);
            }
            free(ref);
        }
        free(mine), free(all);
        dln_loss_free(out);
    }
    dln_loss_free(good), dln_loss_free(other), dln_loss_free(target);
    int any = 0;
    MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (rank == 0 && !any) printf("ok\n");
    MPI_Finalize();
    return any;
}
