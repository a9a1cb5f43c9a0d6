/* check_defects.c - regression tests of the defects of issue 10 (items 1-9)
 * and of later ones (10), one test each; every one fails (or, for the memory errors, is reported by
 * `make asan`) without its fix. */
#define _POSIX_C_SOURCE 200809L /* dup, dup2, fileno (item 8) */
#include "linalg.h" /* la_fro (item 9), the LAPACK wrappers (item 8) */
#include "testutil.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Item 1: widths {1, 1, 1}, target 2, lam 0.01. The Mirsky sort of the
 * distance wrote 2r doubles into a dmax * dmin = 1 block. */
START_TEST(distance_all_widths_one)
{
    const size_t w[3] = {1, 1, 1};
    const double phi = 2.0;
    dln_loss *loss = NULL;
    dln_landscape *ls = NULL;
    ck_assert_ok(dln_loss_create_target(&loss, 1, 1, &phi, 1));
    ck_assert_ok(dln_loss_set_l2_uniform(loss, 0.01));
    ck_assert_ok(dln_landscape_create(&ls, loss, 2, w));
    dln_net *net = NULL;
    ck_assert_ok(dln_net_create(&net, 2, w));
    const double theta[2] = {1.3, 1.3};
    ck_assert_ok(dln_net_set_params(net, theta));
    dln_dist_report rep = {.struct_size = sizeof rep};
    ck_assert_ok(dln_landscape_distance(ls, net, &rep, NULL, NULL));
    /* scalar case: critical points w1 = w2 = s with s^2 = 2 - 0.01 (product
     * 1.99 at the matched root), or 0; 1.3 is 0.11 from sqrt(1.99) */
    double s = sqrt(1.99), ref = sqrt(2.0) * fabs(1.3 - s);
    ck_assert_msg(fabs(rep.dist - ref) <= 1e-8, "dist %.17g, expected %.17g", rep.dist, ref);
    ck_assert(rep.dist_lower <= rep.dist * (1 + 1e-12));
    /* the same through the optimizer's DIST and EB_RATIO columns */
    dln_opt *opt = NULL;
    const dln_metric cols[2] = {DLN_METRIC_DIST, DLN_METRIC_EB_RATIO};
    double H[2 * 4];
    ck_assert_ok(dln_opt_create(&opt, DLN_OPT_GD));
    ck_assert_ok(dln_opt_set_metrics(opt, 2, cols));
    ck_assert_ok(dln_opt_set_max_iter(opt, 3));
    ck_assert_ok(dln_opt_set_step(opt, 0.05));
    ck_assert_ok(dln_opt_run_history(opt, loss, net, H, 4, 4, NULL));
    ck_assert(isfinite(H[0]) && fabs(H[0] - ref) <= 1e-8);
    dln_opt_free(opt);
    dln_net_free(net);
    dln_landscape_free(ls);
    dln_loss_free(loss);
}
END_TEST

/* Items 2 and 3: leading dimensions whose element count fits size_t but
 * whose byte offset wraps. Each call must return DLN_E_OVERFLOW before
 * touching an array; the buffers are small and stay byte-identical. */
#define HUGE_LD (SIZE_MAX / 2)

static void expect_overflow(dln_status st, const char *what)
{
    ck_assert_msg(st == DLN_E_OVERFLOW, "%s: status %d (%s)", what, (int)st, dln_strerror(st));
}

START_TEST(byte_overflow_loss)
{
    double X[4] = {1, 2, 3, 4}, Y[4] = {1, 2, 3, 4}, X0[4], Y0[4];
    memcpy(X0, X, sizeof X), memcpy(Y0, Y, sizeof Y);
    dln_loss *loss = NULL;
    expect_overflow(dln_loss_create_data(&loss, 1, 1, 2, X, HUGE_LD, Y, 1), "create_data X");
    expect_overflow(dln_loss_create_data(&loss, 1, 1, 2, X, 1, Y, HUGE_LD), "create_data Y");
    ck_assert_ptr_null(loss);
    ck_assert_ok(dln_loss_create_data(&loss, 1, 1, 2, X, 1, Y, 1));
    double R0, C0, r00, R1, C1, r01;
    ck_assert_ok(dln_loss_summary(loss, &R0, 1, &C0, 1, &r00));
    expect_overflow(dln_loss_add_samples(loss, 2, X, HUGE_LD, Y, 1), "add_samples X");
    expect_overflow(dln_loss_add_samples(loss, 2, X, 1, Y, HUGE_LD), "add_samples Y");
    ck_assert_int_eq(dln_loss_num_samples(loss), 2);
    ck_assert_ok(dln_loss_summary(loss, &R1, 1, &C1, 1, &r01));
    ck_assert(R0 == R1 && C0 == C1 && r00 == r01);
    /* item 3: ldr beyond the BLAS range, ldc wrapping */
    double big[4] = {7, 7, 7, 7};
    expect_overflow(dln_loss_summary(loss, big, (size_t)1 << 31, NULL, 1, NULL), "summary ldr");
    expect_overflow(dln_loss_summary(loss, NULL, 1, big, HUGE_LD, NULL), "summary ldc");
    for (int i = 0; i < 4; i++) ck_assert(big[i] == 7);
    ck_assert(!memcmp(X, X0, sizeof X) && !memcmp(Y, Y0, sizeof Y));
    dln_loss_free(loss);
}
END_TEST

