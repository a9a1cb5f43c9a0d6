/* bottleneck.c - gradient and HVP of bottleneck nets: the factored path
 * (src/loss_factored.c) against the full-width path, against a d x d x d
 * DGEMM and against a d x r x d DGEMM (rank-r update), all in one run.
 *
 * Problems: data form, m = 2 d_0 samples, lam = 0, float64, widths
 * 512-16-512, 512-32-32-512, 1024-64-64-1024 (and the output side
 * 1024-64-64-512). Both paths run on copies of one loss, forced through the
 * internal dlni_factored_set_path (the library picks the factored one by
 * itself at these shapes: "auto" below). Gradients and HVPs are taken at new
 * weights every call (two weight sets alternate), as in bench/grad_hvp.c.
 *
 * Flops per call (derivatives.md §4a), with d = d_0 = d_L, r the bottleneck:
 *   full gradient: the two products with R, d^3 (TRMMs), plus the chains;
 *   factored gradient: two r x d x d TRMMs (r d^2) and three d x r x d
 *   GEMMs (6 r d^2), plus the chains (r-thin).
 * Reported: medians of interleaved samples, the per-sample ratio full /
 * factored, and each time in units of the two DGEMMs.
 *
 * Usage: bottleneck [--reps N] */
#define _POSIX_C_SOURCE 200809L
#include "internal.h" /* dlni_factored_set_path: the full path for comparison */
#include "timing.h"

#include <math.h>

typedef struct problem {
    size_t L, d[5], r, dmax, n;
    dln_loss *loss[2]; /* 0: full path, 1: factored */
    dln_net *net[2];   /* two weight sets: alternating defeats the chain cache */
    double *v, *hv, *g;
    double *A, *B, *C; /* DGEMM operands */
    int on_auto;
} problem;

typedef struct task_ctx {
    problem *p;
    int path, hvp, flip; /* flip: per task, so that each call sees new weights */
} task_ctx;

static void run_dgemm(void *ctx) /* dmax x dmax x dmax */
{
    problem *p = ((task_ctx *)ctx)->p;
    bench_dgemm(p->dmax, p->A, p->B, p->C);
}

static void run_dgemm_r(void *ctx) /* dmax x r x dmax: the rank-r update of the factored path */
{
    problem *p = ((task_ctx *)ctx)->p;
    int n = (int)p->dmax, r = (int)p->r;
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, n, r, 1.0, p->A, n, p->B, r, 0.0,
                p->C, n);
}

static void run_loss(void *ctx)
{
    task_ctx *t = ctx;
    problem *p = t->p;
    t->flip ^= 1;
    if (t->hvp)
        bench_ok(dln_loss_hvp(p->loss[t->path], p->net[t->flip], p->v, p->hv), "dln_loss_hvp");
    else
        bench_ok(dln_loss_grad(p->loss[t->path], p->net[t->flip], NULL, p->g), "dln_loss_grad");
}

static void problem_init(problem *p, size_t L, const size_t *d)
{
    memset(p, 0, sizeof *p);
    p->L = L;
    memcpy(p->d, d, (L + 1) * sizeof *d);
    size_t d0 = d[0], dL = d[L], m = 2 * d0;
    p->r = d[1], p->dmax = d0 > dL ? d0 : dL;
    for (size_t l = 1; l < L; l++)
        if (d[l] < p->r) p->r = d[l];
    double *X = bench_alloc(d0 * m), *Y = bench_alloc(dL * m);
    bench_fill(1, d0 * m, X);
    bench_fill(2, dL * m, Y);
    bench_ok(dln_loss_create_data(&p->loss[0], d0, dL, m, X, d0, Y, dL), "dln_loss_create_data");
    free(X), free(Y);
    bench_ok(dln_loss_copy(&p->loss[1], p->loss[0]), "dln_loss_copy");
    for (int k = 0; k < 2; k++) {
        bench_ok(dln_net_create(&p->net[k], L, d), "dln_net_create");
        bench_ok(dln_net_init_gaussian(p->net[k], 1.0 / sqrt((double)p->dmax), 10 + (uint64_t)k),
                 "dln_net_init_gaussian");
    }
    p->n = dln_net_num_params(p->net[0]);
    p->v = bench_alloc(p->n), p->hv = bench_alloc(p->n), p->g = bench_alloc(p->n);
    bench_fill(3, p->n, p->v);
    bench_ok(dln_loss_grad(p->loss[1], p->net[0], NULL, p->g), "dln_loss_grad");
    p->on_auto = p->loss[1]->work.fac.on; /* the library's own choice */
    dlni_factored_set_path(p->loss[0], DLNI_PATH_FULL);
    dlni_factored_set_path(p->loss[1], DLNI_PATH_FACTORED);
    size_t dd = p->dmax * p->dmax;
    p->A = bench_alloc(dd), p->B = bench_alloc(dd), p->C = bench_alloc(dd);
    bench_fill(4, dd, p->A);
    bench_fill(5, dd, p->B);
}

/* max |a - b| / max |b| over n entries */
static double rel_diff(size_t n, const double *a, const double *b)
{
    double e = 0.0, s = 0.0;
    for (size_t i = 0; i < n; i++) {
        e = fmax(e, fabs(a[i] - b[i]));
        s = fmax(s, fabs(b[i]));
    }
    return s > 0 ? e / s : e;
}

