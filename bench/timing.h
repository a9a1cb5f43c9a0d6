/* timing.h - helpers shared by the benchmark programs: a monotonic clock,
 * median-of-repeats timing, a seeded data generator and failure exits.
 * Include after defining _POSIX_C_SOURCE (clock_gettime). */
#ifndef DLN_BENCH_TIMING_H
#define DLN_BENCH_TIMING_H

#include "dlnet.h"

#include <cblas.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The clock of the samples: wall time, or with bench_use_cpu_time() the
 * process's CPU time, which a preempting job on a shared machine does not
 * advance (meaningful with one BLAS thread only). */
static clockid_t bench_clock = CLOCK_MONOTONIC;
static inline void bench_use_cpu_time(void) { bench_clock = CLOCK_PROCESS_CPUTIME_ID; }

static inline double bench_now(void)
{
    struct timespec t;
    clock_gettime(bench_clock, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* The reference unit of the benchmarks: C = A B for d x d matrices. */
static inline void bench_dgemm(size_t d, const double *A, const double *B, double *C)
{
    int n = (int)d;
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, A, n, B, n, 0.0, C, n);
}

typedef void (*bench_fn)(void *ctx);

#define BENCH_MAX_REPS 64

/* One timed operation: run() is timed, setup() (may be NULL) runs untimed
 * before every sample. t[r] receives the seconds per call of sample r. */
typedef struct bench_task {
    bench_fn run, setup;
    void *ctx;
    long iters;
    double t[BENCH_MAX_REPS];
} bench_task;

static inline double bench_sample(bench_task *k)
{
    if (k->setup) k->setup(k->ctx);
    double t0 = bench_now();
    for (long i = 0; i < k->iters; i++) k->run(k->ctx);
    return (bench_now() - t0) / (double)k->iters;
}

/* Time the tasks interleaved: sample r of every task is taken before sample
 * r + 1 of any, so that a slow phase of a shared machine hits all of them
 * alike (ratios are then taken per sample, see bench_median_ratio). Each
 * sample repeats the call enough times to last >= min_sample seconds; two
 * untimed warm-up calls come first. */
static inline void bench_interleaved(bench_task *tasks, int ntasks, int reps, double min_sample)
{
    for (int i = 0; i < ntasks; i++) {
        bench_task *k = &tasks[i];
        if (k->setup) k->setup(k->ctx);
        k->run(k->ctx), k->run(k->ctx);
        k->iters = 1;
        double once = bench_sample(k);
        k->iters = once > 0 ? (long)(min_sample / once) + 1 : 1000;
    }
    for (int r = 0; r < reps && r < BENCH_MAX_REPS; r++)
        for (int i = 0; i < ntasks; i++) tasks[i].t[r] = bench_sample(&tasks[i]);
}

static inline int bench_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static inline double bench_median_of(double *x, int n)
{
    qsort(x, (size_t)n, sizeof *x, bench_cmp);
    return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
}

/* Median of the samples of a task. */
static inline double bench_median(const bench_task *k, int reps)
{
    double x[BENCH_MAX_REPS];
    memcpy(x, k->t, (size_t)reps * sizeof *x);
    return bench_median_of(x, reps);
}

/* Median over the samples r of t_a[r] / t_b[r]. */
static inline double bench_median_ratio(const bench_task *a, const bench_task *b, int reps)
{
    double x[BENCH_MAX_REPS];
    for (int r = 0; r < reps; r++) x[r] = a->t[r] / b->t[r];
    return bench_median_of(x, reps);
}

/* Deterministic uniform(-1, 1) data (splitmix64); benchmarks only need
 * reproducible, well-scaled numbers, not a particular distribution. */
static inline void bench_fill(uint64_t seed, size_t n, double *x)
{
    uint64_t s = seed;
    for (size_t i = 0; i < n; i++) {
        uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        z ^= z >> 31;
        x[i] = 2.0 * ((double)(z >> 11) * 0x1.0p-53) - 1.0;
    }
}

/* The 1-minute load average (-1 if unknown): other processes on the machine
 * make timings noisy, so every benchmark reports it. */
static inline double bench_load(void)
{
    double load = -1.0;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &load) != 1) load = -1.0;
        fclose(f);
    }
    return load;
}

static inline void bench_ok(dln_status st, const char *what)
{
    if (st != DLN_OK) {
        fprintf(stderr, "bench: %s failed: %s\n", what, dln_strerror(st));
        exit(1);
    }
}

static inline double *bench_alloc(size_t n)
{
    double *p = malloc((n ? n : 1) * sizeof *p);
    if (!p) {
        fprintf(stderr, "bench: out of memory (%zu doubles)\n", n);
        exit(1);
    }
    return p;
}

#endif