START_TEST(byte_overflow_hvp)
{
    const size_t w[2] = {1, 1};
    double one = 1.0, V[4] = {1, 1, 1, 1}, HV[4] = {5, 5, 5, 5};
    dln_loss *loss = NULL;
    dln_net *net = NULL;
    ck_assert_ok(dln_loss_create_target(&loss, 1, 1, &one, 1));
    ck_assert_ok(dln_net_create(&net, 1, w));
    expect_overflow(dln_loss_hvp_batch(loss, net, 2, V, HUGE_LD, HV, 1), "hvp_batch V");
    expect_overflow(dln_loss_hvp_batch(loss, net, 2, V, 1, HV, HUGE_LD), "hvp_batch HV");
    for (int i = 0; i < 4; i++) ck_assert(HV[i] == 5 && V[i] == 1);
    dln_net_free(net);
    dln_loss_free(loss);
}
END_TEST

START_TEST(byte_overflow_history)
{
    const size_t w[2] = {1, 1};
    const dln_metric cols[2] = {DLN_METRIC_LOSS, DLN_METRIC_GRAD_NORM};
    double one = 1.0, H[4] = {5, 5, 5, 5};
    dln_loss *loss = NULL;
    dln_net *net = NULL;
    dln_opt *opt = NULL;
    ck_assert_ok(dln_loss_create_target(&loss, 1, 1, &one, 1));
    ck_assert_ok(dln_net_create(&net, 1, w));
    ck_assert_ok(dln_opt_create(&opt, DLN_OPT_GD));
    ck_assert_ok(dln_opt_set_metrics(opt, 2, cols));
    ck_assert_ok(dln_opt_set_max_iter(opt, 1));
    expect_overflow(dln_opt_run_history(opt, loss, net, H, HUGE_LD, 2, NULL), "run_history");
    ck_assert_ok(dln_opt_set_history_capacity(opt, 2));
    ck_assert_ok(dln_opt_run(opt, loss, net, NULL));
    ck_assert_uint_eq(dln_opt_history_rows(opt), 2);
    expect_overflow(dln_opt_history(opt, H, HUGE_LD), "get_history");
    for (int i = 0; i < 4; i++) ck_assert(H[i] == 5);
    dln_opt_free(opt);
    dln_net_free(net);
    dln_loss_free(loss);
}
END_TEST

/* Item 5: finite weights whose product overflows (1e150 per layer, depth 3)
 * give DLN_E_NONFINITE, as the loss functions do, not DLN_OK with Inf. */
START_TEST(product_overflow)
{
    const size_t w[4] = {2, 2, 2, 2};
    dln_net *net = NULL;
    ck_assert_ok(dln_net_create(&net, 3, w));
    ck_assert_ok(dln_net_init_identity(net, 1e150));
    double P[4], X[2] = {1, 1}, Y[2];
    ck_assert_int_eq(dln_net_end_to_end(net, P, 2), DLN_E_NONFINITE);
    ck_assert_int_eq(dln_net_product(net, 3, 1, P, 2), DLN_E_NONFINITE);
    ck_assert_int_eq(dln_net_forward(net, 1, X, 2, Y, 2), DLN_E_NONFINITE);
    ck_assert_ok(dln_net_product(net, 1, 1, P, 2)); /* one layer: finite */
    ck_assert(P[0] == 1e150 && P[1] == 0.0);
    ck_assert_ok(dln_net_init_identity(net, 1e100)); /* 1e300: still finite */
    ck_assert_ok(dln_net_end_to_end(net, P, 2));
    ck_assert(P[0] == 1e300);
    dln_net_free(net);
}
END_TEST

