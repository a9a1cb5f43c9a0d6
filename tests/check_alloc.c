/* check_alloc.c - "after the first call for a given network shape, value,
 * gradient and HVP do not allocate" (dlnet.h, loss handle), and "allocation
 * failure is DLN_E_NOMEM, with nothing changed" for the summary functions
 * (each of their allocations made to fail in turn), the threaded summary
 * included.
 *
 * The test binary is linked with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc
 * (Makefile). The library is linked statically, so its calls to these
 * functions land in the counters below, which forward to the real
 * allocator. Allocations inside the shared BLAS library are not counted:
 * they are not libdlnet's. The same wrappers inject allocation failures
 * (alloc_inject.h, used by check_nomem.c and below). */
#define _POSIX_C_SOURCE 200809L /* mkstemp */
#include "alloc_inject.h"
#include "testutil.h"

#include <execinfo.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *__real_malloc(size_t size);
void *__real_calloc(size_t count, size_t size);
void *__real_realloc(void *ptr, size_t size);
void __real_free(void *ptr);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t count, size_t size);
void *__wrap_realloc(void *ptr, size_t size);
void __wrap_free(void *ptr);

static atomic_size_t allocations; /* every allocation, for the tests below */
static atomic_long live;          /* blocks not yet freed */

/* Failure injection (alloc_inject.h): armed by one thread at a time; the
 * count is atomic so that the library's own threads may allocate meanwhile. */
static struct {
    int armed, paused, fired;
    atomic_size_t counted;
    size_t fail_at;
    void *site[8]; /* call stack of the failed allocation */
    int depth;
} inject;

void ai_arm(size_t k)
{
    inject.paused = 0, inject.fired = 0, inject.fail_at = k;
    atomic_store(&inject.counted, 0);
    inject.armed = 1;
}
void ai_disarm(void) { inject.armed = 0; }
void ai_pause(int paused) { inject.paused = paused; }
size_t ai_counted(void) { return atomic_load(&inject.counted); }
int ai_fired(void) { return inject.fired; }
long ai_live(void) { return atomic_load(&live); }
int ai_stack(void **frames)
{
    memcpy(frames, inject.site, sizeof inject.site);
    return inject.depth;
}

/* 1 if this allocation is to fail. */
static int next_fails(void)
{
    atomic_fetch_add(&allocations, 1);
    if (!inject.armed || inject.paused) return 0;
    if (atomic_fetch_add(&inject.counted, 1) + 1 != inject.fail_at) return 0;
    inject.fired = 1;
    inject.depth = backtrace(inject.site, 8); /* glibc's own allocations are not wrapped */
    return 1;
}

static void *track(void *p)
{
    if (p) atomic_fetch_add(&live, 1);
    return p;
}

void *__wrap_malloc(size_t size) { return next_fails() ? NULL : track(__real_malloc(size)); }

void *__wrap_calloc(size_t count, size_t size)
{
    return next_fails() ? NULL : track(__real_calloc(count, size));
}

void *__wrap_realloc(void *ptr, size_t size)
{
    if (next_fails()) return NULL;
    void *q = __real_realloc(ptr, size);
    if (!ptr) return track(q);
    if (!q && size == 0) atomic_fetch_sub(&live, 1); /* freed */
    return q;
}

void __wrap_free(void *ptr)
{
    if (ptr) atomic_fetch_sub(&live, 1);
    __real_free(ptr);
}

static size_t counted_since(size_t start) { return atomic_load(&allocations) - start; }

static size_t mark, counted;
static dln_status status;

static void expect_ok(dln_status st) { ck_assert_msg(st == DLN_OK, "status %d", (int)st); }

/* Allocations made by one call that must succeed. The comma operators
 * sequence it; Check itself allocates when it records an assertion, so the
 * status is asserted only after counting. */
#define ALLOCS(call)                                                                               \
    (mark = atomic_load(&allocations), status = (call), counted = counted_since(mark),            \
     expect_ok(status), counted)

START_TEST(wrapping_is_active)
{
    const size_t d[3] = {2, 3, 2};
    size_t a0 = atomic_load(&allocations);
    dln_net *net = NULL;
    ck_assert_ok(dln_net_create(&net, 2, d));
    ck_assert_uint_gt(counted_since(a0), 0); /* the counters see library allocations */
    dln_net_free(net);
}
END_TEST

