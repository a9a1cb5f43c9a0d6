/* grad_hvp.c - gradient and Hessian-vector product time against plain DGEMMs
 * measured in the same run.
 *
 * Problems: data form, all widths d, m = 8d samples, lam = 0, float64, for
 * (d, L) in {(4,3), (32,5), (128,5), (256,8), (512,4)}. The unit of work is
 * one d x d x d DGEMM (2 d^3 flops). What the code performs per call
 * (derivatives.md §4-§5, src/loss_grad.c, src/loss_hvp.c), with e the cost of the two
 * products with the triangular R in E = (P R^T - C) R (e = 1: two TRMMs;
 * e = 2 below d_0 = DLNI_R_GEMM_BELOW, where they run as GEMMs):
 *   gradient                 3L - 3 + e   (L-1 prefix, e residual, L-2 back, L gradient)
 *   HVP with cached chains   6L - 6 + e   (the tangent: 2(L-1) + e + 2(L-1) + 2(L-1))
 *   HVP at new weights       8L - 9 + 2e  (the chains of the gradient but its last
 *                                          L products, + the tangent)
 * Throughput = these flops / time, compared with the DGEMM flops/s of the
 * same d in the same run; t/units is the inverse ratio.
 *
 * Memory (--memory): the heap the library holds for a data loss (its
 * summary and its scratch) after dln_loss_create_data and one dln_loss_grad,
 * at d = 1024, L = 1..4, all widths d, m = 4d, in units of d^2
 * doubles: glibc's mallinfo2 (in-use plus mmapped bytes) after minus before.
 * Not counted: the net (its L d^2 weights) and the caller's gradient; the
 * held heap is also the gradient's peak, since dln_loss_grad frees nothing
 * it allocates (the first call sizes the scratch, later calls allocate
 * nothing). The first HVP adds its tangents, printed as a second column.
 *
 * Usage: grad_hvp [--csv] [--dump DIR] [--reps N] [--size d L] [--serve] [--depth-sweep]
 *                 [--cpu-time] [--memory]
 *   --depth-sweep  the problems d = 128 and 256 at every depth L = 2..50
 *   --cpu-time     samples in process CPU time instead of wall time (one
 *                  BLAS thread: steadier on a shared machine)
 *   --csv   one machine-readable line per problem
 *   --dump  write X, Y, theta, v, grad, hvp and the loss value of each
 *           problem to DIR/d<d>_L<L>.f64 (raw float64) for the peer check
 *   --size  only the problem (d, L), any d and 1 <= L <= 50
 *   --serve timing server for bench/peers.py, which interleaves its samples
 *           with the peers' own: after "ready", each input line "TASK ITERS"
 *           (TASK = dgemm, grad, hvp or hvp_cached) is answered by the
 *           seconds per call of ITERS back-to-back calls; "quit" ends */
#define _POSIX_C_SOURCE 200809L
#include "internal.h" /* DLNI_R_GEMM_BELOW: how the library multiplies by R */
#include "timing.h"

#include <cblas.h>
#include <malloc.h>
#include <math.h>

#define DEPTH_MAX 50

typedef struct problem {
    size_t d, L, m, n;
    dln_loss *loss;
    dln_net *net[2]; /* two weight sets: alternating defeats the chain cache */
    double *v, *hv, *g;
    double *A, *B, *C; /* DGEMM reference operands */
    int flip;
} problem;

static void run_dgemm(void *ctx)
{
    problem *p = ctx;
    bench_dgemm(p->d, p->A, p->B, p->C);
}

static void run_grad(void *ctx) /* at new weights every call */
{
    problem *p = ctx;
    double f;
    p->flip ^= 1;
    bench_ok(dln_loss_grad(p->loss, p->net[p->flip], &f, p->g), "dln_loss_grad");
}

static void run_hvp(void *ctx) /* at new weights every call: chains recomputed */
{
    problem *p = ctx;
    p->flip ^= 1;
    bench_ok(dln_loss_hvp(p->loss, p->net[p->flip], p->v, p->hv), "dln_loss_hvp");
}

static void run_hvp_cached(void *ctx) /* same weights as the last gradient call */
{
    problem *p = ctx;
    bench_ok(dln_loss_hvp(p->loss, p->net[0], p->v, p->hv), "dln_loss_hvp");
}