/* Item 6 (reported by `make asan`): memcpy from a NULL pattern on a depth-1
 * landscape (nv = 0), and NULL + offset in dln_opt_history without a
 * history. */
START_TEST(null_pointer_arithmetic)
{
    const size_t w[2] = {2, 2};
    const double phi[4] = {1, 0, 0, 2};
    dln_loss *loss = NULL;
    dln_landscape *ls = NULL;
    dln_net *net = NULL;
    ck_assert_ok(dln_loss_create_target(&loss, 2, 2, phi, 2));
    ck_assert_ok(dln_landscape_create(&ls, loss, 1, w));
    ck_assert_ok(dln_net_create(&net, 1, w));
    ck_assert_ok(dln_net_set_params(net, phi));
    int pattern[2] = {-7, -7};
    dln_class_report rep = {.struct_size = sizeof rep};
    ck_assert_ok(dln_landscape_classify(ls, net, DLN_METHOD_AUTO, &rep, pattern, NULL));
    ck_assert_int_eq(rep.cls, DLN_CLASS_GLOBAL_MIN);
    ck_assert(pattern[0] == -7 && pattern[1] == -7); /* nv = 0 entries written */
    dln_opt *opt = NULL;
    double H[2] = {5, 5};
    ck_assert_ok(dln_opt_create(&opt, DLN_OPT_GD));
    ck_assert_uint_eq(dln_opt_history_rows(opt), 0);
    ck_assert_ok(dln_opt_history(opt, H, 1));
    ck_assert(H[0] == 5 && H[1] == 5);
    dln_opt_free(opt);
    dln_net_free(net);
    dln_landscape_free(ls);
    dln_loss_free(loss);
}
END_TEST

/* Item 9: la_fro of a padded matrix is scaled: entries 1e200 give 2e200,
 * not Inf from the squared column norms. */
START_TEST(fro_padded_scaled)
{
    const double A[6] = {1e200, 1e200, NAN, 1e200, 1e200, NAN}; /* 2 x 2, lda 3 */
    ck_assert(fabs(la_fro(2, 2, A, 3) - 2e200) <= 1e-15 * 2e200);
    const double B[6] = {3e-200, 0, NAN, 0, 4e-200, NAN}; /* no underflow either */
    ck_assert(fabs(la_fro(2, 2, B, 3) - 5e-200) <= 1e-15 * 5e-200);
}
END_TEST

/* Item 7: a run or step that fails at the starting point (finite weights
 * 1e200, the loss overflows) leaves the optimizer as an argument error does:
 * same report, history, history rows; a later step continues. */
static void expect_same_opt(const dln_opt *opt, const dln_opt_report *rep0, const double *H0,
                            size_t rows0, const char *what)
{
    dln_opt_report rep = {.struct_size = sizeof rep};
    double H[2 * 8];
    ck_assert_ok(dln_opt_get_report(opt, &rep));
    rep.elapsed = rep0->elapsed; /* after steps: read from the clock */
    ck_assert_msg(!memcmp(&rep, rep0, sizeof rep), "%s changed the report", what);
    ck_assert_msg(dln_opt_history_rows(opt) == rows0, "%s changed the history rows", what);
    ck_assert_ok(dln_opt_history(opt, H, 8));
    for (size_t c = 0; c < 2; c++)
        ck_assert_msg(!memcmp(H + c * 8, H0 + c * 8, rows0 * sizeof *H), "%s changed the history",
                      what);
}

