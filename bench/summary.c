/* summary.c - the data summary against DSYRK on the same data, on one and
 * two threads, in one run (docs/performance.md, "Data summary").
 *
 * The samples are one array A (na x m, na = d_0 + d_L, one sample per
 * column: features then targets), passed as X = A (ldx = na) and
 * Y = A + d_0 (ldy = na). DSYRK computes A A^T, the Gram matrix the normal
 * equations would use: half the flops of a QR, the floor for any summary.
 * Tasks, interleaved (bench/timing.h); tN: N library threads (dln_loss_set_threads),
 * bN: N BLAS threads:
 *   syrk    DSYRK, b1          syrkb2  DSYRK, b2
 *   t1      summary, t1 b1     t2      summary, t2 b1
 *   b2      summary, t1 b2     t2b2    summary, t2 b2 (4 threads on 2 cores)
 * The summary is timed as dln_loss_create_data on the first sample, then
 * dln_loss_set_threads and dln_loss_add_samples of the rest.
 * Usage: summary [m_synthetic [reps]] (default 1000000, 5); Fashion-MNIST is read from
 * DLN_FASHION_DIR or /usr/share/datasets/fashion-mnist when present. */
#define _POSIX_C_SOURCE 200809L /* popen, pclose, clock_gettime */
#include "timing.h"

#include <cblas.h>

void openblas_set_num_threads(int);
int openblas_get_num_threads(void);
char *openblas_get_config(void);
char *openblas_get_corename(void);

typedef struct ctx {
    size_t d0, dL, m;
    const double *A;
    double *G;
    int blas, lib; /* BLAS threads, library threads */
} ctx;

static void run_syrk(void *p)
{
    ctx *c = p;
    size_t na = c->d0 + c->dL;
    openblas_set_num_threads(c->blas);
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasNoTrans, (int)na, (int)c->m, 1.0, c->A, (int)na,
                0.0, c->G, (int)na);
}

static void run_summary(void *p)
{
    ctx *c = p;
    size_t na = c->d0 + c->dL;
    dln_loss *loss = NULL;
    openblas_set_num_threads(c->blas);
    bench_ok(dln_loss_create_data(&loss, c->d0, c->dL, 1, c->A, na, c->A + c->d0, na), "create");
    bench_ok(dln_loss_set_threads(loss, (size_t)c->lib), "set_threads");
    bench_ok(dln_loss_add_samples(loss, c->m - 1, c->A + na, na, c->A + na + c->d0, na), "add");
    dln_loss_free(loss);
}

/* Fashion-MNIST training set as A (794 x 60000: pixels / 255, one-hot label);
 * NULL if the files are not there. */
static double *fashion(size_t *m)
{
    const char *dir = getenv("DLN_FASHION_DIR");
    char cmd[1024];
    unsigned char hdr[16], px[784], lab[8];
    if (!dir) dir = "/usr/share/datasets/fashion-mnist";
    snprintf(cmd, sizeof cmd, "gzip -dcf '%s/train-images-idx3-ubyte.gz' 2>/dev/null", dir);
    FILE *fi = popen(cmd, "r");
    snprintf(cmd, sizeof cmd, "gzip -dcf '%s/train-labels-idx1-ubyte.gz' 2>/dev/null", dir);
    FILE *fl = popen(cmd, "r");
    double *A = NULL;
    size_t n = 60000;
    if (fi && fl && fread(hdr, 1, 16, fi) == 16 && fread(lab, 1, 8, fl) == 8) {
        A = bench_alloc(794 * n);
        for (size_t j = 0; j < n && A; j++) {
            if (fread(px, 1, 784, fi) != 784 || fread(lab, 1, 1, fl) != 1) {
                free(A), A = NULL;
                break;
            }
            double *a = A + 794 * j;
            for (size_t i = 0; i < 784; i++) a[i] = px[i] / 255.0;
            for (size_t k = 0; k < 10; k++) a[784 + k] = lab[0] == k;
        }
    }
    if (fi) pclose(fi);
    if (fl) pclose(fl);
    *m = n;
    return A;
}

static void measure(const char *name, size_t d0, size_t dL, size_t m, const double *A, int reps)
{
    enum { NT = 6 };
    static const int blas[NT] = {1, 2, 1, 1, 2, 2}, lib[NT] = {1, 1, 1, 2, 1, 2};
    size_t na = d0 + dL;
    double *G = bench_alloc(na * na);
    ctx c[NT];
    bench_task k[NT];
    memset(k, 0, sizeof k);
    for (int i = 0; i < NT; i++) {
        c[i] = (ctx){d0, dL, m, A, G, blas[i], lib[i]};
        k[i].run = i < 2 ? run_syrk : run_summary, k[i].ctx = &c[i];
    }
    bench_interleaved(k, NT, reps, 0.0);
    printf("%-13s %4zu %3zu %7zu |", name, d0, dL, m);
    for (int i = 0; i < NT; i++) printf(" %6.3f", bench_median(&k[i], reps));
    printf(" | %6.2f %6.2f | %5.2f %5.2f %5.2f\n", bench_median_ratio(&k[2], &k[0], reps),
           bench_median_ratio(&k[4], &k[1], reps), bench_median_ratio(&k[2], &k[3], reps),
           bench_median_ratio(&k[2], &k[4], reps), bench_median_ratio(&k[2], &k[5], reps));
    free(G);
}

int main(int argc, char **argv)
{
    size_t m = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 1000000, mf = 0;
    int reps = argc > 2 ? atoi(argv[2]) : 5;
    if (reps < 1 || reps > BENCH_MAX_REPS) reps = 5;
    int blas0 = openblas_get_num_threads();
    printf("libdlnet %s: data summary against DSYRK on the same data; load %.2f\n",
           dln_version_string(), bench_load());
    printf("BLAS: %s (core %s); medians of %d interleaved samples\n", openblas_get_config(),
           openblas_get_corename(), reps);
    printf("%-13s %4s %3s %7s | %6s %6s %6s %6s %6s %6s | %6s %6s | %5s %5s %5s\n", "data", "d0",
           "dL", "m", "syrk", "syrkb2", "t1", "t2", "b2", "t2b2", "t1/syr", "b2/sb2", "t1/t2",
           "t1/b2", "t1/t22");
    printf("%-13s %4s %3s %7s | %41s | %13s | %17s\n", "", "", "", "", "seconds (medians)",
           "time ratios", "speed-ups over t1");
    double *A = bench_alloc(256 * m);
    bench_fill(1, 256 * m, A);
    measure("uniform", 128, 128, m, A, reps);
    free(A);
    double *F = fashion(&mf);
    if (F)
        measure("fashion-mnist", 784, 10, mf, F, reps);
    else
        printf("fashion-mnist: skipped (dataset-fashion-mnist not installed)\n");
    free(F);
    openblas_set_num_threads(blas0);
    return 0;
}
