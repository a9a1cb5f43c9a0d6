/* grad_ab.c - two builds of libdlnet in one process, their gradients or
 * HVPs timed alternately: the before/after figures of docs/performance.md.
 *
 * Both shared libraries are loaded with dlopen (RTLD_LOCAL | RTLD_DEEPBIND:
 * each keeps its own symbols, OpenBLAS is shared), each gets the same data
 * loss (d, L, all widths d, m = 8d) and the same two weight sets. Sample r
 * of build A and of build B are taken back to back (the order swaps every
 * sample), each repeating the call until it lasts 10 ms; the result is the
 * median over the samples of t_B / t_A with its quartiles, and the largest
 * difference between the two builds' outputs (0 when they agree bit for bit).
 *   what = grad: a gradient at new weights every call (the two sets alternate)
 *          hvp:  an HVP at new weights every call
 *          hvp*: an HVP after an untimed gradient at the same weights
 * With "mean" after the sample count, both losses take the mean form
 * (dln_loss_set_mean): the products with R then carry the scale sqrt(1/m).
 * Samples in process CPU time (one BLAS thread: set OPENBLAS_NUM_THREADS=1).
 *
 * Usage: grad_ab LIB_A LIB_B d L [grad|hvp|hvp*] [samples] [mean]
 * e.g.   grad_ab main/lib/libdlnet.so.0.1.0 lib/libdlnet.so.0.1.0 128 20 hvp 15
 * Without arguments it prints the usage and exits 0 (make bench runs it so). */
#define _GNU_SOURCE
#include "timing.h"

#include <dlfcn.h>
#include <math.h>

enum { MAX_SAMPLES = 63, MAX_DEPTH = 64 };

typedef dln_status (*create_data_fn)(dln_loss **, size_t, size_t, size_t, const double *, size_t,
                                     const double *, size_t);
typedef dln_status (*net_create_fn)(dln_net **, size_t, const size_t *);
typedef dln_status (*net_init_fn)(dln_net *, double, uint64_t);
typedef size_t (*num_params_fn)(const dln_net *);
typedef dln_status (*grad_fn)(dln_loss *, const dln_net *, double *, double *);
typedef dln_status (*hvp_fn)(dln_loss *, const dln_net *, const double *, double *);
typedef dln_status (*set_mean_fn)(dln_loss *, int);

typedef struct build {
    grad_fn grad;
    hvp_fn hvp;
    dln_loss *loss;
    dln_net *net[2];
    int flip;
    double *out;
} build;

static void *sym(void *h, const char *name)
{
    void *p = dlsym(h, name);
    if (!p) {
        fprintf(stderr, "grad_ab: %s not found\n", name);
        exit(1);
    }
    return p;
}

/* dlsym returns data pointers; POSIX lets them convert to functions. */
#define LOAD(h, var, name)                                                                        \
    do {                                                                                          \
        void *p_ = sym(h, name);                                                                  \
        memcpy(&(var), &p_, sizeof p_);                                                           \
    } while (0)

static void load(build *b, const char *path, size_t d, size_t L, const double *X, const double *Y,
                 int mean)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
    if (!h) {
        fprintf(stderr, "grad_ab: %s\n", dlerror());
        exit(1);
    }
    create_data_fn create;
    net_create_fn net_create;
    net_init_fn init;
    num_params_fn num_params;
    set_mean_fn set_mean;
    LOAD(h, create, "dln_loss_create_data");
    LOAD(h, set_mean, "dln_loss_set_mean");
    LOAD(h, net_create, "dln_net_create");
    LOAD(h, init, "dln_net_init_gaussian");
    LOAD(h, num_params, "dln_net_num_params");
    LOAD(h, b->grad, "dln_loss_grad");
    LOAD(h, b->hvp, "dln_loss_hvp");
    size_t widths[MAX_DEPTH + 1];
    for (size_t l = 0; l <= L; l++) widths[l] = d;
    bench_ok(create(&b->loss, d, d, 8 * d, X, d, Y, d), "dln_loss_create_data");
    bench_ok(set_mean(b->loss, mean), "dln_loss_set_mean");
    for (int k = 0; k < 2; k++) {
        bench_ok(net_create(&b->net[k], L, widths), "dln_net_create");
        bench_ok(init(b->net[k], 1.0 / sqrt((double)d), 10 + (uint64_t)k), "dln_net_init_gaussian");
    }
    b->out = bench_alloc(num_params(b->net[0]));
}