static void problem_init(problem *p, size_t d, size_t L)
{
    memset(p, 0, sizeof *p);
    p->d = d, p->L = L, p->m = 8 * d;
    size_t widths[DEPTH_MAX + 1];
    for (size_t l = 0; l <= L; l++) widths[l] = d;
    double *X = bench_alloc(d * p->m), *Y = bench_alloc(d * p->m);
    bench_fill(1, d * p->m, X);
    bench_fill(2, d * p->m, Y);
    bench_ok(dln_loss_create_data(&p->loss, d, d, p->m, X, d, Y, d), "dln_loss_create_data");
    free(X), free(Y);
    for (int k = 0; k < 2; k++) {
        bench_ok(dln_net_create(&p->net[k], L, widths), "dln_net_create");
        /* scale 1/sqrt(d): products of the layers stay O(1) */
        bench_ok(dln_net_init_gaussian(p->net[k], 1.0 / sqrt((double)d), 10 + (uint64_t)k),
                 "dln_net_init_gaussian");
    }
    p->n = dln_net_num_params(p->net[0]);
    p->v = bench_alloc(p->n), p->hv = bench_alloc(p->n), p->g = bench_alloc(p->n);
    bench_fill(3, p->n, p->v);
    p->A = bench_alloc(d * d), p->B = bench_alloc(d * d), p->C = bench_alloc(d * d);
    bench_fill(4, d * d, p->A);
    bench_fill(5, d * d, p->B);
}

static void problem_free(problem *p)
{
    dln_loss_free(p->loss);
    dln_net_free(p->net[0]), dln_net_free(p->net[1]);
    free(p->v), free(p->hv), free(p->g), free(p->A), free(p->B), free(p->C);
}

static void write_f64(FILE *f, size_t n, const double *x)
{
    if (fwrite(x, sizeof *x, n, f) != n) {
        fprintf(stderr, "grad_hvp: write failed\n");
        exit(1);
    }
}

/* The data, weights, direction and results at net[0], for bench/peers.py. */
static void dump(const problem *p, const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/d%zu_L%zu.f64", dir, p->d, p->L);
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "grad_hvp: cannot write %s\n", path);
        exit(1);
    }
    size_t dm = p->d * p->m;
    double *buf = bench_alloc(dm > p->n ? dm : p->n), value;
    bench_fill(1, dm, buf), write_f64(f, dm, buf); /* X and Y exactly as in problem_init */
    bench_fill(2, dm, buf), write_f64(f, dm, buf);
    bench_ok(dln_net_get_params(p->net[0], buf), "dln_net_get_params");
    write_f64(f, p->n, buf);
    write_f64(f, p->n, p->v);
    bench_ok(dln_loss_grad(p->loss, p->net[0], &value, buf), "dln_loss_grad");
    write_f64(f, p->n, buf);
    bench_ok(dln_loss_hvp(p->loss, p->net[0], p->v, buf), "dln_loss_hvp");
    write_f64(f, p->n, buf);
    write_f64(f, 1, &value);
    free(buf);
    if (fclose(f) != 0) {
        fprintf(stderr, "grad_hvp: write failed\n");
        exit(1);
    }
}

static void setup_cached(void *ctx) /* chains of net[0] in the loss */
{
    problem *p = ctx;
    bench_ok(dln_loss_grad(p->loss, p->net[0], NULL, p->g), "dln_loss_grad");
}

static void print_header(int threads, int reps)
{
    printf("libdlnet %s: gradient and HVP vs DGEMM, data form, widths d, m = 8d, float64\n",
           dln_version_string());
    printf("BLAS: %s (core %s), %d threads; medians of %d interleaved samples; load %.2f\n",
           openblas_get_config(), openblas_get_corename(), threads, reps, bench_load());
    printf("unit = one d x d x d DGEMM (2d^3 flops); units = flops performed by the gradient, "
           "the HVP at new weights and the HVP with cached chains (hvp*)\n\n");
    printf("%4s %2s %5s | %6s %8s | %8s | %9s %6s %7s | %9s %6s %6s | %9s %6s %6s\n", "d", "L",
           "m", "DGEMM", "t_DGEMM", "units", "t_grad", "%DGEMM", "t/units", "t_hvp", "/grad",
           "%DGEMM", "t_hvp*", "/grad", "%DGEMM");
    printf("%4s %2s %5s | %6s %8s | %8s | %9s %6s %7s | %9s %6s %6s | %9s %6s %6s\n", "", "", "",
           "GF/s", "us", "g/h/h*", "us", "", "x DGEMM", "us", "", "", "us", "", "");
}

