/* spectrum.c - exact Hessian trace, Hutchinson estimate and SLQ density
 * against DGEMM and the gradient, measured in the same run
 * (docs/spectrum.md §5; bench/peers_spectrum.py puts PyTorch next to it).
 *
 * Problem: data form, all widths d, m = 8d samples, lam = 0, float64, the
 * very problem of bench/grad_hvp (same data and weights), default d = 256,
 * L = 4. Timed: one d^3 DGEMM, the gradient, dln_loss_hessian_trace (exact),
 * dln_loss_hessian_trace_estimate with 100 probes (what PyHessian does) and
 * dln_loss_hessian_density with 1 probe x 100 steps (PyHessian's defaults).
 * Printed: medians of interleaved samples, ratios per sample, the exact
 * trace and the estimate's error in units of its standard error.
 *
 * Usage: spectrum [--size d L] [--reps N] [--probes P] [--steps S] */
#define _POSIX_C_SOURCE 200809L
#include "timing.h"

#include <cblas.h>
#include <math.h>

typedef struct problem {
    size_t d, L, m, n, probes, steps;
    dln_loss *loss;
    dln_net *nets[2], *net; /* alternating nets defeat the loss's chain cache */
    double *A, *B, *C, *g, *nodes, *weights;
    double trace, est, se;
} problem;

static void run_dgemm(void *ctx)
{
    problem *p = ctx;
    bench_dgemm(p->d, p->A, p->B, p->C);
}

/* Every library call is timed at other weights than the last (chains rebuilt). */
static void fresh(problem *p) { p->net = p->nets[p->net == p->nets[0]]; }

static void run_grad(void *ctx)
{
    problem *p = ctx;
    fresh(p);
    bench_ok(dln_loss_grad(p->loss, p->net, NULL, p->g), "dln_loss_grad");
}

static void run_trace(void *ctx)
{
    problem *p = ctx;
    fresh(p);
    bench_ok(dln_loss_hessian_trace(p->loss, p->net, &p->trace, NULL, NULL),
             "dln_loss_hessian_trace");
}

static void run_hutchinson(void *ctx)
{
    problem *p = ctx;
    fresh(p);
    bench_ok(dln_loss_hessian_trace_estimate(p->loss, p->net, p->probes, 7, &p->est, &p->se),
             "dln_loss_hessian_trace_estimate");
}

static void run_slq(void *ctx)
{
    problem *p = ctx;
    fresh(p);
    bench_ok(dln_loss_hessian_density(p->loss, p->net, 1, p->steps, 7, p->nodes, p->weights, 0, 0,
                                      NULL, NULL),
             "dln_loss_hessian_density");
}

int main(int argc, char **argv)
{
    problem p;
    memset(&p, 0, sizeof p);
    p.d = 256, p.L = 4, p.probes = 100, p.steps = 100;
    int reps = 3;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--size") && i + 2 < argc)
            p.d = (size_t)atol(argv[i + 1]), p.L = (size_t)atol(argv[i + 2]), i += 2;
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--probes") && i + 1 < argc)
            p.probes = (size_t)atol(argv[++i]);
        else if (!strcmp(argv[i], "--steps") && i + 1 < argc)
            p.steps = (size_t)atol(argv[++i]);
        else {
            fprintf(stderr, "usage: spectrum [--size d L] [--reps N] [--probes P] [--steps S]\n");
            return 2;
        }
    }
    if (reps < 1 || reps > BENCH_MAX_REPS || p.d < 1 || p.L < 1 || p.L > 15 || p.probes < 2) {
        fprintf(stderr, "spectrum: bad arguments\n");
        return 2;
    }
    size_t d = p.d, widths[16];
    p.m = 8 * d;
    for (size_t l = 0; l <= p.L; l++) widths[l] = d;
    double *X = bench_alloc(d * p.m), *Y = bench_alloc(d * p.m);
    bench_fill(1, d * p.m, X), bench_fill(2, d * p.m, Y); /* as bench/grad_hvp */
    bench_ok(dln_loss_create_data(&p.loss, d, d, p.m, X, d, Y, d), "dln_loss_create_data");
    free(X), free(Y);
    for (int i = 0; i < 2; i++) { /* seeds 10 and 11, as bench/grad_hvp */
        bench_ok(dln_net_create(&p.nets[i], p.L, widths), "dln_net_create");
        bench_ok(dln_net_init_gaussian(p.nets[i], 1.0 / sqrt((double)d), 10 + (uint64_t)i),
                 "dln_net_init_gaussian");
    }
    p.net = p.nets[1]; /* the first fresh() selects nets[0] */
    p.n = dln_net_num_params(p.net);
    p.g = bench_alloc(p.n), p.A = bench_alloc(d * d), p.B = bench_alloc(d * d);
    p.C = bench_alloc(d * d), p.nodes = bench_alloc(p.steps), p.weights = bench_alloc(p.steps);
    bench_fill(4, d * d, p.A), bench_fill(5, d * d, p.B);

    bench_task k[5];
    memset(k, 0, sizeof k);
    k[0].run = run_dgemm, k[1].run = run_grad, k[2].run = run_trace;
    k[3].run = run_hutchinson, k[4].run = run_slq;
    for (int i = 0; i < 5; i++) k[i].ctx = &p;
    bench_interleaved(k, 5, reps, 0.05);

    printf("libdlnet %s: Hessian trace and density, data form, widths d = %zu, L = %zu, m = %zu, "
           "n = %zu, float64\n",
           dln_version_string(), d, p.L, p.m, p.n);
    printf("BLAS: %s (core %s), %d threads; medians of %d interleaved samples; load %.2f\n",
           openblas_get_config(), openblas_get_corename(), openblas_get_num_threads(), reps,
           bench_load());
    const char *names[5] = {"DGEMM d^3", "gradient", "exact trace", "Hutchinson", "SLQ"};
    char hutch[64], slq[64];
    snprintf(hutch, sizeof hutch, "Hutchinson, %zu probes", p.probes);
    snprintf(slq, sizeof slq, "SLQ, 1 probe x %zu steps", p.steps);
    names[3] = hutch, names[4] = slq;
    printf("%-26s %12s %12s %12s\n", "task", "median s", "/ gradient", "/ exact trace");
    for (int i = 0; i < 5; i++)
        printf("%-26s %12.3e %12.2f %12.1f\n", names[i], bench_median(&k[i], reps),
               bench_median_ratio(&k[i], &k[1], reps), bench_median_ratio(&k[i], &k[2], reps));
    /* the values at nets[0], the net that grad_hvp --dump writes (run_* switch first) */
    p.net = p.nets[1], run_trace(&p);
    p.net = p.nets[1], run_hutchinson(&p);
    printf("exact trace %.17g\n", p.trace);
    printf("Hutchinson  %.17g +- %.3g (error %.3g = %.2f standard errors, relative %.2e)\n", p.est,
           p.se, p.est - p.trace, (p.est - p.trace) / p.se, fabs(p.est - p.trace) / fabs(p.trace));
    dln_loss_free(p.loss), dln_net_free(p.nets[0]), dln_net_free(p.nets[1]);
    free(p.g), free(p.A), free(p.B), free(p.C), free(p.nodes), free(p.weights);
    return 0;
}
