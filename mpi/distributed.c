/* distributed.c - a data set sharded across MPI ranks (docs/distributed.md).
 *
 * N samples x_s in R^6, y_s = A x_s + 0.1 noise in R^3, each generated from
 * its global index s alone, so every rank count sees the same data set. Rank
 * r summarizes its shard s in [r N / P, (r + 1) N / P) (no rank ever holds
 * the others' samples), and one collective, dln_mpi_allreduce_summary(),
 * gives every rank the loss of all N samples. Every rank evaluates the loss
 * at the same seeded network and rank 0 checks that all got the same bits.
 * Then everything is local to rank 0, with no communication per iteration:
 * the whitened problem of the summary (inputs Z with X = R^T Z, docs of
 * examples/real_data.c), 1/2 ||W2 W1 - C||^2 + r0/2 + lam/2 sum ||W_l||^2 in
 * the mean form, is trained with L-BFGS, classified, and its distance to the
 * critical set is bounded by the error bound of the regularized theory.
 *
 * Usage: mpirun -n P distributed [N]        (default N = 100000)
 *        mpirun -n 1 distributed --serial [N]  one process, one loss from all N
 * Output lines are compared across rank counts by tests/mpi/run.sh. */
#include <dlnet_mpi.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { D0 = 6, DL = 3, HID = 4 };
#define LAMBDA 1e-2

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double normal(uint64_t *s)
{
    double u = ((double)(splitmix(s) >> 11) + 0.5) / 9007199254740992.0;
    double v = ((double)(splitmix(s) >> 11) + 0.5) / 9007199254740992.0;
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* Samples lo..hi-1 into X (D0 x n) and Y (DL x n), from their indices alone. */
static void samples(size_t lo, size_t hi, double *X, double *Y)
{
    double A[DL * D0];
    uint64_t sa = 42;
    for (size_t t = 0; t < DL * D0; t++) A[t] = normal(&sa);
    for (size_t s = lo; s < hi; s++) {
        uint64_t st = s * 0x2545F4914F6CDD1Dull + 7;
        double *x = X + (s - lo) * D0, *y = Y + (s - lo) * DL;
        for (size_t j = 0; j < D0; j++) x[j] = normal(&st);
        for (size_t i = 0; i < DL; i++) {
            y[i] = 0.1 * normal(&st);
            for (size_t j = 0; j < D0; j++) y[i] += A[i + j * DL] * x[j];
        }
    }
}

static int fail(const char *what, dln_status st)
{
    fprintf(stderr, "distributed: %s: %s\n", what, dln_strerror(st));
    return 1;
}

/* Rank 0's analysis of the reduced loss: whitened target, train, classify, bound. */
static int analyse(const dln_loss *loss)
{
    double R[D0 * D0], C[DL * D0], r0;
    const size_t w[3] = {D0, HID, DL};
    dln_loss *target = NULL;
    dln_net *net = NULL;
    dln_opt *opt = NULL;
    dln_landscape *ls = NULL;
    dln_opt_report rep = {.struct_size = sizeof rep};
    dln_class_report cls = {.struct_size = sizeof cls};
    dln_dist_report dist = {.struct_size = sizeof dist};
    dln_status st;
    if ((st = dln_loss_summary(loss, R, D0, C, DL, &r0)) ||
        (st = dln_loss_create_target(&target, DL, D0, C, DL)) ||
        (st = dln_loss_set_l2_uniform(target, LAMBDA)) ||
        (st = dln_net_create(&net, 2, w)) || (st = dln_net_init_gaussian(net, 0.3, 11)) ||
        (st = dln_opt_create(&opt, DLN_OPT_LBFGS)) || (st = dln_opt_set_max_iter(opt, 2000)) ||
        (st = dln_opt_set_grad_tol(opt, 1e-11)) || (st = dln_opt_run(opt, target, net, &rep)) ||
        (st = dln_landscape_create(&ls, target, 2, w)) ||
        (st = dln_landscape_classify(ls, net, DLN_METHOD_AUTO, &cls, NULL, NULL)) ||
        (st = dln_landscape_distance(ls, net, &dist, NULL, NULL)))
        return fail("analysis", st);
    printf("train: whitened 6 -> 4 -> 3, lam = %g, L-BFGS %s, F = %.12f (+ r0/2 = %.12f)\n", LAMBDA,
           dln_stop_name(rep.stop), rep.loss, r0 / 2);
    printf("class: %s, F - F* = %.1e\n", dln_class_name(cls.cls), cls.value - cls.global_value);
    printf("error bound: dist = %.3e, dist/|grad F| = %.4f <= kappa = %.4f (%s)\n", dist.dist,
           dist.ratio, dist.kappa, dist.error_bound ? "holds near all of Crit F" : "not global");
    dln_landscape_free(ls);
    dln_opt_free(opt);
    dln_net_free(net);
    dln_loss_free(target);
    return 0;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, nranks, serial = argc > 1 && strcmp(argv[1], "--serial") == 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
    size_t n = argc > 1 + serial ? strtoull(argv[1 + serial], NULL, 10) : 100000;
    if (serial) nranks = 1;
    size_t lo = n * (size_t)rank / (size_t)nranks, hi = n * (size_t)(rank + 1) / (size_t)nranks;
    double *X = malloc((hi - lo) * D0 * sizeof *X + 1), *Y = malloc((hi - lo) * DL * sizeof *Y + 1);
    dln_loss *local = NULL, *loss = NULL;
    samples(lo, hi, X, Y);
    dln_status st = dln_loss_create_data(&local, D0, DL, hi - lo, X, D0, Y, DL);
    if (st == DLN_OK) st = dln_loss_set_mean(local, 1);
    free(X), free(Y);
    if (serial)
        loss = local, local = NULL;
    else
        st = dln_mpi_allreduce_summary(local, MPI_COMM_WORLD, &loss);
    int rc = st != DLN_OK ? fail("summary", st) : 0;

    /* every rank: the loss at one seeded network; rank 0 compares the bits */
    const size_t w[3] = {D0, HID, DL};
    dln_net *net = NULL;
    double f = NAN, *all = rank == 0 ? malloc((size_t)nranks * sizeof *all) : NULL;
    if (!rc && (dln_net_create(&net, 2, w) || dln_net_init_gaussian(net, 0.5, 3) ||
                dln_loss_value(loss, net, &f)))
        rc = fail("value", DLN_E_NONFINITE);
    if (!serial) MPI_Gather(&f, 1, MPI_DOUBLE, all, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    if (rank == 0 && !rc) {
        int same = 1;
        for (int r = 1; r < nranks && !serial; r++) same &= memcmp(&all[r], &f, sizeof f) == 0;
        double r0;
        dln_loss_summary(loss, NULL, 0, NULL, 0, &r0);
        printf("data: %zu samples on %d %s, shard of rank 0: %zu samples\n", n, nranks,
               serial ? "process (serial)" : nranks == 1 ? "rank" : "ranks", hi - lo);
        printf("summary: m = %zu, r0 = %.17g, F(W) = %.17g (%a)\n", dln_loss_num_samples(loss), r0,
               f, f);
        printf("ranks agree bit for bit: %s\n", same ? "yes" : "NO");
        rc = !same || analyse(loss);
    }
    free(all);
    dln_net_free(net);
    dln_loss_free(local), dln_loss_free(loss);
    MPI_Finalize();
    return rc;
}
