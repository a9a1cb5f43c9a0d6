/* grad_overhead.c - the work of a gradient and of an HVP outside their
 * matrix products, measured in one run.
 *
 * The benchmark defines cblas_dgemm and cblas_dtrmm itself: they forward to
 * OpenBLAS's (dlsym RTLD_NEXT) and, while recording, keep the arguments of
 * every call. A gradient (HVP) at each of two weight sets is recorded; then, with
 * interleaved samples, the calls (alternating between the weight sets, so
 * that each recomputes its chains) are timed against a replay of exactly
 * their recorded products back to back, alternating the same way (same shapes, operands, alpha and
 * beta), and against the same replay with every beta = 0 replaced by 1 (the
 * cost of OpenBLAS's clearing pass over C that a beta = 0 product makes
 * before it accumulates). Reported:
 *   outside = 1 - t_replay / t_call   (copies, additions, norms, finiteness
 *                                      scans, the chain-cache check, calls)
 *   clear   = (t_replay - t_replay(beta=1)) / t_call
 * Problems: data form, all widths d, m = 8d, lam = 0, 1 BLAS thread unless
 * OPENBLAS_NUM_THREADS says otherwise.
 *
 * --per-call: where the products lose speed. Each recorded product is timed
 * (medians of reps) inside the replayed sequence (the cache state of a real
 * call), alone hot (the same call repeated: the state of the reference
 * DGEMM of bench/grad_hvp, all operands in L2) and alone cold (after reading
 * a 64 MB buffer: operands from memory). Printed per problem: the sums of
 * the three against the count in units of the hot beta = 0 d x d x d DGEMM,
 * as %DGEMM; --detail also prints every product.
 *
 * Usage: grad_overhead [--reps N] [--cpu-time] [--per-call [--detail]] [--size d L]
 *        (--cpu-time: see bench/grad_hvp.c; --size: only the problem (d, L), L <= 50) */
#define _GNU_SOURCE
#include "timing.h"

#include <dlfcn.h>
#include <math.h>

#define MAXCALLS 1024

typedef struct call {
    int trmm;
    enum CBLAS_ORDER o;
    enum CBLAS_SIDE side;
    enum CBLAS_UPLO uplo;
    enum CBLAS_TRANSPOSE ta, tb;
    enum CBLAS_DIAG diag;
    blasint m, n, k, lda, ldb, ldc;
    double alpha, beta;
    const double *A, *B;
    double *C;
} call;

typedef void (*gemm_fn)(enum CBLAS_ORDER, enum CBLAS_TRANSPOSE, enum CBLAS_TRANSPOSE, blasint,
                        blasint, blasint, double, const double *, blasint, const double *, blasint,
                        double, double *, blasint);
typedef void (*trmm_fn)(enum CBLAS_ORDER, enum CBLAS_SIDE, enum CBLAS_UPLO, enum CBLAS_TRANSPOSE,
                        enum CBLAS_DIAG, blasint, blasint, double, const double *, blasint,
                        double *, blasint);

/* The recorder: process-wide by necessity (the BLAS entry points have no context). */
static struct {
    int on;
    size_t n;
    call c[MAXCALLS];
    gemm_fn gemm;
    trmm_fn trmm;
} rec;

static void resolve(void)
{
    if (rec.gemm) return;
    void *g = dlsym(RTLD_NEXT, "cblas_dgemm"), *t = dlsym(RTLD_NEXT, "cblas_dtrmm");
    memcpy(&rec.gemm, &g, sizeof g); /* POSIX: data and function pointers convert */
    memcpy(&rec.trmm, &t, sizeof t);
    if (!rec.gemm || !rec.trmm) {
        fprintf(stderr, "grad_overhead: cannot find OpenBLAS's cblas_dgemm/cblas_dtrmm\n");
        exit(1);
    }
}

static void keep(const call *c)
{
    if (!rec.on) return;
    if (rec.n == MAXCALLS) {
        fprintf(stderr, "grad_overhead: more than %d products\n", MAXCALLS);
        exit(1);
    }
    rec.c[rec.n++] = *c;
}

