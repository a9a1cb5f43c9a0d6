/* eigs.c - dln_loss_hessian_eigs: HVP counts and time of the iterative path
 * (block Lanczos) against the dense path (n HVPs + LAPACK dsyevr), at two
 * kinds of points:
 *   random  data loss, Gaussian weights of scale 1/sqrt(d): indefinite H
 *   minimum target loss at a balanced factorization of Phi: PSD H with a
 *           null space of dimension >= sum of hidden d_l^2
 * Times are the best of a few runs (seconds, wall clock). The dense path is
 * run up to n = 2500; beyond, its time is extrapolated as n^3 from the
 * largest measured size and marked "~". Prints measurements, never judges. */
#define _POSIX_C_SOURCE 199309L
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

typedef struct problem {
    dln_net *net;
    dln_loss *loss;
} problem;

/* Depth L, square widths w; kind 0 = random point, 1 = global minimum. */
static problem make(size_t L, size_t w, int kind)
{
    size_t d[8], m = 2 * w;
    for (size_t l = 0; l <= L; l++) d[l] = w;
    problem p = {NULL, NULL};
    double *X = malloc(w * m * sizeof *X), *Y = malloc(w * m * sizeof *Y);
    dlni_rng r;
    dlni_rng_seed(&r, 7);
    dlni_rng_fill_normal(&r, w * m, 1.0, X);
    dlni_rng_fill_normal(&r, w * m, 1.0, Y);
    if (dln_net_create(&p.net, L, d) != DLN_OK) abort();
    dln_status st;
    if (kind == 0) {
        st = dln_loss_create_data(&p.loss, w, w, m, X, w, Y, w);
        if (st == DLN_OK) st = dln_net_init_gaussian(p.net, 1.0 / sqrt((double)w), 3);
    } else {
        st = dln_loss_create_target(&p.loss, w, w, Y, w); /* Phi = first w columns of Y */
        if (st == DLN_OK) st = dln_net_init_balanced(p.net, Y, w, DLN_FRAMES_RANDOM, 3);
    }
    if (st != DLN_OK) abort();
    free(X), free(Y);
    return p;
}

static void drop(problem *p)
{
    dln_loss_free(p->loss);
    dln_net_free(p->net);
}

/* Best time of `reps` runs; the report of the last one. */
static double timed(problem *p, dlni_eig_path path, dln_eig_which which, size_t k, int reps,
                    double *ev, double *X, dln_eig_report *rep)
{
    dlni_eig_tuning t = {path, 0, 0};
    size_t n = dln_net_num_params(p->net);
    double best = INFINITY;
    for (int i = 0; i < reps; i++) {
        rep->struct_size = sizeof *rep;
        double t0 = now();
        dln_status st = dlni_hessian_eigs(p->loss, p->net, which, k, 0, 0, 11, &t, ev, X, n, rep);
        double t1 = now() - t0;
        if (st != DLN_OK) printf("   (status %d: %s)\n", (int)st, dln_strerror(st));
        best = t1 < best ? t1 : best;
    }
    return best;
}

static void row(size_t L, size_t w, int kind, double *dense_ref)
{
    problem p = make(L, w, kind);
    size_t n = dln_net_num_params(p.net);
    double *X = malloc(n * 4 * sizeof *X), ev[4];
    int reps = n > 50000 ? 1 : 3;
    dln_eig_report rep;
    double td = -1.0;
    if (n <= 2500) {
        td = timed(&p, DLNI_EIG_DENSE, DLN_EIG_SMALLEST, 1, reps, ev, X, &rep);
        *dense_ref = td / pow((double)n, 3.0);
    }
    for (int which = 0; which < 2; which++)
        for (size_t k = 1; k <= 4; k += 3) {
            double ti = timed(&p, DLNI_EIG_ITERATIVE, (dln_eig_which)which, k, reps, ev, X, &rep);
            double tdx = td >= 0 ? td : *dense_ref * pow((double)n, 3.0);
            printf("%7zu  %d  %-7s %-8s %2zu  %6zu %4zu  %9.2e  %8.4f  %s%8.3f  %7.1f\n", n, (int)L,
                   kind ? "minimum" : "random", which ? "largest" : "smallest", k, rep.hvps,
                   rep.iterations, rep.max_residual, ti, td >= 0 ? " " : "~", tdx, tdx / ti);
        }
    free(X);
    drop(&p);
}

int main(void)
{
    printf("dln_loss_hessian_eigs: iterative (block Lanczos, tol 1e-10) vs dense (n HVPs + "
           "dsyevr)\n");
    printf("%7s %2s  %-7s %-8s %2s  %6s %4s  %9s  %8s  %9s  %7s\n", "n", "L", "point", "which",
           "k", "hvps", "it", "residual", "iter s", "dense s", "ratio");
    static const size_t shapes[][2] = {{2, 5}, {3, 6}, {3, 9}, {3, 12}, {3, 18}, {3, 28},
                                       {4, 50}, {4, 158}};
    for (int kind = 0; kind < 2; kind++) {
        double dense_ref = 0.0;
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
            row(shapes[s][0], shapes[s][1], kind, &dense_ref);
    }
    return 0;
}
