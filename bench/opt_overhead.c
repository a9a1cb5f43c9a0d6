/* opt_overhead.c - per-iteration cost of dln_opt_step() beyond one gradient
 * evaluation.
 *
 * Baseline: the hand-written GD iteration dln_loss_grad() + theta -= eta g
 * (one gradient at a new point plus the unavoidable update). Measured: one
 * dln_opt_step() of each kind on the same problem, and one iteration of
 * dln_opt_run() for GD. Printed: the ratio to the baseline (GD's excess over
 * 1 is the optimizer's overhead: the update written into a second buffer
 * instead of in place, the per-call checks and the bookkeeping) for a small
 * net (d = 4, L = 3) and a large one (d = 256, L = 8).
 *
 * The machine may be shared, so baseline and measured blocks alternate, each
 * pair gives a ratio, and the median ratio over the pairs is printed (a
 * disturbance hits one pair, not the median). Baseline and optimizer run on
 * separate copies of the net and of the loss. For L-BFGS the extra work
 * per step is printed in gradients, (step - evals * gradient) / gradient,
 * next to the cost of one copy of n doubles (a read and a write pass): the
 * L-BFGS step is bound by such passes over its history. On the large net
 * the extra work is also printed for memories 1-10, beside the time of one
 * read of the 2m history vectors (a step makes two: S'g, Y'g, then the
 * direction). Nothing is asserted. */
#define _POSIX_C_SOURCE 200809L
#include "dlnet.h"
#include "internal.h"
#include "linalg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PAIRS 21

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *t, size_t m)
{
    qsort(t, m, sizeof *t, cmp);
    return t[m / 2];
}

typedef struct problem {
    dln_loss *loss[2]; /* 0: baseline, 1: optimizer */
    dln_net *net[2];
    double *theta0, *g, eta;
    size_t n, block;   /* iterations per timed block */
} problem;

static int setup(problem *p, size_t d, size_t L, size_t block)
{
    size_t *w = malloc((L + 1) * sizeof *w), m = 2 * d;
    for (size_t l = 0; l <= L; l++) w[l] = d;
    double *X = malloc(d * m * sizeof *X), *Y = malloc(d * m * sizeof *Y);
    uint64_t s = 12345;
    for (size_t i = 0; i < d * m; i++) { /* xorshift data in [-1, 1] */
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        X[i] = (double)(s >> 11) * 0x1.0p-52 - 1.0;
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        Y[i] = (double)(s >> 11) * 0x1.0p-52 - 1.0;
    }
    int ok = dln_loss_create_data(&p->loss[0], d, d, m, X, d, Y, d) == DLN_OK &&
             dln_loss_set_mean(p->loss[0], 1) == DLN_OK &&
             dln_loss_copy(&p->loss[1], p->loss[0]) == DLN_OK &&
             dln_net_create(&p->net[0], L, w) == DLN_OK &&
             dln_net_init_orthogonal(p->net[0], 1.0, 7) == DLN_OK &&
             dln_net_copy(&p->net[1], p->net[0]) == DLN_OK;
    free(w), free(X), free(Y);
    if (!ok) return 0;
    p->n = dln_net_num_params(p->net[0]);
    p->theta0 = malloc(p->n * sizeof *p->theta0);
    p->g = malloc(p->n * sizeof *p->g);
    p->eta = 1e-4, p->block = block;
    return p->theta0 && p->g && dln_net_get_params(p->net[0], p->theta0) == DLN_OK;
}

static void teardown(problem *p)
{
    free(p->theta0), free(p->g);
    for (int i = 0; i < 2; i++) dln_net_free(p->net[i]), dln_loss_free(p->loss[i]);
}

/* Seconds per hand-written GD iteration over one block (on copy c). */
static double block_hand(problem *p, int c)
{
    const double eta = p->eta, *g = p->g; /* locals: the update loop vectorizes */
    double f, t0 = now();
    for (size_t k = 0; k < p->block; k++) {
        dln_loss_grad(p->loss[c], p->net[c], &f, p->g);
        double *th = p->net[c]->theta; /* the weights, updated in place */
        for (size_t i = 0; i < p->n; i++) th[i] = th[i] - eta * g[i];
    }
    return (now() - t0) / (double)p->block;
}