/* Every derivative call after the first of its kind at a shape (the first
 * HVP allocates the tangents, the first residual net its weights): zero
 * allocations. */
static void assert_no_allocation(dln_loss *loss, dln_net *net, tu_rng *r)
{
    size_t n = dln_net_num_params(net), ldv = n + 3;
    double f, *g = malloc(n * sizeof *g), *theta = malloc(n * sizeof *theta);
    double *V = tu_padded(r, n, 20, ldv), *HV = malloc(ldv * 20 * sizeof *HV);
    (void)ALLOCS(dln_loss_value(loss, net, &f));
    (void)ALLOCS(dln_loss_hvp(loss, net, V, HV));
    for (int rep = 0; rep < 3; rep++) {
        ck_assert_msg(ALLOCS(dln_loss_value(loss, net, &f)) == 0, "value allocated");
        ck_assert_msg(ALLOCS(dln_loss_grad(loss, net, &f, g)) == 0, "grad allocated");
        ck_assert_msg(ALLOCS(dln_loss_grad(loss, net, NULL, g)) == 0, "grad allocated");
        ck_assert_msg(ALLOCS(dln_loss_hvp(loss, net, V, HV)) == 0, "hvp allocated");
        for (size_t k = 1; k <= 20; k++)
            ck_assert_msg(ALLOCS(dln_loss_hvp_batch(loss, net, k, V, ldv, HV, ldv)) == 0,
                          "hvp_batch with k = %zu allocated", k);
        /* new weights of the same shape: still nothing */
        ck_assert_ok(dln_net_get_params(net, theta));
        for (size_t i = 0; i < n; i++) theta[i] += 0.01 * tu_normal(r);
        ck_assert_ok(dln_net_set_params(net, theta));
    }
    free(g), free(theta), free(V), free(HV);
}

START_TEST(no_allocation_after_first_call)
{
    /* input side (d_0 <= d_L) and output side (d_0 > d_L), data and target */
    static const size_t shapes[][5] = {{3, 2, 5, 4, 6}, {3, 6, 5, 4, 2}, {1, 3, 3}, {2, 4, 1, 4}};
    tu_rng r;
    tu_seed(&r, 51);
    for (size_t s = 0; s < 4; s++)
        for (int target = 0; target < 2; target++) {
            size_t L = shapes[s][0];
            const size_t *d = shapes[s] + 1;
            dln_loss *loss = NULL;
            double *X = tu_padded(&r, d[0], 30, d[0]), *Y = tu_padded(&r, d[L], 30, d[L]);
            if (target) ck_assert_ok(dln_loss_create_target(&loss, d[L], d[0], Y, d[L]));
            else ck_assert_ok(dln_loss_create_data(&loss, d[0], d[L], 30, X, d[0], Y, d[L]));
            ck_assert_ok(dln_loss_set_l2_uniform(loss, 0.1));
            dln_net *net = tu_net(L, d, 0.5, s);
            double f;
            ck_assert_msg(ALLOCS(dln_loss_value(loss, net, &f)) > 0, "no scratch for a new shape");
            { /* a gradient holds no HVP scratch: the first HVP allocates it */
                size_t n = dln_net_num_params(net);
                double *g = malloc(n * sizeof *g), *hv = malloc(n * sizeof *hv);
                for (size_t i = 0; i < n; i++) g[i] = 1.0;
                ck_assert_msg(ALLOCS(dln_loss_grad(loss, net, &f, hv)) == 0, "grad allocated");
                ck_assert_msg(ALLOCS(dln_loss_hvp(loss, net, g, hv)) > 0, "no HVP scratch");
                free(g), free(hv);
            }
            assert_no_allocation(loss, net, &r);
            int square = 0; /* residual layers run on the loss's own scratch too */
            for (size_t l = 1; l <= L; l++)
                if (d[l] == d[l - 1]) {
                    ck_assert_ok(dln_net_set_residual(net, l, 1));
                    square = 1;
                }
            if (square) assert_no_allocation(loss, net, &r);
            if (L > 1) { /* another shape with the same ends: one allocating call, then none */
                size_t d2[6];
                for (size_t l = 0; l <= L; l++) d2[l] = d[l] + (l > 0 && l < L);
                dln_net *other = tu_net(L, d2, 0.5, 9);
                double *g = malloc(dln_net_num_params(other) * sizeof *g);
                ck_assert_msg(ALLOCS(dln_loss_grad(loss, other, &f, g)) > 0,
                              "new shape, no scratch");
                assert_no_allocation(loss, other, &r);
                free(g);
                dln_net_free(other);
            }
            free(X), free(Y);
            dln_net_free(net);
            dln_loss_free(loss);
        }
}
END_TEST