START_TEST(opt_failed_start_keeps_state)
{
    const size_t w[4] = {2, 2, 2, 2};
    const double phi[4] = {1, 0, 0, 2};
    const dln_metric cols[2] = {DLN_METRIC_LOSS, DLN_METRIC_GRAD_NORM};
    for (int kind = DLN_OPT_GD; kind <= DLN_OPT_LBFGS_ESCAPE; kind++) {
        dln_loss *loss = NULL;
        dln_net *net = NULL, *huge = NULL;
        dln_opt *opt = NULL;
        ck_assert_ok(dln_loss_create_target(&loss, 2, 2, phi, 2));
        ck_assert_ok(dln_net_create(&net, 3, w));
        ck_assert_ok(dln_net_init_identity(net, 0.9));
        ck_assert_ok(dln_net_create(&huge, 3, w));
        ck_assert_ok(dln_net_init_identity(huge, 1e200)); /* finite; F overflows */
        ck_assert_ok(dln_opt_create(&opt, (dln_opt_kind)kind));
        ck_assert_ok(dln_opt_set_metrics(opt, 2, cols));
        ck_assert_ok(dln_opt_set_history_capacity(opt, 8));
        ck_assert_ok(dln_opt_set_max_iter(opt, 3));
        ck_assert_ok(dln_opt_set_step(opt, 0.01));
        ck_assert_ok(dln_opt_run(opt, loss, net, NULL));
        dln_stop stop;
        ck_assert_ok(dln_opt_step(opt, loss, net, &stop)); /* live on net */
        dln_opt_report rep0 = {.struct_size = sizeof rep0};
        double H0[2 * 8], theta0[12], theta[12];
        ck_assert_ok(dln_opt_get_report(opt, &rep0));
        size_t rows0 = dln_opt_history_rows(opt);
        ck_assert_uint_eq(rows0, 4);
        ck_assert_ok(dln_opt_history(opt, H0, 8));
        ck_assert_ok(dln_net_get_params(huge, theta0));
        /* an argument error and a failed start: the same observable state */
        ck_assert_int_eq(dln_opt_run(opt, NULL, net, NULL), DLN_E_NULL);
        expect_same_opt(opt, &rep0, H0, rows0, "an argument error");
        ck_assert_int_eq(dln_opt_run(opt, loss, huge, NULL), DLN_E_NONFINITE);
        expect_same_opt(opt, &rep0, H0, rows0, "a failed run");
        ck_assert_int_eq(dln_opt_step(opt, loss, huge, &stop), DLN_E_NONFINITE);
        expect_same_opt(opt, &rep0, H0, rows0, "a failed step");
        ck_assert_ok(dln_net_get_params(huge, theta));
        ck_assert(!memcmp(theta, theta0, sizeof theta));
        /* the state on net continues: the next step counts on from rep0 */
        ck_assert_ok(dln_opt_step(opt, loss, net, &stop));
        dln_opt_report rep = {.struct_size = sizeof rep};
        ck_assert_ok(dln_opt_get_report(opt, &rep));
        ck_assert_uint_eq(rep.iterations, rep0.iterations + 1);
        dln_opt_free(opt);
        dln_net_free(net), dln_net_free(huge);
        dln_loss_free(loss);
    }
}
END_TEST

/* Item 8: no LAPACK driver is reached with a NaN or Inf (its error handler
 * prints "On entry to DLASCL parameter number 4 had an illegal value"): the
 * wrappers return LA_NONFINITE and nothing is printed. */
static long output_of(void (*fn)(void))
{
    fflush(stdout), fflush(stderr);
    FILE *tmp = tmpfile();
    ck_assert_ptr_nonnull(tmp);
    int fd = fileno(tmp), o1 = dup(1), o2 = dup(2);
    dup2(fd, 1), dup2(fd, 2);
    fn();
    fflush(stdout), fflush(stderr);
    dup2(o1, 1), dup2(o2, 2);
    close(o1), close(o2);
    long n = (long)lseek(fd, 0, SEEK_END);
    fclose(tmp);
    return n;
}

static int lapack_rc[12];

/* A 6 x 4 matrix (lda 6) with one Inf (k = 0) or a NaN (k = 1) on the
 * diagonal, which every driver reads. */
static void bad_matrix(double *A, int k)
{
    for (int i = 0; i < 24; i++) A[i] = 0.1 * (double)((i * 7) % 11) - 0.4;
    A[1 + 1 * 6] = k ? NAN : INFINITY;
}

static void call_drivers(void)
{
    double A[24], B[24], R[16], s[4], U[24], VT[16], w[4], Z[24], q, work[4096];
    for (int k = 0; k < 2; k++) {
        int *rc = lapack_rc + 6 * k;
        bad_matrix(A, k);
        rc[0] = la_svd(6, 4, A, 6, s, NULL, 1, NULL, 1);
        rc[1] = la_svd_ws(6, 4, A, 6, s, U, 6, VT, 4, work, la_svd_wsize(6, 4, 1));
        rc[2] = la_syev(4, A, 6, w, Z, 4) + 10 * la_norm2(6, 4, A, 6, &q);
        rc[3] = la_syevr_ws(4, A, 6, 1, 2, w, Z, 4, work) + 10 * la_qr_q(6, 4, A, 6, NULL);
        rc[4] = la_polar_ws(6, 4, A, 6, Z, 6, work, la_polar_wsize(6, 4));
        bad_matrix(B, k);
        memset(R, 0, sizeof R);
        for (int i = 0; i < 4; i++) R[i + 4 * i] = 1.0;
        rc[5] = la_tpqrt(6, 4, R, 4, B, 6, work);
    }
}