/* The timed operations of one problem, in the order of task_names. */
static const char *const task_names[] = {"dgemm", "grad", "hvp", "hvp_cached"};
enum { NTASKS = 4 };

static void make_tasks(problem *p, bench_task k[NTASKS])
{
    memset(k, 0, NTASKS * sizeof *k);
    k[0].run = run_dgemm, k[1].run = run_grad, k[2].run = run_hvp;
    k[3].run = run_hvp_cached, k[3].setup = setup_cached;
    for (int i = 0; i < NTASKS; i++) k[i].ctx = p;
}

static double heap_bytes(void)
{
    struct mallinfo2 mi = mallinfo2();
    return (double)mi.uordblks + (double)mi.hblkhd;
}

/* The --memory table (see the file comment). */
static void memory(void)
{
    const size_t d = 1024, m = 4 * d;
    double d2 = (double)(d * d) * sizeof(double);
    double *X = bench_alloc(d * m), *Y = bench_alloc(d * m);
    bench_fill(1, d * m, X);
    bench_fill(2, d * m, Y);
    printf("library-held heap of a data loss after create + one gradient (d = %zu, m = %zu), in "
           "d^2 doubles\n%2s %10s %10s\n", d, m, "L", "grad", "+ HVP");
    for (size_t L = 1; L <= 4; L++) {
        size_t widths[5];
        for (size_t l = 0; l <= L; l++) widths[l] = d;
        dln_net *net;
        bench_ok(dln_net_create(&net, L, widths), "dln_net_create");
        bench_ok(dln_net_init_gaussian(net, 1.0 / sqrt((double)d), 3), "dln_net_init_gaussian");
        size_t n = dln_net_num_params(net);
        double *g = bench_alloc(n), *v = bench_alloc(n);
        bench_fill(3, n, v);
        double before = heap_bytes();
        dln_loss *loss;
        bench_ok(dln_loss_create_data(&loss, d, d, m, X, d, Y, d), "dln_loss_create_data");
        bench_ok(dln_loss_grad(loss, net, NULL, g), "dln_loss_grad");
        double held = heap_bytes() - before;
        bench_ok(dln_loss_hvp(loss, net, v, g), "dln_loss_hvp");
        double hvp = heap_bytes() - before;
        printf("%2zu %10.2f %10.2f\n", L, held / d2, hvp / d2);
        dln_loss_free(loss);
        dln_net_free(net);
        free(g), free(v);
    }
    free(X), free(Y);
}

static int serve(problem *p)
{
    bench_task k[NTASKS];
    make_tasks(p, k);
    printf("ready\n");
    fflush(stdout);
    char line[128], name[64];
    long iters;
    while (fgets(line, sizeof line, stdin) && strncmp(line, "quit", 4) != 0) {
        int i = NTASKS;
        if (sscanf(line, "%63s %ld", name, &iters) == 2 && iters > 0)
            for (i = 0; i < NTASKS && strcmp(name, task_names[i]) != 0; i++) continue;
        if (i == NTASKS) {
            fprintf(stderr, "grad_hvp --serve: bad request: %s", line);
            return 1;
        }
        k[i].iters = iters;
        printf("%.9e\n", bench_sample(&k[i]));
        fflush(stdout);
    }
    return 0;
}