/* The landscape history columns build their workspace once per run: a run
 * of 40 iterations allocates exactly as much as one of 2, although the
 * nearest orbit type (and its block spectrum) changes along the way. */
START_TEST(history_rows_do_not_allocate)
{
    const size_t w[4] = {3, 3, 3, 3};
    const double phi[9] = {3.0, 0.2, -0.1, 0.1, 2.0, 0.3, 0.0, -0.2, 1.0};
    const dln_metric cols[3] = {DLN_METRIC_DIST, DLN_METRIC_EB_RATIO, DLN_METRIC_BALANCEDNESS};
    dln_loss *loss = NULL;
    ck_assert_ok(dln_loss_create_target(&loss, 3, 3, phi, 3));
    ck_assert_ok(dln_loss_set_l2_uniform(loss, 0.05));
    size_t n[2];
    for (int i = 0; i < 2; i++) {
        dln_opt *opt = NULL;
        dln_net *net = tu_net(3, w, 0.3, 8);
        ck_assert_ok(dln_opt_create(&opt, DLN_OPT_GD));
        ck_assert_ok(dln_opt_set_metrics(opt, 3, cols));
        ck_assert_ok(dln_opt_set_history_capacity(opt, 50));
        ck_assert_ok(dln_opt_set_step(opt, 0.1));
        ck_assert_ok(dln_opt_set_max_iter(opt, i ? 40 : 2));
        ck_assert_ok(dln_loss_value(loss, net, &(double){0})); /* the loss's scratch first */
        n[i] = ALLOCS(dln_opt_run(opt, loss, net, NULL));
        ck_assert_uint_eq(dln_opt_history_rows(opt), i ? 41 : 3);
        dln_opt_free(opt);
        dln_net_free(net);
    }
    ck_assert_msg(n[0] == n[1], "2 iterations: %zu allocations, 40: %zu", n[0], n[1]);
    dln_loss_free(loss);
}
END_TEST

/* The effective summary and sample count of a loss, to compare before and after. */
static double *snapshot(const dln_loss *loss)
{
    size_t d0 = dln_loss_input_dim(loss), dL = dln_loss_output_dim(loss);
    double *s = malloc((d0 * d0 + dL * d0 + 2) * sizeof *s);
    ck_assert_ok(dln_loss_summary(loss, s, d0, s + d0 * d0, dL, s + d0 * d0 + dL * d0));
    s[d0 * d0 + dL * d0 + 1] = (double)dln_loss_num_samples(loss);
    return s;
}

static int same_snapshot(const dln_loss *loss, const double *s)
{
    size_t n = dln_loss_input_dim(loss) * (dln_loss_input_dim(loss) + dln_loss_output_dim(loss)) + 2;
    double *t = snapshot(loss);
    int same = memcmp(s, t, n * sizeof *s) == 0;
    free(t);
    return same;
}

enum { OP_CREATE, OP_MERGE, OP_DECODE, OP_ENCODE, OP_SAVE, OP_LOAD, OP_PROGRESS, NOPS };

/* Run operation op with the (k+1)-th allocation failing. */
static dln_status run_op(int op, long k, dln_loss *dst, const dln_loss *src, dln_loss **out,
                         const unsigned char *enc, unsigned char *buf, size_t size,
                         const char *path, const double *X, const double *Y)
{
    double R[9] = {1, 0, 0, 2, 3, 0, 4, 5, 6}, C[6] = {1, 2, 3, 4, 5, 6};
    ai_arm((size_t)k + 1);
    dln_status st = DLN_OK;
    switch (op) {
    case OP_CREATE: st = dln_loss_create_summary(out, 3, 2, 7, R, 3, C, 2, 0.5, 1); break;
    case OP_MERGE: st = dln_loss_merge(dst, src); break;
    case OP_DECODE: st = dln_loss_decode(out, enc, size, NULL, 0); break;
    case OP_ENCODE: st = dln_loss_encode(src, buf, size); break;
    case OP_SAVE: st = dln_loss_save(src, path, NULL, 0); break;
    case OP_LOAD: st = dln_loss_load(out, path, NULL, 0); break;
    case OP_PROGRESS: st = dln_loss_add_samples_progress(dst, 40, X, 3, Y, 2, 7, NULL, NULL, NULL); break;
    }
    ai_disarm();
    return st;
}