/* Seconds per call over iters calls (only the timed call of hvp*). */
static double sample(build *b, int what, const double *v, long iters)
{
    double t = 0.0;
    for (long i = 0; i < iters; i++) {
        if (what == 2) bench_ok(b->grad(b->loss, b->net[0], NULL, b->out), "dln_loss_grad");
        else b->flip ^= 1;
        const dln_net *net = b->net[what == 2 ? 0 : b->flip];
        double t0 = bench_now();
        bench_ok(what == 0 ? b->grad(b->loss, net, NULL, b->out) : b->hvp(b->loss, net, v, b->out),
                 what == 0 ? "dln_loss_grad" : "dln_loss_hvp");
        t += bench_now() - t0;
    }
    return t / (double)iters;
}

int main(int argc, char **argv)
{
    static const char *const names[] = {"grad", "hvp", "hvp*"};
    const char *usage = "usage: grad_ab LIB_A LIB_B d L [grad|hvp|hvp*] [samples] [mean]\n";
    if (argc < 5) {
        printf("%s", usage);
        return 0;
    }
    size_t d = (size_t)atol(argv[3]), L = (size_t)atol(argv[4]);
    int what = 0, reps = argc > 6 ? atoi(argv[6]) : 15, mean = argc > 7 && !strcmp(argv[7], "mean");
    while (argc > 5 && what < 3 && strcmp(argv[5], names[what]) != 0) what++;
    if (d < 1 || L < 1 || L > MAX_DEPTH || what == 3 || reps < 3 || reps > MAX_SAMPLES) {
        fprintf(stderr, "%s", usage);
        return 2;
    }
    bench_use_cpu_time();
    double *X = bench_alloc(8 * d * d), *Y = bench_alloc(8 * d * d);
    bench_fill(1, 8 * d * d, X);
    bench_fill(2, 8 * d * d, Y);
    build b[2];
    memset(b, 0, sizeof b);
    for (int k = 0; k < 2; k++) load(&b[k], argv[1 + k], d, L, X, Y, mean);
    size_t n = L * d * d;
    double *v = bench_alloc(n), r[MAX_SAMPLES], t[2][MAX_SAMPLES];
    bench_fill(3, n, v);
    long iters = (long)(0.01 / sample(&b[0], what, v, 2)) + 1; /* also the warm-up */
    sample(&b[1], what, v, 2);
    for (int s = 0; s < reps; s++) {
        for (int j = 0; j < 2; j++) {
            int k = s % 2 ? 1 - j : j;
            t[k][s] = sample(&b[k], what, v, iters);
        }
        r[s] = t[1][s] / t[0][s];
    }
    double diff = 0.0;
    for (size_t i = 0; i < n; i++) diff = fmax(diff, fabs(b[0].out[i] - b[1].out[i]));
    double ta = bench_median_of(t[0], reps), tb = bench_median_of(t[1], reps);
    double rm = bench_median_of(r, reps); /* sorts r */
    printf("d %zu L %zu %-4s | A %10.1f us  B %10.1f us | B/A %.4f [quartiles %.4f %.4f] | "
           "max |B - A| %.2e | load %.2f%s\n",
           d, L, names[what], ta * 1e6, tb * 1e6, rm, r[reps / 4], r[3 * reps / 4], diff,
           bench_load(), mean ? " | mean form" : "");
    return 0;
}
