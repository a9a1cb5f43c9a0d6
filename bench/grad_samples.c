/* grad_samples.c - the gradient's cost does not depend on the sample count m.
 *
 * The loss summarizes the data once (streamed QR of [X^T Y^T], derivatives.md
 * §3); afterwards value, gradient and HVP cost O(L d^3) whatever m is. For
 * (d, L) in {(32, 5), (128, 5)} (data form, widths d) this prints the time of
 * the summary for m = 10^3 and m = 10^6 samples (the latter streamed in
 * blocks with dln_loss_add_samples) and the gradient time at both m, timed
 * interleaved, with their ratio. */
#define _POSIX_C_SOURCE 200809L
#include "timing.h"

#include <math.h>

#define CHUNK 10000 /* samples generated and added per dln_loss_add_samples call */

typedef struct ctx {
    dln_loss *loss;
    dln_net *net[2];
    double *g;
    int flip;
} ctx;

static void run_grad(void *p) /* at new weights every call */
{
    ctx *c = p;
    c->flip ^= 1;
    bench_ok(dln_loss_grad(c->loss, c->net[c->flip], NULL, c->g), "dln_loss_grad");
}

/* A data loss over m samples; returns the seconds spent in the library. */
static double make_loss(dln_loss **loss, size_t d, size_t m, uint64_t seed)
{
    size_t chunk = m < CHUNK ? m : CHUNK;
    double *X = bench_alloc(d * chunk), *Y = bench_alloc(d * chunk), t = 0.0;
    for (size_t s = 0; s < m; s += chunk) {
        size_t b = m - s < chunk ? m - s : chunk;
        bench_fill(seed + 2 * s, d * b, X);
        bench_fill(seed + 2 * s + 1, d * b, Y);
        double t0 = bench_now();
        if (s == 0)
            bench_ok(dln_loss_create_data(loss, d, d, b, X, d, Y, d), "dln_loss_create_data");
        else
            bench_ok(dln_loss_add_samples(*loss, b, X, d, Y, d), "dln_loss_add_samples");
        t += bench_now() - t0;
    }
    free(X), free(Y);
    return t;
}

int main(void)
{
    const size_t sizes[][2] = {{32, 5}, {128, 5}}, ms[2] = {1000, 1000000};
    const int reps = 15;
    printf("libdlnet %s: gradient time against the sample count m (data form, widths d); "
           "load %.2f\n",
           dln_version_string(), bench_load());
    printf("%4s %2s | %12s %12s | %12s %12s | %9s\n", "d", "L", "summary m=1e3", "m=1e6",
           "grad m=1e3", "m=1e6", "ratio");
    printf("%4s %2s | %12s %12s | %12s %12s | %9s\n", "", "", "s", "s", "us", "us",
           "1e6/1e3");
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t d = sizes[s][0], L = sizes[s][1], widths[16];
        for (size_t l = 0; l <= L; l++) widths[l] = d;
        ctx c[2];
        bench_task k[2];
        double tsum[2];
        memset(k, 0, sizeof k);
        for (int i = 0; i < 2; i++) {
            memset(&c[i], 0, sizeof c[i]);
            tsum[i] = make_loss(&c[i].loss, d, ms[i], 1);
            for (int j = 0; j < 2; j++) {
                bench_ok(dln_net_create(&c[i].net[j], L, widths), "dln_net_create");
                bench_ok(dln_net_init_gaussian(c[i].net[j], 1.0 / sqrt((double)d), 10 + (uint64_t)j),
                         "dln_net_init_gaussian");
            }
            c[i].g = bench_alloc(dln_net_num_params(c[i].net[0]));
            k[i].run = run_grad, k[i].ctx = &c[i];
        }
        bench_interleaved(k, 2, reps, 0.005);
        printf("%4zu %2zu | %12.4f %12.4f | %12.2f %12.2f | %9.3f\n", d, L, tsum[0], tsum[1],
               bench_median(&k[0], reps) * 1e6, bench_median(&k[1], reps) * 1e6,
               bench_median_ratio(&k[1], &k[0], reps));
        fflush(stdout);
        for (int i = 0; i < 2; i++) {
            dln_loss_free(c[i].loss);
            dln_net_free(c[i].net[0]), dln_net_free(c[i].net[1]);
            free(c[i].g);
        }
    }
    printf("\nsummary = dln_loss_create_data + dln_loss_add_samples (blocks of %d samples), "
           "data generation excluded; gradient times are medians of %d interleaved samples\n",
           CHUNK, reps);
    return 0;
}