START_TEST(summary_allocation_failures)
{
    tu_rng r;
    tu_seed(&r, 52);
    double *X = tu_padded(&r, 3, 40, 3), *Y = tu_padded(&r, 2, 40, 2);
    dln_loss *src = NULL;
    ck_assert_ok(dln_loss_create_data(&src, 3, 2, 40, X, 3, Y, 2));
    size_t size = dln_loss_encoded_size(src);
    unsigned char *enc = malloc(size), *buf = malloc(size);
    ck_assert_ok(dln_loss_encode(src, enc, size));
    char path[] = "/tmp/dlnet_alloc_XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert_ok(dln_loss_save(src, path, NULL, 0));
    for (int op = 0; op < NOPS; op++) {
        long k = 0;
        for (;; k++) {
            dln_loss *dst = NULL, *sentinel = (dln_loss *)&sentinel, *out = sentinel;
            ck_assert_ok(dln_loss_create_data(&dst, 3, 2, 5, X, 3, Y, 2));
            double *before = snapshot(dst);
            dln_status st = run_op(op, k, dst, src, &out, enc, buf, size, path, X, Y);
            if (st == DLN_OK) {
                if (out != sentinel) dln_loss_free(out);
                free(before);
                dln_loss_free(dst);
                break;
            }
            ck_assert_msg(st == DLN_E_NOMEM, "op %d, allocation %ld failing: status %d", op, k, (int)st);
            ck_assert_msg(out == sentinel, "op %d: *out written on failure", op);
            ck_assert_msg(same_snapshot(dst, before), "op %d: the loss changed on failure", op);
            free(before);
            dln_loss_free(dst);
        }
        ck_assert_msg(k > 0, "op %d made no allocation to fail", op);
    }
    unlink(path);
    free(enc), free(buf), free(X), free(Y);
    dln_loss_free(src);
}
END_TEST

/* The same in the threaded summary (2 library threads, fast and Householder
 * paths): DLN_E_NOMEM at each allocation, the loss unchanged, then success. */
START_TEST(threaded_summary_allocation_failures)
{
    enum { D0 = 4, DL = 2, M = 6000 };
    tu_rng r;
    tu_seed(&r, 53);
    double *X = tu_padded(&r, D0, M, D0), *Y = tu_padded(&r, DL, M, DL);
    dln_loss *loss = NULL;
    ck_assert_ok(dln_loss_create_data(&loss, D0, DL, 10, X, D0, Y, DL));
    ck_assert_ok(dln_loss_set_threads(loss, 2));
    double *before = snapshot(loss);
    dln_status st = DLN_E_NOMEM;
    long k = 0;
    for (; k < 100; k++) {
        ai_arm((size_t)k + 1);
        st = dln_loss_add_samples(loss, M, X, D0, Y, DL);
        ai_disarm();
        if (st != DLN_E_NOMEM) break;
        ck_assert_msg(same_snapshot(loss, before), "allocation %ld failing: the loss changed", k);
    }
    ck_assert_msg(st == DLN_OK && k > 1, "status %d after %ld injected failures", (int)st, k);
    ck_assert_uint_eq(dln_loss_num_samples(loss), 10 + M);
    free(before);
    dln_loss_free(loss);
    free(X), free(Y);
}
END_TEST

/* Fail allocation k = 0, 1, 2, ... of one call until the call succeeds:
 * every failure must be DLN_E_NOMEM (no crash, no other status), and the
 * loss must still work afterwards. The call is made on a fresh loss each
 * time, so that the scratch of the shape is allocated inside it too. */
typedef dln_status (*alloc_call)(dln_loss *loss, const dln_net *net, double *out);