/* Both paths give the same results to rounding (printed, never asserted here). */
static void agreement(problem *p, double *eg, double *eh)
{
    double *g2 = bench_alloc(p->n), *h2 = bench_alloc(p->n);
    bench_ok(dln_loss_grad(p->loss[0], p->net[0], NULL, p->g), "grad");
    bench_ok(dln_loss_grad(p->loss[1], p->net[0], NULL, g2), "grad");
    bench_ok(dln_loss_hvp(p->loss[0], p->net[0], p->v, p->hv), "hvp");
    bench_ok(dln_loss_hvp(p->loss[1], p->net[0], p->v, h2), "hvp");
    *eg = rel_diff(p->n, g2, p->g), *eh = rel_diff(p->n, h2, p->hv);
    free(g2), free(h2);
}

static void problem_free(problem *p)
{
    dln_loss_free(p->loss[0]), dln_loss_free(p->loss[1]);
    dln_net_free(p->net[0]), dln_net_free(p->net[1]);
    free(p->v), free(p->hv), free(p->g), free(p->A), free(p->B), free(p->C);
}

enum { T_DGEMM, T_DGEMM_R, T_GRAD_FULL, T_GRAD_FACT, T_HVP_FULL, T_HVP_FACT, NTASKS };

int main(int argc, char **argv)
{
    int reps = 11;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc)
            reps = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: bottleneck [--reps N]\n");
            return 2;
        }
    }
    if (reps < 1 || reps > BENCH_MAX_REPS) reps = 11;
    const size_t shapes[][6] = {{2, 512, 16, 512},
                                {3, 512, 32, 32, 512},
                                {3, 1024, 64, 64, 1024},
                                {3, 1024, 64, 64, 512}};
    printf("libdlnet %s: bottleneck nets, factored path vs full width, data form, m = 2 d_0\n",
           dln_version_string());
    printf("BLAS: %s (core %s), %d threads; medians of %d interleaved samples; load %.2f\n\n",
           openblas_get_config(), openblas_get_corename(), openblas_get_num_threads(), reps,
           bench_load());
    printf("%-16s %4s | %8s %8s | %9s %9s %6s | %9s %9s %6s | %7s %7s | %8s %8s\n", "widths",
           "auto", "DGEMM", "DGEMM_r", "grad_full", "grad_fact", "full/", "hvp_full", "hvp_fact",
           "full/", "grad", "hvp", "grad", "hvp");
    printf("%-16s %4s | %8s %8s | %9s %9s %6s | %9s %9s %6s | %7s %7s | %8s %8s\n", "", "", "us",
           "us", "us", "us", "fact", "us", "us", "fact", "/DGEMM", "/DGEMM", "/DGEMM_r",
           "/DGEMM_r");
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        problem p;
        problem_init(&p, shapes[s][0], shapes[s] + 1);
        bench_task k[NTASKS];
        task_ctx c[NTASKS];
        memset(k, 0, sizeof k), memset(c, 0, sizeof c);
        for (int i = 0; i < NTASKS; i++) {
            c[i].p = &p, c[i].path = i == T_GRAD_FACT || i == T_HVP_FACT;
            c[i].hvp = i == T_HVP_FULL || i == T_HVP_FACT;
            k[i].ctx = &c[i];
            k[i].run = i == T_DGEMM ? run_dgemm : i == T_DGEMM_R ? run_dgemm_r : run_loss;
        }
        bench_interleaved(k, NTASKS, reps, 0.02);
        double eg, eh;
        agreement(&p, &eg, &eh);
        char name[64];
        int len = 0;
        for (size_t l = 0; l <= p.L; l++)
            len += snprintf(name + len, sizeof name - (size_t)len, l ? "-%zu" : "%zu", p.d[l]);
        printf("%-16s %4s | %8.0f %8.0f | %9.0f %9.0f %6.2f | %9.0f %9.0f %6.2f | %7.2f %7.2f | "
               "%8.2f %8.2f\n",
               name, p.on_auto ? "fact" : "full", 1e6 * bench_median(&k[T_DGEMM], reps),
               1e6 * bench_median(&k[T_DGEMM_R], reps), 1e6 * bench_median(&k[T_GRAD_FULL], reps),
               1e6 * bench_median(&k[T_GRAD_FACT], reps),
               bench_median_ratio(&k[T_GRAD_FULL], &k[T_GRAD_FACT], reps),
               1e6 * bench_median(&k[T_HVP_FULL], reps), 1e6 * bench_median(&k[T_HVP_FACT], reps),
               bench_median_ratio(&k[T_HVP_FULL], &k[T_HVP_FACT], reps),
               bench_median_ratio(&k[T_GRAD_FACT], &k[T_DGEMM], reps),
               bench_median_ratio(&k[T_HVP_FACT], &k[T_DGEMM], reps),
               bench_median_ratio(&k[T_GRAD_FACT], &k[T_DGEMM_R], reps),
               bench_median_ratio(&k[T_HVP_FACT], &k[T_DGEMM_R], reps));
        printf("%-16s      paths agree: gradient %.1e, HVP %.1e (max abs difference / max abs)\n",
               "", eg, eh);
        fflush(stdout);
        problem_free(&p);
    }
    printf("\nfull/fact = median of per-sample ratios; /DGEMM = factored time in d^3 DGEMMs "
           "(d = max(d_0, d_L)); /DGEMM_r = in d x r x d DGEMMs (model: gradient about 4 of them "
           "plus the chains, HVP about 7)\n");
    return 0;
}
