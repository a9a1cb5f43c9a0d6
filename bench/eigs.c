/* eigs.c - dln_loss_hessian_eigs: HVP counts and time of the iterative path
 * (block Lanczos) against the dense path (n HVPs + LAPACK dsyevr), at two
 * kinds of points:
 *   random  data loss, Gaussian weights of scale 1/sqrt(d): indefinite H
 *   minimum target loss at a balanced factorization of Phi: PSD H with a
 *           null space of dimension >= sum of hidden d_l^2
 * Times are the best of a few runs (seconds, wall clock). The dense path is
 * run up to n = 2500; beyond, its time is extrapolated as n^3 from the
 * largest measured size and marked "~".
 *
 * Second table (alone with --overhead): the share of an eigensolve's time
 * spent outside its HVPs at d = 128-256, L = 4-8. The solve and a loop of
 * as many HVPs in batches of the solver's block width, at the same weights
 * (both use the loss's cached chains), are timed interleaved in one run;
 * "vs loop" = 1 - t_hvps / t_solve (median of the per-sample ratios). The
 * HVPs inside a solve run slower than such a loop (the basis evicts the
 * cached chains), so "outside" times every HVP call of the solve itself:
 * 1 - (time in those calls) / (solve time). Values only and with vectors.
 * Prints measurements, never judges. */
#define _POSIX_C_SOURCE 199309L
#include "internal.h"
#include "timing.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

char *openblas_get_corename(void);

static double now(void) { return bench_now(); }

typedef struct problem {
    dln_net *net;
    dln_loss *loss;
} problem;

/* Depth L, square widths w; kind 0 = random point, 1 = global minimum. */
static problem make(size_t L, size_t w, int kind)
{
    size_t d[16], m = 2 * w;
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

typedef struct solve_task {
    problem p;
    dln_eig_which which;
    size_t k, n, hvps;
    int vectors;           /* eigenvectors wanted (full-accuracy path) */
    double *ev, *X, *V, *HV;
    double t_in;           /* seconds inside the HVP calls of the solves since reset */
    dln_eig_report rep;
} solve_task;

/* The solver's operator: one batched HVP, timed call by call, so that the
 * HVPs inside the solve (which run on a basis that evicts the cached
 * chains) are measured where they run. */
static dln_status timed_hvp(void *ctx, size_t k, const double *X, size_t ldx, double *Y,
                            size_t ldy)
{
    solve_task *s = ctx;
    double t0 = now();
    dln_status st = dln_loss_hvp_batch(s->p.loss, s->p.net, k, X, ldx, Y, ldy);
    s->t_in += now() - t0;
    return st;
}

static void run_solve(void *ctx)
{
    solve_task *s = ctx;
    dlni_eig_tuning t = {DLNI_EIG_ITERATIVE, 0, 0};
    dlni_op op = {s->n, timed_hvp, s};
    memset(&s->rep, 0, sizeof s->rep);
    if (dlni_op_eigs(s->p.loss, &op, s->which, s->k, 0, 0, 11, &t, s->ev,
                     s->vectors ? s->X : NULL, s->n, &s->rep) != DLN_OK)
        abort();
}

/* As many HVPs as the solve made, k directions per batched call. */
static void run_hvps(void *ctx)
{
    solve_task *s = ctx;
    for (size_t done = 0; done < s->hvps; done += s->k)
        if (dln_loss_hvp_batch(s->p.loss, s->p.net, s->k, s->V, s->n, s->HV, s->n) != DLN_OK)
            abort();
}

static void overhead_row(size_t L, size_t w, dln_eig_which which, size_t k, int vectors)
{
    solve_task s = {make(L, w, 0), which, k, 0, 0, vectors, NULL, NULL, NULL, NULL, 0.0, {0}};
    s.n = dln_net_num_params(s.p.net);
    s.ev = malloc(k * sizeof *s.ev), s.V = malloc(s.n * k * sizeof *s.V);
    s.HV = malloc(s.n * k * sizeof *s.HV), s.X = malloc(s.n * k * sizeof *s.X);
    bench_fill(5, s.n * k, s.V);
    run_solve(&s);
    s.hvps = s.rep.hvps;
    enum { REPS = 5 };
    bench_task t[2] = {{run_solve, NULL, &s, 0, {0}}, {run_hvps, NULL, &s, 0, {0}}};
    bench_interleaved(t, 2, REPS, 0.3);
    /* the solve's own HVP time: one more set of solves, timed as a whole */
    long solves = t[0].iters;
    s.t_in = 0.0;
    double t0 = now();
    for (long i = 0; i < solves; i++) run_solve(&s);
    double in_share = s.t_in / (now() - t0);
    double ts = bench_median(&t[0], REPS), th = bench_median(&t[1], REPS);
    printf("%4zu %2zu %7zu  %-8s %2zu %4s  %5zu %3zu %9.2e  %8.4f  %8.4f  %6.1f%%  %6.1f%%\n", w,
           L, s.n, which ? "largest" : "smallest", k, vectors ? "yes" : "no", s.rep.hvps,
           s.rep.iterations, s.rep.max_residual, ts, th, 100.0 * (1.0 - in_share),
           100.0 * (1.0 - 1.0 / bench_median_ratio(&t[0], &t[1], REPS)));
    free(s.ev), free(s.V), free(s.HV), free(s.X);
    drop(&s.p);
}

static void overhead_table(void)
{
    printf("\neigensolve time outside the HVPs (random point, tol 1e-10, kernel %s, load %.2f)\n",
           openblas_get_corename(), bench_load());
    printf("outside = 1 - (time in the solve's own HVP calls) / (solve time); "
           "vs loop = 1 - (a loop of as many HVPs) / (solve time)\n");
    printf("%4s %2s %7s  %-8s %2s %4s  %5s %3s %9s  %8s  %8s  %7s  %7s\n", "d", "L", "n", "which",
           "k", "vecs", "hvps", "it", "residual", "solve s", "loop s", "outside", "vs loop");
    static const size_t shapes[][2] = {{4, 128}, {8, 128}, {4, 256}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (int vectors = 0; vectors < 2; vectors++) {
            overhead_row(shapes[s][0], shapes[s][1], DLN_EIG_LARGEST, 1, vectors);
            overhead_row(shapes[s][0], shapes[s][1], DLN_EIG_SMALLEST, 1, vectors);
            overhead_row(shapes[s][0], shapes[s][1], DLN_EIG_LARGEST, 4, vectors);
        }
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--overhead") == 0) {
        overhead_table();
        return 0;
    }
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
    overhead_table();
    return 0;
}
