/* summary_values.c - the cost of summaries as values (docs/distributed.md):
 * a merge (dln_loss_merge, one dtpqrt of two triangles of order
 * n_a = d_0 + d_L), an encode and a decode (docs/summary_format.md, with
 * the CRC-32), against taking in samples (dln_loss_add_samples) and a
 * memcpy of the encoding, for d_L = 10 and d_0 = 128 and 784 (Fashion-MNIST).
 * A merge is printed as the number of samples whose summary costs as much.
 * Medians of interleaved repeats (bench/timing.h); prints, never judges. */
#define _POSIX_C_SOURCE 199309L
#include "timing.h"

#include <cblas.h>

enum { DL = 10, M = 4096, REPS = 7 };

typedef struct ctx {
    dln_loss *a, *b;
    double *X, *Y;
    size_t d0, size;
    unsigned char *buf, *copy;
} ctx;

static void add(void *p)
{
    ctx *c = p;
    bench_ok(dln_loss_add_samples(c->a, M, c->X, c->d0, c->Y, DL), "add_samples");
}
static void merge(void *p)
{
    ctx *c = p;
    bench_ok(dln_loss_merge(c->a, c->b), "merge");
}
static void encode(void *p)
{
    ctx *c = p;
    bench_ok(dln_loss_encode(c->b, c->buf, c->size), "encode");
}
static void decode(void *p)
{
    ctx *c = p;
    dln_loss *l = NULL;
    bench_ok(dln_loss_decode(&l, c->buf, c->size, NULL, 0), "decode");
    dln_loss_free(l);
}
static void copy(void *p)
{
    ctx *c = p;
    memcpy(c->copy, c->buf, c->size);
}

int main(void)
{
    printf("libdlnet %s; BLAS: %s (core %s), %d threads; medians of %d interleaved samples; "
           "load %.2f\n", dln_version_string(), openblas_get_config(), openblas_get_corename(),
           openblas_get_num_threads(), REPS, bench_load());
    printf("%5s %8s %12s %12s %10s %12s %12s %12s\n", "d0", "bytes", "add_M_s", "merge_s",
           "merge=smp", "encode_s", "decode_s", "memcpy_s");
    static const size_t widths[] = {128, 784};
    for (int w = 0; w < 2; w++) {
        ctx c = {NULL, NULL, NULL, NULL, widths[w], 0, NULL, NULL};
        c.X = bench_alloc(c.d0 * M), c.Y = bench_alloc(DL * M);
        bench_fill(1, c.d0 * M, c.X), bench_fill(2, DL * M, c.Y);
        bench_ok(dln_loss_create_data(&c.a, c.d0, DL, M, c.X, c.d0, c.Y, DL), "create a");
        bench_ok(dln_loss_create_data(&c.b, c.d0, DL, M, c.X, c.d0, c.Y, DL), "create b");
        c.size = dln_loss_encoded_size(c.b);
        c.buf = malloc(c.size), c.copy = malloc(c.size);
        if (!c.buf || !c.copy) return 1;
        encode(&c);
        bench_task t[5] = {{add, NULL, &c, 0, {0}}, {merge, NULL, &c, 0, {0}},
                           {encode, NULL, &c, 0, {0}}, {decode, NULL, &c, 0, {0}},
                           {copy, NULL, &c, 0, {0}}};
        bench_interleaved(t, 5, REPS, 0.2);
        double ta = bench_median(&t[0], REPS), tm = bench_median(&t[1], REPS);
        printf("%5zu %8zu %12.3e %12.3e %10.0f %12.3e %12.3e %12.3e\n", c.d0, c.size, ta, tm,
               tm / ta * M, bench_median(&t[2], REPS), bench_median(&t[3], REPS),
               bench_median(&t[4], REPS));
        dln_loss_free(c.a), dln_loss_free(c.b);
        free(c.X), free(c.Y), free(c.buf), free(c.copy);
    }
    return 0;
}