START_TEST(lapack_never_sees_nonfinite)
{
    ck_assert_msg(output_of(call_drivers) == 0, "LAPACK printed");
    for (int i = 0; i < 12; i++) {
        int want = i % 6 == 2 || i % 6 == 3 ? 11 * LA_NONFINITE : LA_NONFINITE;
        ck_assert_msg(lapack_rc[i] == want, "wrapper %d returned %d", i, lapack_rc[i]);
    }
    /* through the API: finite data whose sums of squares overflow */
    double X[4] = {1e300, -1e300, 1e300, 1e300}, Y[2] = {1e300, -1e300};
    dln_loss *loss = NULL;
    ck_assert_int_eq(dln_loss_create_data(&loss, 2, 1, 2, X, 2, Y, 1), DLN_E_NONFINITE);
    ck_assert_ptr_null(loss);
}
END_TEST

/* 10. An HVP written over its own direction (hv == v, which 0.1.0
 * computed correctly) read directions it had already overwritten: the
 * sweeps read the first layers of a direction after writing its output.
 * Full path on both sides, cached and new chains, a batch of three, and a
 * bottleneck net on the factored path. */
static void hvp_in_place(size_t L, const size_t *d, size_t k, int cached)
{
    size_t d0 = d[0], dL = d[L], m = 3 * d0 + 4, n = 0;
    for (size_t l = 1; l <= L; l++) n += d[l] * d[l - 1];
    tu_rng r;
    tu_seed(&r, 10 + L + k);
    double *X = malloc(d0 * m * sizeof *X), *Y = malloc(dL * m * sizeof *Y);
    double *V = malloc(n * k * sizeof *V), *H = malloc(n * k * sizeof *H), *g = malloc(n * sizeof *g);
    tu_fill(&r, d0 * m, X), tu_fill(&r, dL * m, Y), tu_fill(&r, n * k, V);
    dln_loss *loss = NULL;
    dln_net *net = tu_net(L, d, 0.5, 3);
    ck_assert_ok(dln_loss_create_data(&loss, d0, dL, m, X, d0, Y, dL));
    ck_assert_ok(dln_loss_set_l2_uniform(loss, 0.1));
    ck_assert_ok(dln_loss_hvp_batch(loss, net, k, V, n, H, n)); /* out of place */
    dln_loss *fresh = NULL; /* no chains cached: the in-place call forms them */
    ck_assert_ok(dln_loss_create_data(&fresh, d0, dL, m, X, d0, Y, dL));
    ck_assert_ok(dln_loss_set_l2_uniform(fresh, 0.1));
    double v;
    if (cached) ck_assert_ok(dln_loss_grad(fresh, net, &v, g));
    ck_assert_ok(dln_loss_hvp_batch(fresh, net, k, V, n, V, n)); /* in place */
    dln_loss_free(fresh);
    ck_assert_msg(tu_maxdiff(n * k, V, H) <= 1e-13 * tu_maxabs(n * k, H),
                  "in-place HVP differs by %g (L = %zu, k = %zu, cached %d)", tu_maxdiff(n * k, V, H),
                  L, k, cached);
    dln_loss_free(loss), dln_net_free(net);
    free(X), free(Y), free(V), free(H), free(g);
}

START_TEST(hvp_over_its_direction)
{
    const size_t input[4] = {4, 5, 6, 7}, output[4] = {7, 6, 5, 4}, neck[3] = {64, 2, 64};
    for (int cached = 0; cached < 2; cached++) {
        hvp_in_place(3, input, 1, cached), hvp_in_place(3, input, 3, cached);
        hvp_in_place(3, output, 1, cached), hvp_in_place(3, output, 3, cached);
        hvp_in_place(2, neck, 1, cached), hvp_in_place(2, neck, 3, cached);
    }
}
END_TEST

Suite *suite_defects(void)
{
    Suite *s = suite_create("defects");
    TCase *tc = tcase_create("defects");
    tcase_add_test(tc, distance_all_widths_one);
    tcase_add_test(tc, byte_overflow_loss);
    tcase_add_test(tc, byte_overflow_hvp);
    tcase_add_test(tc, byte_overflow_history);
    tcase_add_test(tc, product_overflow);
    tcase_add_test(tc, null_pointer_arithmetic);
    tcase_add_test(tc, fro_padded_scaled);
    tcase_add_test(tc, opt_failed_start_keeps_state);
    tcase_add_test(tc, lapack_never_sees_nonfinite);
    tcase_add_test(tc, hvp_over_its_direction);
    suite_add_tcase(s, tc);
    return s;
}