static double block_baseline(problem *p) { return block_hand(p, 0); }

/* Seconds per bare gradient evaluation (no update): the two copies of the
 * net are evaluated in turn on one loss so that no chain is reused. */
static double block_grad(problem *p)
{
    double f, t0 = now();
    for (size_t k = 0; k < p->block; k++)
        dln_loss_grad(p->loss[0], p->net[k % 2], &f, p->g);
    return (now() - t0) / (double)p->block;
}

/* Seconds per copy of the n weights into the gradient buffer. */
static double block_copy(problem *p)
{
    double t0 = now();
    for (size_t k = 0; k < p->block; k++) memcpy(p->g, p->net[0]->theta, p->n * sizeof *p->g);
    return (now() - t0) / (double)p->block;
}

/* Seconds per dln_opt_step() over one block (the state continues). */
static double block_steps(problem *p, dln_opt *opt)
{
    double t0 = now();
    for (size_t k = 0; k < p->block; k++) dln_opt_step(opt, p->loss[1], p->net[1], NULL);
    return (now() - t0) / (double)p->block;
}

/* Seconds per iteration of a dln_opt_run() of RUN_ITERS iterations, its
 * starting evaluation excluded (measured by a run of 0 iterations). */
#define RUN_ITERS 10
static double block_run(problem *p, dln_opt *opt)
{
    double t[2];
    for (size_t it = 0; it < 2; it++) {
        dln_opt_set_max_iter(opt, it ? RUN_ITERS : 0);
        t[it] = 0.0;
        for (size_t k = 0; k < (p->block + RUN_ITERS - 1) / RUN_ITERS; k++) {
            double f; /* the same (cached) starting evaluation in both runs */
            dln_net_set_params(p->net[1], p->theta0);
            dln_loss_grad(p->loss[1], p->net[1], &f, p->g);
            double t0 = now();
            dln_opt_run(opt, p->loss[1], p->net[1], NULL);
            t[it] += now() - t0;
        }
    }
    return (t[1] - t[0]) / (double)(RUN_ITERS * ((p->block + RUN_ITERS - 1) / RUN_ITERS));
}

/* Seconds per read of the n x 2m history matrix H against g (one GEMV_T,
 * the first of the two sweeps an L-BFGS step makes). */
static double *history;
static size_t history_cols;
static double block_history(problem *p)
{
    double dots[64], t0 = now();
    for (size_t k = 0; k < p->block; k++)
        la_gemv(LA_T, p->n, history_cols, 1.0, history, p->n, p->g, 0.0, dots);
    return (now() - t0) / (double)p->block;
}

/* Median over PAIRS of (optimizer block time) / (baseline block time);
 * memory: the L-BFGS memory (0: the default). */
static double ratio(problem *p, dln_opt_kind kind, int as_run, size_t memory, double *evals)
{
    dln_opt *opt = NULL;
    double r[PAIRS];
    dln_opt_create(&opt, kind);
    if (memory) dln_opt_set_memory(opt, memory);
    dln_opt_set_step(opt, p->eta);
    dln_opt_set_grad_tol(opt, 0.0);
    dln_net_set_params(p->net[0], p->theta0);
    dln_net_set_params(p->net[1], p->theta0);
    dln_opt_step(opt, p->loss[1], p->net[1], NULL); /* starts the state, not timed */
    for (int k = 0; k < PAIRS; k++) {
        double tb = block_baseline(p);
        r[k] = (as_run ? block_run(p, opt) : block_steps(p, opt)) / tb;
    }
    dln_opt_report rep = {.struct_size = sizeof rep};
    dln_opt_get_report(opt, &rep);
    *evals = as_run ? 1.0 : (double)(rep.grad_evals - 1) / (double)rep.iterations;
    dln_opt_free(opt);
    return median(r, PAIRS);
}

static void lbfgs_memories(problem *p, double rg);