static void every_failure_is_nomem(const char *name, alloc_call call, int target)
{
    const size_t d[4] = {3, 4, 3, 2};
    tu_rng r;
    tu_seed(&r, 77);
    double *X = tu_padded(&r, 3, 12, 3), *Y = tu_padded(&r, 2, 12, 2), out[64];
    dln_net *net = tu_net(3, d, 0.5, 3);
    for (long k = 0;; k++) {
        ck_assert_msg(k < 1000, "%s: still failing after 1000 injected failures", name);
        dln_loss *loss = NULL;
        if (target) ck_assert_ok(dln_loss_create_target(&loss, 2, 3, Y, 2));
        else ck_assert_ok(dln_loss_create_data(&loss, 3, 2, 12, X, 3, Y, 2));
        ck_assert_ok(dln_loss_set_l2_uniform(loss, 0.1));
        ai_arm((size_t)k + 1);
        dln_status st = call(loss, net, out);
        ai_disarm();
        if (st == DLN_OK) {
            ck_assert_msg(k > 0, "%s: no allocation was failed", name);
            dln_loss_free(loss);
            break;
        }
        ck_assert_msg(st == DLN_E_NOMEM, "%s, allocation %ld failed: status %d (%s)", name, k,
                      (int)st, dln_loss_errmsg(loss));
        ck_assert_ok(call(loss, net, out)); /* the loss is still usable */
        dln_loss_free(loss);
    }
    free(X), free(Y);
    dln_net_free(net);
}

static dln_status call_trace(dln_loss *loss, const dln_net *net, double *out)
{
    return dln_loss_hessian_trace(loss, net, out, out + 1, out + 4);
}

static dln_status call_estimate(dln_loss *loss, const dln_net *net, double *out)
{
    return dln_loss_hessian_trace_estimate(loss, net, 10, 1, out, out + 1);
}

static dln_status call_density(dln_loss *loss, const dln_net *net, double *out)
{
    double grid[2] = {0.0, 1.0};
    return dln_loss_hessian_density(loss, net, 9, 3, 1, out, out + 27, 0.1, 2, grid, out + 54);
}

static dln_status call_layer(dln_loss *loss, const dln_net *net, double *out)
{
    dln_status st = dln_loss_layer_eigs(loss, net, 2, 2, DLN_EIG_LARGEST, 2, 0, 0, 1, out, NULL);
    return st != DLN_OK ? st
                        : dln_loss_layer_eigs(loss, net, 1, 3, DLN_EIG_SMALLEST, 2, 0, 0, 1, out,
                                              NULL);
}

static dln_status call_deflated(dln_loss *loss, const dln_net *net, double *out)
{
    return dln_loss_hessian_eigs_deflated(loss, net, DLN_EIG_SMALLEST, 2, 0, 0, 1,
                                          DLN_EIG_FORCE_ITERATIVE, out, NULL, 0, NULL, NULL);
}

static dln_status call_rate(dln_loss *loss, const dln_net *net, double *out)
{
    dln_rate_report rep;
    rep.struct_size = sizeof rep;
    dln_status st = dln_loss_gd_rate(loss, net, 0.0, 0, 0, 1, 0, &rep);
    out[0] = rep.rho;
    return st;
}

START_TEST(spectrum_allocation_failures)
{
    for (int target = 0; target < 2; target++) {
        every_failure_is_nomem("dln_loss_hessian_trace", call_trace, target);
        every_failure_is_nomem("dln_loss_hessian_trace_estimate", call_estimate, target);
        every_failure_is_nomem("dln_loss_hessian_density", call_density, target);
        every_failure_is_nomem("dln_loss_layer_eigs", call_layer, target);
        every_failure_is_nomem("dln_loss_hessian_eigs_deflated", call_deflated, target);
        every_failure_is_nomem("dln_loss_gd_rate", call_rate, target);
    }
}
END_TEST

Suite *suite_alloc(void)
{
    Suite *s = suite_create("alloc");
    TCase *tc = tcase_create("alloc");
    tcase_set_timeout(tc, 60); /* the injection loop on a loaded machine */
    tcase_add_test(tc, wrapping_is_active);
    tcase_add_test(tc, no_allocation_after_first_call);
    tcase_add_test(tc, history_rows_do_not_allocate);
    tcase_add_test(tc, spectrum_allocation_failures);
    tcase_add_test(tc, summary_allocation_failures);
    tcase_add_test(tc, threaded_summary_allocation_failures);
    suite_add_tcase(s, tc);
    return s;
}