void cblas_dgemm(OPENBLAS_CONST enum CBLAS_ORDER o, OPENBLAS_CONST enum CBLAS_TRANSPOSE ta,
                 OPENBLAS_CONST enum CBLAS_TRANSPOSE tb, OPENBLAS_CONST blasint m,
                 OPENBLAS_CONST blasint n, OPENBLAS_CONST blasint k, OPENBLAS_CONST double alpha,
                 OPENBLAS_CONST double *A, OPENBLAS_CONST blasint lda, OPENBLAS_CONST double *B,
                 OPENBLAS_CONST blasint ldb, OPENBLAS_CONST double beta, double *C,
                 OPENBLAS_CONST blasint ldc)
{
    resolve();
    call c = {.o = o, .ta = ta, .tb = tb, .m = m, .n = n, .k = k, .alpha = alpha, .A = A,
              .lda = lda, .B = B, .ldb = ldb, .beta = beta, .C = C, .ldc = ldc};
    keep(&c);
    rec.gemm(o, ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}

void cblas_dtrmm(OPENBLAS_CONST enum CBLAS_ORDER o, OPENBLAS_CONST enum CBLAS_SIDE side,
                 OPENBLAS_CONST enum CBLAS_UPLO uplo, OPENBLAS_CONST enum CBLAS_TRANSPOSE ta,
                 OPENBLAS_CONST enum CBLAS_DIAG diag, OPENBLAS_CONST blasint m,
                 OPENBLAS_CONST blasint n, OPENBLAS_CONST double alpha, OPENBLAS_CONST double *A,
                 OPENBLAS_CONST blasint lda, double *B, OPENBLAS_CONST blasint ldb)
{
    resolve();
    call c = {.trmm = 1, .o = o, .side = side, .uplo = uplo, .ta = ta, .diag = diag, .m = m,
              .n = n, .alpha = alpha, .A = A, .lda = lda, .C = B, .ldc = ldb};
    keep(&c);
    rec.trmm(o, side, uplo, ta, diag, m, n, alpha, A, lda, B, ldb);
}

typedef struct problem {
    dln_loss *loss;
    dln_net *net[2]; /* alternating weights: every call recomputes its chains */
    double *v, *out;
    int flip, rflip; /* the weight set of the last call and of the last replay: apart, so
                      * that the calls alternate whatever the replays between them did */
    int hvp;
    size_t ncalls[2];
    call *calls[2]; /* the products of a call at net[0] and at net[1] */
} problem;

static void run_call(void *ctx)
{
    problem *p = ctx;
    p->flip ^= 1;
    if (p->hvp)
        bench_ok(dln_loss_hvp(p->loss, p->net[p->flip], p->v, p->out), "dln_loss_hvp");
    else
        bench_ok(dln_loss_grad(p->loss, p->net[p->flip], NULL, p->out), "dln_loss_grad");
}

/* One recorded product; beta1: a beta = 0 product runs with beta = 1. */
static void run_one(const call *c, int beta1)
{
    if (c->trmm)
        rec.trmm(c->o, c->side, c->uplo, c->ta, c->diag, c->m, c->n, c->alpha, c->A, c->lda, c->C,
                 c->ldc);
    else
        rec.gemm(c->o, c->ta, c->tb, c->m, c->n, c->k, c->alpha, c->A, c->lda, c->B, c->ldb,
                 beta1 && c->beta == 0.0 ? 1.0 : c->beta, c->C, c->ldc);
}

/* The products of the next call, alternating between the nets like run_call. */
static void replay(problem *p, int beta1)
{
    p->rflip ^= 1;
    for (size_t i = 0; i < p->ncalls[p->rflip]; i++) run_one(&p->calls[p->rflip][i], beta1);
}

static void run_replay(void *ctx) { replay(ctx, 0); }
static void run_replay_beta1(void *ctx) { replay(ctx, 1); }

/* Record a call at net[0] and one at net[1], after a first call that sized
 * the scratch. */
static void record(problem *p)
{
    run_call(p);
    for (int k = 0; k < 2; k++) {
        rec.n = 0, rec.on = 1;
        run_call(p);
        rec.on = 0;
        p->ncalls[p->flip] = rec.n;
        p->calls[p->flip] = malloc(rec.n * sizeof *p->calls[0]);
        if (!p->calls[p->flip]) exit(1);
        memcpy(p->calls[p->flip], rec.c, rec.n * sizeof *p->calls[0]);
    }
}

/* A data loss at (d, L), m = 8d, two weight sets, and the products of a
 * gradient (HVP) at each recorded. */
static void problem_init(problem *p, size_t d, size_t L, int hvp)
{
    memset(p, 0, sizeof *p);
    size_t m = 8 * d, widths[64];
    for (size_t l = 0; l <= L; l++) widths[l] = d;
    double *X = bench_alloc(d * m), *Y = bench_alloc(d * m);
    bench_fill(1, d * m, X);
    bench_fill(2, d * m, Y);
    bench_ok(dln_loss_create_data(&p->loss, d, d, m, X, d, Y, d), "dln_loss_create_data");
    free(X), free(Y);
    for (int k = 0; k < 2; k++) {
        bench_ok(dln_net_create(&p->net[k], L, widths), "dln_net_create");
        bench_ok(dln_net_init_gaussian(p->net[k], 1.0 / sqrt((double)d), 10 + (uint64_t)k),
                 "dln_net_init_gaussian");
    }
    size_t n = dln_net_num_params(p->net[0]);
    p->v = bench_alloc(n), p->out = bench_alloc(n), p->hvp = hvp;
    bench_fill(3, n, p->v);
    record(p);
}

static void problem_free(problem *p)
{
    dln_loss_free(p->loss);
    dln_net_free(p->net[0]), dln_net_free(p->net[1]);
    free(p->v), free(p->out), free(p->calls[0]), free(p->calls[1]);
}

static void measure(size_t d, size_t L, int hvp, int reps)
{
    problem p;
    problem_init(&p, d, L, hvp);
    size_t nzero = 0;
    for (size_t i = 0; i < p.ncalls[0]; i++) nzero += !p.calls[0][i].trmm && p.calls[0][i].beta == 0.0;
    bench_task k[3];
    memset(k, 0, sizeof k);
    k[0].run = run_call, k[1].run = run_replay, k[2].run = run_replay_beta1;
    for (int i = 0; i < 3; i++) k[i].ctx = &p;
    bench_interleaved(k, 3, reps, 0.01);
    double rr = bench_median_ratio(&k[1], &k[0], reps), rb = bench_median_ratio(&k[2], &k[0], reps);
    printf("%4zu %2zu %-4s | %5zu %5zu | %10.1f %10.1f | %7.1f%% %7.1f%%\n", d, L, hvp ? "hvp" : "grad",
           p.ncalls[0], nzero, bench_median(&k[0], reps) * 1e6, bench_median(&k[1], reps) * 1e6,
           100 * (1 - rr), 100 * (rr - rb));
    fflush(stdout);
    problem_free(&p);
}

enum { FLUSH_DOUBLES = 8 << 20 }; /* 64 MB: more than every cache level that holds data */
static double flush_sink;

static void flush_caches(const double *buf)
{
    double s = 0.0;
    for (size_t i = 0; i < FLUSH_DOUBLES; i += 8) s += buf[i]; /* one read per 64-byte line */
    flush_sink += s;
}

/* Flops of a product in units of a d x d x d DGEMM. */
static double call_units(const call *c, size_t d)
{
    double f = c->trmm ? (double)c->m * c->n * (c->side == CblasLeft ? c->m : c->n)
                       : 2.0 * c->m * c->n * c->k;
    return f / (2.0 * d * d * d);
}

static double timed_one(const call *c)
{
    double t0 = bench_now();
    run_one(c, 0);
    return bench_now() - t0;
}

/* The --per-call table of one problem (see the file comment). */
static void per_call(size_t d, size_t L, int hvp, int reps, int detail, const double *flush)
{
    problem p;
    problem_init(&p, d, L, hvp);
    size_t nc = p.ncalls[0];
    const call *c = p.calls[0];
    double *t = bench_alloc(3 * nc * (size_t)reps), *seq = t, *hot = t + nc * reps,
           *cold = t + 2 * nc * reps;
    for (int r = 0; r < reps; r++) { /* net[1]'s products, then net[0]'s timed one by one */
        p.rflip = 0, replay(&p, 0);
        for (size_t i = 0; i < nc; i++) seq[i * reps + r] = timed_one(&c[i]);
    }
    for (size_t i = 0; i < nc; i++) {
        run_one(&c[i], 0), run_one(&c[i], 0);
        for (int r = 0; r < reps; r++) hot[i * reps + r] = timed_one(&c[i]);
        for (int r = 0; r < reps; r++) flush_caches(flush), cold[i * reps + r] = timed_one(&c[i]);
    }
    double *A = bench_alloc(3 * d * d), tref[BENCH_MAX_REPS];
    bench_fill(4, 3 * d * d, A);
    bench_dgemm(d, A, A + d * d, A + 2 * d * d), bench_dgemm(d, A, A + d * d, A + 2 * d * d);
    for (int r = 0; r < reps; r++) {
        double t0 = bench_now();
        bench_dgemm(d, A, A + d * d, A + 2 * d * d);
        tref[r] = bench_now() - t0;
    }
    double ref = bench_median_of(tref, reps), units = 0, s[3] = {0, 0, 0};
    for (size_t i = 0; i < nc; i++) {
        double u = call_units(&c[i], d), x[3];
        for (int j = 0; j < 3; j++) x[j] = bench_median_of(t + (j * nc + i) * reps, reps), s[j] += x[j];
        units += u;
        if (detail)
            printf("   %3zu %-4s %c%c %4d %4d %4d beta %g | %5.2f | %5.0f%% %5.0f%% %5.0f%%\n", i,
                   c[i].trmm ? "trmm" : "gemm", c[i].ta == CblasTrans ? 'T' : 'N',
                   c[i].trmm ? (c[i].side == CblasLeft ? 'L' : 'R') : c[i].tb == CblasTrans ? 'T' : 'N',
                   c[i].m, c[i].n, c[i].k, c[i].beta, u, 100 * u * ref / x[0], 100 * u * ref / x[1],
                   100 * u * ref / x[2]);
    }
    printf("%4zu %2zu %-4s | %5zu %6.2f | %8.1f | %6.0f%% %6.0f%% %6.0f%%\n", d, L, hvp ? "hvp" : "grad",
           nc, units, ref * 1e6, 100 * units * ref / s[0], 100 * units * ref / s[1],
           100 * units * ref / s[2]);
    fflush(stdout);
    free(t), free(A);
    problem_free(&p);
}

int main(int argc, char **argv)
{
    int reps = 11, calls = 0, detail = 0;
    size_t only_d = 0, only_L = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--cpu-time"))
            bench_use_cpu_time();
        else if (!strcmp(argv[i], "--per-call"))
            calls = 1;
        else if (!strcmp(argv[i], "--detail"))
            detail = 1;
        else if (!strcmp(argv[i], "--size") && i + 2 < argc)
            only_d = (size_t)atol(argv[i + 1]), only_L = (size_t)atol(argv[i + 2]), i += 2;
        else {
            fprintf(stderr, "usage: grad_overhead [--reps N] [--cpu-time] [--per-call [--detail]] [--size d L]\n");
            return 2;
        }
    }
    if (only_d && (only_L < 1 || only_L > 50)) {
        fprintf(stderr, "grad_overhead: --size needs 1 <= L <= 50\n");
        return 2;
    }
    if (reps < 1 || reps > BENCH_MAX_REPS) reps = 11;
    resolve();
    printf("libdlnet %s: work %s the matrix products (data form, widths d, m = 8d)\n",
           dln_version_string(), calls ? "inside" : "outside");
    printf("BLAS: %s (core %s), %d threads; medians of %d interleaved samples; load %.2f\n",
           openblas_get_config(), openblas_get_corename(), openblas_get_num_threads(), reps,
           bench_load());
    if (calls) {
        const size_t sizes[][2] = {{128, 2}, {128, 5}, {128, 10}, {128, 20}, {128, 50},
                                   {256, 2}, {256, 8}, {256, 30}, {512, 4}};
        double *flush = bench_alloc(FLUSH_DOUBLES);
        bench_fill(6, FLUSH_DOUBLES, flush);
        printf("%4s %2s %-4s | %5s %6s | %8s | %7s %7s %7s\n", "d", "L", "call", "prods", "units",
               "DGEMM us", "in seq", "hot", "cold");
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0] && !only_d; s++)
            for (int hvp = 0; hvp < 2; hvp++)
                per_call(sizes[s][0], sizes[s][1], hvp, reps, detail, flush);
        for (int hvp = 0; hvp < 2 && only_d; hvp++)
            per_call(only_d, only_L, hvp, reps, detail, flush);
        printf("\n%%DGEMM of the products (units x t_DGEMM / their summed medians) timed inside "
               "the replayed sequence of a call, alone hot (repeated) and alone cold (after "
               "reading 64 MB); t_DGEMM: the hot beta = 0 d x d x d DGEMM of bench/grad_hvp\n");
        free(flush);
        return 0;
    }
    printf("%4s %2s %-4s | %5s %5s | %10s %10s | %8s %8s\n", "d", "L", "call", "prods", "beta0",
           "t_call us", "t_prods us", "outside", "clear");
    const size_t sizes[][2] = {{128, 2}, {128, 5}, {256, 2}, {256, 8}, {512, 4}};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0] && !only_d; s++)
        for (int hvp = 0; hvp < 2; hvp++) measure(sizes[s][0], sizes[s][1], hvp, reps);
    for (int hvp = 0; hvp < 2 && only_d; hvp++) measure(only_d, only_L, hvp, reps);
    printf("\noutside = 1 - t_prods / t_call: the call's time outside its own GEMM/TRMM calls "
           "replayed back to back; clear = the share of t_call that the replay loses when its "
           "beta = 0 products run with beta = 1 (OpenBLAS's clearing pass of C)\n");
    return 0;
}