static void report(const char *name, size_t d, size_t L, size_t block)
{
    problem p = {0};
    if (!setup(&p, d, L, block)) {
        printf("%s: setup failed\n", name);
        return;
    }
    double tb[PAIRS];
    for (int k = 0; k < PAIRS; k++) tb[k] = block_baseline(&p);
    printf("%s net (d = %zu, L = %zu, n = %zu): hand GD iteration %.3g s (median)\n", name, d, L,
           p.n, median(tb, PAIRS));
    printf("  %-22s %10s %16s\n", "", "ratio", "grad evals/iter");
    double rc[PAIRS];
    for (int k = 0; k < PAIRS; k++) {
        double t0 = block_baseline(&p);
        rc[k] = block_hand(&p, 1) / t0;
    }
    printf("  %-22s %10.4f\n", "hand loop on the copy", median(rc, PAIRS));
    for (int k = 0; k < PAIRS; k++) {
        double t0 = block_baseline(&p);
        rc[k] = block_grad(&p) / t0;
    }
    double rg = median(rc, PAIRS);
    printf("  %-22s %10.4f\n", "bare gradient", rg);
    for (int k = 0; k < PAIRS; k++) {
        double t0 = block_baseline(&p);
        rc[k] = block_copy(&p) / t0;
    }
    double rcopy = median(rc, PAIRS);
    printf("  %-22s %10.4f\n", "copy of n doubles", rcopy);
    const dln_opt_kind kinds[] = {DLN_OPT_GD,       DLN_OPT_GD_ARMIJO, DLN_OPT_HEAVY_BALL,
                                  DLN_OPT_NESTEROV, DLN_OPT_ADAM,      DLN_OPT_LBFGS};
    double e;
    for (size_t q = 0; q < sizeof kinds / sizeof kinds[0]; q++) {
        double rq = ratio(&p, kinds[q], 0, 0, &e);
        printf("  step %-17s %10.4f %16.2f\n", dln_opt_kind_name(kinds[q]), rq, e);
        if (kinds[q] == DLN_OPT_LBFGS)
            printf("  -> L-BFGS extra work: %.2f gradients per step (one copy of n doubles: "
                   "%.3f gradients)\n", (rq - e * rg) / rg, rcopy / rg);
        if (kinds[q] == DLN_OPT_GD) {
            double rr = ratio(&p, DLN_OPT_GD, 1, 0, &e);
            printf("  run  %-17s %10.4f %16.2f\n", "gd (per evaluation)", rr, e);
            printf("  -> overhead beyond one gradient: dln_opt_step %+.1f%%, dln_opt_run %+.1f%%\n",
                   100.0 * (rq - 1.0), 100.0 * (rr - 1.0));
        }
    }
    if (p.n > 100000) lbfgs_memories(&p, rg);
    teardown(&p);
}

/* L-BFGS extra work per memory m, beside the cost of reading the 2m
 * history vectors once (a GEMV_T over an n x 2m matrix that, like the
 * history, is far larger than the cache): a step reads them twice. */
static void lbfgs_memories(problem *p, double rg)
{
    static const size_t memories[] = {1, 2, 3, 5, 10};
    printf("  %-6s %12s %14s %16s\n", "memory", "extra grads", "history read", "2 reads (floor)");
    for (size_t i = 0; i < sizeof memories / sizeof memories[0]; i++) {
        const size_t m = memories[i];
        double e, rq = ratio(p, DLN_OPT_LBFGS, 0, m, &e), rh[PAIRS];
        history_cols = 2 * m;
        history = malloc(p->n * history_cols * sizeof *history);
        for (size_t j = 0; j < p->n * history_cols; j++) history[j] = 1e-3 * (double)(j % 7);
        for (int k = 0; k < PAIRS; k++) {
            double t0 = block_baseline(p);
            rh[k] = block_history(p) / t0;
        }
        double h = median(rh, PAIRS) / rg;
        printf("  %-6zu %12.2f %14.3f %16.3f\n", m, (rq - e * rg) / rg, h, 2.0 * h);
        free(history);
    }
}

int main(void)
{
    report("small", 4, 3, 2000);
    report("large", 256, 8, 10);
    return 0;
}