/* Time one problem (d, L) and print its line. */
static void measure(size_t d, size_t depth, int csv, int reps, int threads, const char *dir)
{
    const double min_sample = 0.005; /* seconds per timing sample */
    problem p;
    problem_init(&p, d, depth);
    double L = (double)p.L, unit = 2.0 * pow((double)p.d, 3);
    double e = p.d < DLNI_R_GEMM_BELOW ? 2 : 1;
    double ug = 3 * L - 3 + e, uh = 8 * L - 9 + 2 * e, uc = 6 * L - 6 + e;
    bench_task k[NTASKS];
    make_tasks(&p, k);
    bench_interleaved(k, NTASKS, reps, min_sample);
    double tg = bench_median(&k[0], reps), tgrad = bench_median(&k[1], reps);
    double thvp = bench_median(&k[2], reps), thc = bench_median(&k[3], reps);
    double rg = bench_median_ratio(&k[1], &k[0], reps); /* t_grad / t_DGEMM */
    double rh = bench_median_ratio(&k[2], &k[0], reps), rc = bench_median_ratio(&k[3], &k[0], reps);
    if (csv)
        printf("%zu,%zu,%zu,%d,%.6e,%.6e,%.6e,%.6e,%g,%g,%g\n", p.d, p.L, p.m, threads, tg, tgrad,
               thvp, thc, ug, uh, uc);
    else
        printf("%4zu %2zu %5zu | %6.1f %8.2f | %2.0f/%2.0f/%2.0f | %9.2f %5.0f%% %7.2f | %9.2f "
               "%6.2f %5.0f%% | %9.2f %6.2f %5.0f%%\n",
               p.d, p.L, p.m, unit / tg * 1e-9, tg * 1e6, ug, uh, uc, tgrad * 1e6, 100 * ug / rg,
               rg / ug, thvp * 1e6, bench_median_ratio(&k[2], &k[1], reps), 100 * uh / rh,
               thc * 1e6, bench_median_ratio(&k[3], &k[1], reps), 100 * uc / rc);
    fflush(stdout);
    if (dir) dump(&p, dir);
    problem_free(&p);
}

int main(int argc, char **argv)
{
    int csv = 0, reps = 15, server = 0, sweep = 0;
    size_t only_d = 0, only_L = 0;
    const char *dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--csv"))
            csv = 1;
        else if (!strcmp(argv[i], "--dump") && i + 1 < argc)
            dir = argv[++i];
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--serve"))
            server = 1;
        else if (!strcmp(argv[i], "--depth-sweep"))
            sweep = 1;
        else if (!strcmp(argv[i], "--cpu-time"))
            bench_use_cpu_time();
        else if (!strcmp(argv[i], "--memory")) {
            memory();
            return 0;
        }
        else if (!strcmp(argv[i], "--size") && i + 2 < argc)
            only_d = (size_t)atol(argv[i + 1]), only_L = (size_t)atol(argv[i + 2]), i += 2;
        else {
            fprintf(stderr,
                    "usage: grad_hvp [--csv] [--dump DIR] [--reps N] [--size d L] [--serve] "
                    "[--depth-sweep] [--cpu-time] [--memory]\n");
            return 2;
        }
    }
    if (reps < 1 || reps > BENCH_MAX_REPS) reps = 15;
    if (only_d && (only_L < 1 || only_L > DEPTH_MAX)) {
        fprintf(stderr, "grad_hvp: --size needs 1 <= L <= %d\n", DEPTH_MAX);
        return 2;
    }
    if (server && !only_d) {
        fprintf(stderr, "grad_hvp: --serve needs --size d L\n");
        return 2;
    }
    const size_t sizes[][2] = {{4, 3}, {32, 5}, {128, 5}, {256, 8}, {512, 4}};
    int threads = openblas_get_num_threads();
    if (server) {
        problem p;
        problem_init(&p, only_d, only_L);
        if (dir) dump(&p, dir);
        int rc = serve(&p);
        problem_free(&p);
        return rc;
    }
    if (csv)
        printf("d,L,m,threads,t_dgemm,t_grad,t_hvp,t_hvp_cached,units_grad,units_hvp,"
               "units_hvp_cached\n");
    else
        print_header(threads, reps);
    if (sweep) {
        for (size_t i = 0; i < 2; i++)
            for (size_t L = 2; L <= DEPTH_MAX; L++) measure(i ? 256 : 128, L, csv, reps, threads, dir);
    } else if (only_d)
        measure(only_d, only_L, csv, reps, threads, dir);
    else
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
            measure(sizes[s][0], sizes[s][1], csv, reps, threads, dir);
    if (!csv)
        printf("\nratios are medians of per-sample ratios; %%DGEMM = units x t_DGEMM / t (flop "
               "rate relative to DGEMM); t/units = its inverse; t_hvp* = HVP reusing the "
               "chains of a gradient call at the same weights\n");
    return 0;
}
