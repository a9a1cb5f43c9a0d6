/* check_errors.c - every error path of the public API (suite "errors").
 *
 * For each function: the documented status for NULL pointers, bad
 * dimensions and indices, leading dimensions too small, sizes beyond the
 * BLAS integer range, non-finite inputs and out-of-range options; a specific
 * detail message on the handle that the function modifies; and nothing
 * written on failure (outputs, handles and inputs compared byte for byte with
 * a snapshot). Strided arrays padded with NaN are accepted, give the same
 * result as compact arrays, and their padding is neither read (the results
 * stay finite) nor written (it stays NaN).
 *
 * The Hessian eigensolver is tested in its own suite. */
#include "testutil.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One past the BLAS integer range: every dimension and ld must stay below. */
#define BIG ((size_t)INT_MAX + 1)

/* The standard fixture: widths 3 -> 4 -> 5 -> 2 (n = 42) and 7 samples. */
enum { L = 3, D0 = 3, DL = 2, NP = 42, M = 7 };
static const size_t widths[L + 1] = {D0, 4, 5, DL};

#define ck_assert_status(expr, code)                                                    \
    do {                                                                                \
        dln_status st_ = (expr);                                                        \
        ck_assert_msg(st_ == (code), "%s -> %d (%s), expected %d (%s)", #expr, (int)st_, \
                      dln_strerror(st_), (int)(code), dln_strerror(code));              \
    } while (0)

/* The handle's detail message exists and names the problem. */
static void expect_msg(const char *msg, const char *needle)
{
    ck_assert_ptr_nonnull(msg);
    ck_assert_msg(strstr(msg, needle) != NULL, "message \"%s\" does not mention \"%s\"", msg,
                  needle);
}

#define NET_FAILS(net, expr, code, needle)        \
    do {                                          \
        ck_assert_status(expr, code);             \
        expect_msg(dln_net_errmsg(net), needle);  \
    } while (0)

#define LOSS_FAILS(loss, expr, code, needle)       \
    do {                                           \
        ck_assert_status(expr, code);              \
        expect_msg(dln_loss_errmsg(loss), needle); \
    } while (0)

/* A heap copy of n doubles (a snapshot to compare against). */
static double *dup(size_t n, const double *x)
{
    double *c = malloc((n ? n : 1) * sizeof *c);
    ck_assert_ptr_nonnull(c);
    memcpy(c, x, n * sizeof *c);
    return c;
}

static void assert_same(size_t n, const double *a, const double *b)
{
    ck_assert_msg(memcmp(a, b, n * sizeof *a) == 0, "array changed");
}

/* n doubles of a recognizable pattern, for outputs that must stay untouched. */
static double *sentinel(size_t n)
{
    double *x = malloc((n ? n : 1) * sizeof *x);
    ck_assert_ptr_nonnull(x);
    for (size_t i = 0; i < n; i++) x[i] = -1234.5 - (double)i;
    return x;
}

static void assert_sentinel(size_t n, const double *x)
{
    for (size_t i = 0; i < n; i++) ck_assert_msg(x[i] == -1234.5 - (double)i, "output %zu written", i);
}

/* The weights of a net, to check that a failed call left it unchanged. */
static double *params(const dln_net *net)
{
    double *t = malloc((dln_net_num_params(net) + 1) * sizeof *t);
    ck_assert_ptr_nonnull(t);
    ck_assert_ok(dln_net_get_params(net, t));
    return t;
}

static void assert_params(const dln_net *net, const double *saved)
{
    double *t = params(net);
    assert_same(dln_net_num_params(net), t, saved);
    free(t);
}

static dln_net *fixture_net(uint64_t seed) { return tu_net(L, widths, 0.7, seed); }

static double *random_array(size_t n, uint64_t seed)
{
    tu_rng r;
    tu_seed(&r, seed);
    double *x = malloc((n ? n : 1) * sizeof *x);
    ck_assert_ptr_nonnull(x);
    tu_fill(&r, n, x);
    return x;
}

static dln_loss *fixture_loss(const double *X, const double *Y)
{
    dln_loss *loss = NULL;
    ck_assert_ok(dln_loss_create_data(&loss, D0, DL, M, X, D0, Y, DL));
    return loss;
}

/* Everything observable about a loss, to check that a failed call left it unchanged. */
typedef struct loss_state {
    size_t m;
    int mean;
    double R[D0 * D0], C[DL * D0], r0, lam[L];
    dln_status lam_status;
} loss_state;

static void loss_state_get(const dln_loss *loss, loss_state *s)
{
    memset(s, 0, sizeof *s);
    s->m = dln_loss_num_samples(loss);
    s->mean = dln_loss_get_mean(loss);
    ck_assert_ok(dln_loss_summary(loss, s->R, D0, s->C, DL, &s->r0));
    s->lam_status = dln_loss_get_l2(loss, L, s->lam);
}

static void assert_loss_state(const dln_loss *loss, const loss_state *saved)
{
    loss_state now;
    loss_state_get(loss, &now);
    ck_assert_uint_eq(now.m, saved->m);
    ck_assert_int_eq(now.mean, saved->mean);
    ck_assert_int_eq(now.lam_status, saved->lam_status);
    assert_same(D0 * D0, now.R, saved->R);
    assert_same(DL * D0, now.C, saved->C);
    assert_same(1, &now.r0, &saved->r0);
    assert_same(L, now.lam, saved->lam);
}

/* ---- status texts and versions ------------------------------------------ */

START_TEST(status_texts)
{
    const char *unknown = dln_strerror((dln_status)1000);
    ck_assert_ptr_nonnull(unknown);
    ck_assert_uint_gt(strlen(unknown), 0);
    ck_assert_str_eq(dln_strerror((dln_status)-1), unknown);
    ck_assert_str_eq(dln_strerror((dln_status)(DLN_E_FORMAT + 1)), unknown);
    for (int a = DLN_OK; a <= DLN_E_FORMAT; a++) {
        const char *ta = dln_strerror((dln_status)a);
        ck_assert_ptr_nonnull(ta);
        ck_assert_uint_gt(strlen(ta), 0);
        ck_assert_str_ne(ta, unknown);
        for (int b = DLN_OK; b < a; b++) ck_assert_str_ne(ta, dln_strerror((dln_status)b));
    }
    /* the values are ABI: they never change */
    ck_assert_int_eq(DLN_E_NULL, 1);
    ck_assert_int_eq(DLN_E_OVERFLOW, 5);
    ck_assert_int_eq(DLN_E_UNSUPPORTED, 11);
    ck_assert_int_eq(DLN_E_IO, 12);
    ck_assert_int_eq(DLN_E_FORMAT, 13);
}
END_TEST

START_TEST(versions)
{
    ck_assert_int_eq(dln_version_major(), DLN_VERSION_MAJOR);
    ck_assert_int_eq(dln_version_minor(), DLN_VERSION_MINOR);
    ck_assert_int_eq(dln_version_patch(), DLN_VERSION_PATCH);
    ck_assert_str_eq(dln_version_string(), DLN_VERSION_STRING);
    char buf[64];
    snprintf(buf, sizeof buf, "%d.%d.%d", DLN_VERSION_MAJOR, DLN_VERSION_MINOR, DLN_VERSION_PATCH);
    ck_assert_str_eq(DLN_VERSION_STRING, buf);
}
END_TEST

/* ---- network handle ----------------------------------------------------- */

START_TEST(net_create)
{
    dln_net *const mark = (dln_net *)&widths; /* any non-NULL value */
    dln_net *net = mark;
    size_t w[L + 1];
    ck_assert_status(dln_net_create(NULL, L, widths), DLN_E_NULL);
    ck_assert_status(dln_net_create(&net, L, NULL), DLN_E_NULL);
    ck_assert_status(dln_net_create(&net, 0, widths), DLN_E_DIM);
    for (size_t l = 0; l <= L; l++) {
        memcpy(w, widths, sizeof w);
        w[l] = 0;
        ck_assert_status(dln_net_create(&net, L, w), DLN_E_DIM);
        w[l] = BIG;
        ck_assert_status(dln_net_create(&net, L, w), DLN_E_OVERFLOW);
    }
    /* every width fits, but n = INT_MAX^2 doubles exceed the address range */
    const size_t huge[2] = {INT_MAX, INT_MAX};
    ck_assert_status(dln_net_create(&net, 1, huge), DLN_E_OVERFLOW);
    /* depth + 1 widths cannot even be counted */
    ck_assert_status(dln_net_create(&net, SIZE_MAX, widths), DLN_E_OVERFLOW);
    ck_assert_ptr_eq(net, mark);

    dln_net *src = fixture_net(1);
    ck_assert_status(dln_net_copy(NULL, src), DLN_E_NULL);
    ck_assert_status(dln_net_copy(&net, NULL), DLN_E_NULL);
    ck_assert_ptr_eq(net, mark);
    dln_net_free(src);
    dln_net_free(NULL);
}
END_TEST

START_TEST(net_queries)
{
    ck_assert_uint_eq(dln_net_depth(NULL), 0);
    ck_assert_uint_eq(dln_net_width(NULL, 0), 0);
    ck_assert_uint_eq(dln_net_num_params(NULL), 0);
    ck_assert_uint_eq(dln_net_layer_offset(NULL, 1), (size_t)-1);
    ck_assert_uint_gt(strlen(dln_net_errmsg(NULL)), 0);
    dln_net *net = fixture_net(2);
    ck_assert_uint_eq(dln_net_width(net, L + 1), 0);
    ck_assert_uint_eq(dln_net_layer_offset(net, 0), (size_t)-1);
    ck_assert_uint_eq(dln_net_layer_offset(net, L + 1), NP);
    ck_assert_uint_eq(dln_net_layer_offset(net, L + 2), (size_t)-1);
    ck_assert_str_eq(dln_net_errmsg(net), ""); /* no failure yet */
    dln_net_free(net);
}
END_TEST

START_TEST(net_set_layer)
{
    dln_net *net = fixture_net(3);
    double *saved = params(net), *W = random_array(64, 4), *W0 = dup(64, W);
    ck_assert_status(dln_net_set_layer(NULL, 1, W, 4, DLN_COL_MAJOR), DLN_E_NULL);
    NET_FAILS(net, dln_net_set_layer(net, 1, NULL, 4, DLN_COL_MAJOR), DLN_E_NULL, "NULL");
    NET_FAILS(net, dln_net_set_layer(net, 0, W, 4, DLN_COL_MAJOR), DLN_E_DIM, "layer index 0");
    NET_FAILS(net, dln_net_set_layer(net, L + 1, W, 4, DLN_COL_MAJOR), DLN_E_DIM, "layer index 4");
    NET_FAILS(net, dln_net_set_layer(net, 2, W, 5, (dln_layout)2), DLN_E_RANGE, "layout 2");
    /* layer 2 is 5 x 4: col-major needs ld >= 5, row-major ld >= 4 */
    NET_FAILS(net, dln_net_set_layer(net, 2, W, 4, DLN_COL_MAJOR), DLN_E_LD, "ld = 4 is below 5");
    NET_FAILS(net, dln_net_set_layer(net, 2, W, 3, DLN_ROW_MAJOR), DLN_E_LD, "ld = 3 is below 4");
    NET_FAILS(net, dln_net_set_layer(net, 2, W, BIG, DLN_COL_MAJOR), DLN_E_OVERFLOW, "BLAS range");
    for (int layout = 0; layout < 2; layout++) {
        W[19] = layout ? NAN : INFINITY; /* the last entry of a compact 5 x 4 matrix */
        NET_FAILS(net, dln_net_set_layer(net, 2, W, layout ? 4 : 5, (dln_layout)layout),
                  DLN_E_NONFINITE, "layer 2 has a NaN");
        W[19] = W0[19];
    }
    assert_params(net, saved);
    assert_same(64, W, W0);
    free(saved), free(W), free(W0);
    dln_net_free(net);
}
END_TEST

START_TEST(net_get_layer)
{
    dln_net *net = fixture_net(5);
    ck_assert_status(dln_net_set_layer(net, 0, NULL, 0, DLN_COL_MAJOR), DLN_E_NULL);
    char before[256];
    snprintf(before, sizeof before, "%s", dln_net_errmsg(net));
    double *saved = params(net), *out = sentinel(64);
    ck_assert_status(dln_net_get_layer(NULL, 1, out, 4, DLN_COL_MAJOR), DLN_E_NULL);
    ck_assert_status(dln_net_get_layer(net, 1, NULL, 4, DLN_COL_MAJOR), DLN_E_NULL);
    ck_assert_status(dln_net_get_layer(net, 0, out, 4, DLN_COL_MAJOR), DLN_E_DIM);
    ck_assert_status(dln_net_get_layer(net, L + 1, out, 4, DLN_COL_MAJOR), DLN_E_DIM);
    ck_assert_status(dln_net_get_layer(net, 2, out, 5, (dln_layout)-1), DLN_E_RANGE);
    ck_assert_status(dln_net_get_layer(net, 2, out, 4, DLN_COL_MAJOR), DLN_E_LD);
    ck_assert_status(dln_net_get_layer(net, 2, out, 3, DLN_ROW_MAJOR), DLN_E_LD);
    ck_assert_status(dln_net_get_layer(net, 2, out, BIG, DLN_ROW_MAJOR), DLN_E_OVERFLOW);
    assert_sentinel(64, out);
    assert_params(net, saved);
    /* a const net reports through the status alone: its message is unchanged */
    ck_assert_str_eq(dln_net_errmsg(net), before);
    free(saved), free(out);
    dln_net_free(net);
}
END_TEST

START_TEST(net_params)
{
    dln_net *net = fixture_net(6);
    double *saved = params(net), *theta = random_array(NP, 7), *theta0 = dup(NP, theta);
    ck_assert_status(dln_net_set_params(NULL, theta), DLN_E_NULL);
    NET_FAILS(net, dln_net_set_params(net, NULL), DLN_E_NULL, "theta is NULL");
    theta[NP - 1] = NAN;
    NET_FAILS(net, dln_net_set_params(net, theta), DLN_E_NONFINITE, "theta[41]");
    theta[NP - 1] = theta0[NP - 1];
    theta[0] = -INFINITY;
    NET_FAILS(net, dln_net_set_params(net, theta), DLN_E_NONFINITE, "theta[0]");
    theta[0] = theta0[0];
    assert_params(net, saved);
    assert_same(NP, theta, theta0);
    double *out = sentinel(NP);
    ck_assert_status(dln_net_get_params(NULL, out), DLN_E_NULL);
    ck_assert_status(dln_net_get_params(net, NULL), DLN_E_NULL);
    assert_sentinel(NP, out);
    free(saved), free(theta), free(theta0), free(out);
    dln_net_free(net);
}
END_TEST

START_TEST(net_init_scale)
{
    const double bad[3] = {-1.0, NAN, INFINITY};
    dln_net *net = fixture_net(8);
    double *saved = params(net);
    ck_assert_status(dln_net_init_zeros(NULL), DLN_E_NULL);
    ck_assert_status(dln_net_init_gaussian(NULL, 1.0, 1), DLN_E_NULL);
    ck_assert_status(dln_net_init_orthogonal(NULL, 1.0, 1), DLN_E_NULL);
    ck_assert_status(dln_net_init_identity(NULL, 1.0), DLN_E_NULL);
    ck_assert_status(dln_net_init_balanced_random(NULL, 1.0, 1), DLN_E_NULL);
    for (int i = 0; i < 3; i++) {
        NET_FAILS(net, dln_net_init_gaussian(net, bad[i], 1), DLN_E_RANGE, "scale");
        NET_FAILS(net, dln_net_init_orthogonal(net, bad[i], 1), DLN_E_RANGE, "scale");
        NET_FAILS(net, dln_net_init_identity(net, bad[i]), DLN_E_RANGE, "scale");
        NET_FAILS(net, dln_net_init_balanced_random(net, bad[i], 1), DLN_E_RANGE, "scale");
    }
    assert_params(net, saved);
    /* a hidden width below min(d_0, d_L) = 2 admits no balanced factorization */
    const size_t narrow[4] = {3, 4, 1, 2};
    dln_net *thin = tu_net(3, narrow, 1.0, 9);
    double *thin_saved = params(thin);
    NET_FAILS(thin, dln_net_init_balanced_random(thin, 1.0, 1), DLN_E_DIM, "hidden width d_2 = 1");
    assert_params(thin, thin_saved);
    free(saved), free(thin_saved);
    dln_net_free(net);
    dln_net_free(thin);
}
END_TEST

START_TEST(net_init_balanced)
{
    dln_net *net = fixture_net(10);
    double *saved = params(net), *A = random_array(DL * D0 + 8, 11), *A0 = dup(DL * D0 + 8, A);
    ck_assert_status(dln_net_init_balanced(NULL, A, DL, DLN_FRAMES_CANONICAL, 1), DLN_E_NULL);
    NET_FAILS(net, dln_net_init_balanced(net, NULL, DL, DLN_FRAMES_CANONICAL, 1), DLN_E_NULL,
              "A is NULL");
    NET_FAILS(net, dln_net_init_balanced(net, A, DL - 1, DLN_FRAMES_CANONICAL, 1), DLN_E_LD,
              "lda = 1");
    NET_FAILS(net, dln_net_init_balanced(net, A, BIG, DLN_FRAMES_CANONICAL, 1), DLN_E_OVERFLOW,
              "lda");
    NET_FAILS(net, dln_net_init_balanced(net, A, DL, (dln_frames)7, 1), DLN_E_RANGE, "frames");
    A[DL * D0 - 1] = NAN;
    NET_FAILS(net, dln_net_init_balanced(net, A, DL, DLN_FRAMES_RANDOM, 1), DLN_E_NONFINITE,
              "A has a NaN");
    A[DL * D0 - 1] = A0[DL * D0 - 1];
    assert_params(net, saved);
    assert_same(DL * D0 + 8, A, A0);
    /* widths 3 -> 1 -> 2: the hidden width 1 is below rank(A) = 2 */
    const size_t narrow[3] = {D0, 1, DL};
    dln_net *thin = tu_net(2, narrow, 1.0, 12);
    double *thin_saved = params(thin);
    NET_FAILS(thin, dln_net_init_balanced(thin, A, DL, DLN_FRAMES_CANONICAL, 1), DLN_E_DIM,
              "rank(A) = 2");
    assert_params(thin, thin_saved);
    free(saved), free(A), free(A0), free(thin_saved);
    dln_net_free(net);
    dln_net_free(thin);
}
END_TEST

/* ---- products and forward pass ------------------------------------------ */

START_TEST(net_products)
{
    dln_net *net = fixture_net(13);
    double *saved = params(net), *out = sentinel(64);
    ck_assert_status(dln_net_product(NULL, 2, 1, out, 5), DLN_E_NULL);
    ck_assert_status(dln_net_product(net, 2, 1, NULL, 5), DLN_E_NULL);
    ck_assert_status(dln_net_product(net, 2, 0, out, 5), DLN_E_DIM);     /* i = 0 */
    ck_assert_status(dln_net_product(net, L, L + 1, out, 5), DLN_E_DIM); /* i > L */
    ck_assert_status(dln_net_product(net, 0, 2, out, 5), DLN_E_DIM);     /* j < i - 1 */
    ck_assert_status(dln_net_product(net, L + 1, 1, out, 5), DLN_E_DIM); /* j > L */
    ck_assert_status(dln_net_product(net, 2, 1, out, 4), DLN_E_LD);      /* W_{2:1} is 5 x 3 */
    ck_assert_status(dln_net_product(net, 1, 2, out, 3), DLN_E_LD);      /* identity 4 x 4 */
    ck_assert_status(dln_net_product(net, 2, 1, out, BIG), DLN_E_OVERFLOW);
    ck_assert_status(dln_net_end_to_end(NULL, out, DL), DLN_E_NULL);
    ck_assert_status(dln_net_end_to_end(net, NULL, DL), DLN_E_NULL);
    ck_assert_status(dln_net_end_to_end(net, out, DL - 1), DLN_E_LD);
    ck_assert_status(dln_net_end_to_end(net, out, BIG), DLN_E_OVERFLOW);
    assert_sentinel(64, out);
    assert_params(net, saved);
    free(saved), free(out);
    dln_net_free(net);
}
END_TEST

START_TEST(net_forward)
{
    dln_net *net = fixture_net(14);
    double *X = random_array(D0 * M, 15), *X0 = dup(D0 * M, X), *Y = sentinel(DL * M);
    ck_assert_status(dln_net_forward(NULL, M, X, D0, Y, DL), DLN_E_NULL);
    ck_assert_status(dln_net_forward(net, M, NULL, D0, Y, DL), DLN_E_NULL);
    ck_assert_status(dln_net_forward(net, M, X, D0, NULL, DL), DLN_E_NULL);
    ck_assert_status(dln_net_forward(net, 0, X, D0, Y, DL), DLN_E_DIM);
    ck_assert_status(dln_net_forward(net, M, X, D0 - 1, Y, DL), DLN_E_LD);
    ck_assert_status(dln_net_forward(net, M, X, D0, Y, DL - 1), DLN_E_LD);
    /* sizes beyond the BLAS range fail before the (small) arrays are touched */
    ck_assert_status(dln_net_forward(net, BIG, X, D0, Y, DL), DLN_E_OVERFLOW);
    ck_assert_status(dln_net_forward(net, 1, X, BIG, Y, DL), DLN_E_OVERFLOW);
    ck_assert_status(dln_net_forward(net, 1, X, D0, Y, BIG), DLN_E_OVERFLOW);
    X[D0 * M - 1] = NAN;
    ck_assert_status(dln_net_forward(net, M, X, D0, Y, DL), DLN_E_NONFINITE);
    X[D0 * M - 1] = X0[D0 * M - 1];
    assert_sentinel(DL * M, Y);
    assert_same(D0 * M, X, X0);
    free(X), free(X0), free(Y);
    dln_net_free(net);
}
END_TEST

/* ---- loss construction -------------------------------------------------- */

START_TEST(loss_create_data)
{
    dln_loss *const mark = (dln_loss *)&widths;
    dln_loss *loss = mark;
    double *X = random_array(D0 * M, 16), *Y = random_array(DL * M, 17);
    double *X0 = dup(D0 * M, X), *Y0 = dup(DL * M, Y);
    ck_assert_status(dln_loss_create_data(NULL, D0, DL, M, X, D0, Y, DL), DLN_E_NULL);
    ck_assert_status(dln_loss_create_data(&loss, D0, DL, M, NULL, D0, Y, DL), DLN_E_NULL);
    ck_assert_status(dln_loss_create_data(&loss, D0, DL, M, X, D0, NULL, DL), DLN_E_NULL);
    ck_assert_status(dln_loss_create_data(&loss, 0, DL, M, X, D0, Y, DL), DLN_E_DIM);
    ck_assert_status(dln_loss_create_data(&loss, D0, 0, M, X, D0, Y, DL), DLN_E_DIM);
    ck_assert_status(dln_loss_create_data(&loss, D0, DL, 0, X, D0, Y, DL), DLN_E_DIM);
    ck_assert_status(dln_loss_create_data(&loss, D0, DL, M, X, D0 - 1, Y, DL), DLN_E_LD);
    ck_assert_status(dln_loss_create_data(&loss, D0, DL, M, X, D0, Y, DL - 1), DLN_E_LD);
    ck_assert_status(dln_loss_create_data(&loss, BIG, DL, M, X, BIG, Y, DL), DLN_E_OVERFLOW);
    ck_assert_status(dln_loss_create_data(&loss, D0, BIG, M, X, D0, Y, BIG), DLN_E_OVERFLOW);
    /* ldx * m columns exceed the address range */
    ck_assert_status(dln_loss_create_data(&loss, D0, DL, SIZE_MAX / 2, X, D0, Y, DL),
                     DLN_E_OVERFLOW);
    X[D0 * 5 + 1] = NAN; /* sample 5 */
    ck_assert_status(dln_loss_create_data(&loss, D0, DL, M, X, D0, Y, DL), DLN_E_NONFINITE);
    X[D0 * 5 + 1] = X0[D0 * 5 + 1];
    Y[0] = -INFINITY;
    ck_assert_status(dln_loss_create_data(&loss, D0, DL, M, X, D0, Y, DL), DLN_E_NONFINITE);
    Y[0] = Y0[0];
    ck_assert_ptr_eq(loss, mark);
    assert_same(D0 * M, X, X0);
    assert_same(DL * M, Y, Y0);
    free(X), free(Y), free(X0), free(Y0);
}
END_TEST

START_TEST(loss_create_target)
{
    dln_loss *const mark = (dln_loss *)&widths;
    dln_loss *loss = mark;
    double *Phi = random_array(DL * D0, 18), *Phi0 = dup(DL * D0, Phi);
    ck_assert_status(dln_loss_create_target(NULL, DL, D0, Phi, DL), DLN_E_NULL);
    ck_assert_status(dln_loss_create_target(&loss, DL, D0, NULL, DL), DLN_E_NULL);
    ck_assert_status(dln_loss_create_target(&loss, 0, D0, Phi, DL), DLN_E_DIM);
    ck_assert_status(dln_loss_create_target(&loss, DL, 0, Phi, DL), DLN_E_DIM);
    ck_assert_status(dln_loss_create_target(&loss, DL, D0, Phi, DL - 1), DLN_E_LD);
    ck_assert_status(dln_loss_create_target(&loss, DL, D0, Phi, BIG), DLN_E_OVERFLOW);
    ck_assert_status(dln_loss_create_target(&loss, DL, BIG, Phi, DL), DLN_E_OVERFLOW);
    ck_assert_status(dln_loss_create_target(&loss, BIG, D0, Phi, BIG), DLN_E_OVERFLOW);
    Phi[DL * D0 - 1] = NAN;
    ck_assert_status(dln_loss_create_target(&loss, DL, D0, Phi, DL), DLN_E_NONFINITE);
    Phi[DL * D0 - 1] = Phi0[DL * D0 - 1];
    ck_assert_ptr_eq(loss, mark);
    assert_same(DL * D0, Phi, Phi0);

    dln_loss *src = NULL;
    ck_assert_ok(dln_loss_create_target(&src, DL, D0, Phi, DL));
    ck_assert_status(dln_loss_copy(NULL, src), DLN_E_NULL);
    ck_assert_status(dln_loss_copy(&loss, NULL), DLN_E_NULL);
    ck_assert_ptr_eq(loss, mark);
    ck_assert_str_eq(dln_loss_errmsg(src), "");
    dln_loss_free(src);
    dln_loss_free(NULL);
    ck_assert_uint_gt(strlen(dln_loss_errmsg(NULL)), 0);
    ck_assert_uint_eq(dln_loss_input_dim(NULL), 0);
    ck_assert_uint_eq(dln_loss_output_dim(NULL), 0);
    ck_assert_uint_eq(dln_loss_num_samples(NULL), 0);
    ck_assert_int_eq(dln_loss_get_mean(NULL), 0);
    free(Phi), free(Phi0);
}
END_TEST

START_TEST(loss_add_samples)
{
    enum { MB = 700, BAD = 650 }; /* the NaN sits in the third TSQR block */
    double *X = random_array(D0 * MB, 19), *Y = random_array(DL * MB, 20);
    dln_loss *loss = fixture_loss(X, Y), *target = NULL, *copy = NULL;
    loss_state saved;
    loss_state_get(loss, &saved);
    ck_assert_ok(dln_loss_copy(&copy, loss));
    ck_assert_status(dln_loss_add_samples(NULL, M, X, D0, Y, DL), DLN_E_NULL);
    LOSS_FAILS(loss, dln_loss_add_samples(loss, M, NULL, D0, Y, DL), DLN_E_NULL, "NULL");
    LOSS_FAILS(loss, dln_loss_add_samples(loss, M, X, D0, NULL, DL), DLN_E_NULL, "NULL");
    LOSS_FAILS(loss, dln_loss_add_samples(loss, 0, X, D0, Y, DL), DLN_E_DIM, "m = 0");
    LOSS_FAILS(loss, dln_loss_add_samples(loss, M, X, D0 - 1, Y, DL), DLN_E_LD, "ldx = 2");
    LOSS_FAILS(loss, dln_loss_add_samples(loss, M, X, D0, Y, DL - 1), DLN_E_LD, "ldy = 1");
    LOSS_FAILS(loss, dln_loss_add_samples(loss, SIZE_MAX / 2, X, D0, Y, DL), DLN_E_OVERFLOW,
               "overflow");
    X[D0 * BAD + 2] = NAN;
    LOSS_FAILS(loss, dln_loss_add_samples(loss, MB, X, D0, Y, DL), DLN_E_NONFINITE, "NaN");
    assert_loss_state(loss, &saved);
    /* no hidden state changed either: the next update matches the untouched copy */
    ck_assert_ok(dln_loss_add_samples(loss, BAD, X, D0, Y, DL));
    ck_assert_ok(dln_loss_add_samples(copy, BAD, X, D0, Y, DL));
    loss_state_get(copy, &saved);
    assert_loss_state(loss, &saved);
    dln_loss_free(copy);

    /* SIZE_MAX samples (d_0 = d_L = 1, ld = 1): X and Y would span more
     * bytes than the address range, checked before the total count */
    dln_loss *one = NULL;
    ck_assert_ok(dln_loss_create_data(&one, 1, 1, 1, X, 1, Y, 1));
    LOSS_FAILS(one, dln_loss_add_samples(one, SIZE_MAX, X, 1, Y, 1), DLN_E_OVERFLOW,
               "address range");
    ck_assert_uint_eq(dln_loss_num_samples(one), 1);

    ck_assert_ok(dln_loss_create_target(&target, DL, D0, Y, DL));
    LOSS_FAILS(target, dln_loss_add_samples(target, M, X, D0, Y, DL), DLN_E_UNSUPPORTED,
               "target");
    ck_assert_uint_eq(dln_loss_num_samples(target), D0);
    free(X), free(Y);
    dln_loss_free(loss);
    dln_loss_free(one);
    dln_loss_free(target);
}
END_TEST

/* ---- loss options ------------------------------------------------------- */

START_TEST(loss_l2)
{
    const double bad[3] = {-0.5, NAN, INFINITY};
    double *X = random_array(D0 * M, 21), *Y = random_array(DL * M, 22);
    dln_loss *loss = fixture_loss(X, Y);
    double lam[L] = {0.1, 0.2, 0.3}, lam0[L];
    memcpy(lam0, lam, sizeof lam);
    ck_assert_ok(dln_loss_set_l2(loss, L, lam));
    loss_state saved;
    loss_state_get(loss, &saved);
    ck_assert_status(dln_loss_set_l2(NULL, L, lam), DLN_E_NULL);
    LOSS_FAILS(loss, dln_loss_set_l2(loss, L, NULL), DLN_E_NULL, "lambda is NULL");
    LOSS_FAILS(loss, dln_loss_set_l2(loss, 0, lam), DLN_E_DIM, "depth");
    for (int i = 0; i < 3; i++) {
        lam[1] = bad[i];
        LOSS_FAILS(loss, dln_loss_set_l2(loss, L, lam), DLN_E_RANGE, "lambda_2");
        lam[1] = lam0[1];
    }
    ck_assert_status(dln_loss_set_l2_uniform(NULL, 1.0), DLN_E_NULL);
    for (int i = 0; i < 3; i++)
        LOSS_FAILS(loss, dln_loss_set_l2_uniform(loss, bad[i]), DLN_E_RANGE, "lambda");
    assert_loss_state(loss, &saved);
    assert_same(L, lam, lam0);

    double out[L + 1] = {-1, -2, -3, -4};
    ck_assert_status(dln_loss_get_l2(NULL, L, out), DLN_E_NULL);
    ck_assert_status(dln_loss_get_l2(loss, L, NULL), DLN_E_NULL);
    ck_assert_status(dln_loss_get_l2(loss, 0, out), DLN_E_DIM);
    ck_assert_status(dln_loss_get_l2(loss, L + 1, out), DLN_E_DIM); /* set for depth L */
    ck_assert(out[0] == -1 && out[1] == -2 && out[2] == -3 && out[3] == -4);
    free(X), free(Y);
    dln_loss_free(loss);
}
END_TEST

START_TEST(loss_mean_and_summary)
{
    double *X = random_array(D0 * M, 23), *Y = random_array(DL * M, 24);
    dln_loss *loss = fixture_loss(X, Y), *target = NULL;
    loss_state saved;
    loss_state_get(loss, &saved);
    ck_assert_status(dln_loss_set_mean(NULL, 1), DLN_E_NULL);
    LOSS_FAILS(loss, dln_loss_set_mean(loss, 2), DLN_E_RANGE, "mean must be 0 or 1");
    LOSS_FAILS(loss, dln_loss_set_mean(loss, -1), DLN_E_RANGE, "mean must be 0 or 1");
    assert_loss_state(loss, &saved);
    ck_assert_ok(dln_loss_create_target(&target, DL, D0, Y, DL));
    LOSS_FAILS(target, dln_loss_set_mean(target, 1), DLN_E_UNSUPPORTED, "data loss");
    ck_assert_int_eq(dln_loss_get_mean(target), 0);
    ck_assert_status(dln_loss_set_threads(NULL, 2), DLN_E_NULL);
    LOSS_FAILS(loss, dln_loss_set_threads(loss, 0), DLN_E_RANGE, "outside 1..");
    LOSS_FAILS(loss, dln_loss_set_threads(loss, DLN_THREADS_MAX + 1), DLN_E_RANGE, "outside 1..");
    LOSS_FAILS(target, dln_loss_set_threads(target, 2), DLN_E_UNSUPPORTED, "data loss");
    ck_assert_uint_eq(dln_loss_get_threads(loss), 1);
    ck_assert_uint_eq(dln_loss_get_threads(NULL), 0);

    double *R = sentinel(D0 * D0), *C = sentinel(DL * D0), r0 = -1234.5;
    ck_assert_status(dln_loss_summary(NULL, R, D0, C, DL, &r0), DLN_E_NULL);
    ck_assert_status(dln_loss_summary(loss, R, D0 - 1, C, DL, &r0), DLN_E_LD);
    ck_assert_status(dln_loss_summary(loss, R, D0, C, DL - 1, &r0), DLN_E_LD);
    ck_assert_status(dln_loss_summary(target, R, D0 - 1, NULL, 0, NULL), DLN_E_LD);
    assert_sentinel(D0 * D0, R);
    assert_sentinel(DL * D0, C);
    assert_sentinel(1, &r0);
    ck_assert_ok(dln_loss_summary(loss, NULL, 0, NULL, 0, NULL)); /* every output optional */
    free(X), free(Y), free(R), free(C);
    dln_loss_free(loss);
    dln_loss_free(target);
}
END_TEST

/* ---- value, gradient, HVP, batch HVP, dense Hessian --------------------- */

/* The five evaluation entry points behind one signature, so that every
 * argument error is checked on each of them. out must hold NP * 2 doubles
 * (NP for most; the batch writes two directions, the Hessian needs NP^2). */
typedef enum { VALUE, GRAD, HVP, BATCH, HESSIAN, NKINDS } eval_kind;

static dln_status eval(eval_kind kind, dln_loss *loss, const dln_net *net, const double *v,
                       double *out)
{
    size_t n = dln_net_num_params(net);
    switch (kind) {
    case VALUE: return dln_loss_value(loss, net, out);
    case GRAD: return dln_loss_grad(loss, net, NULL, out);
    case HVP: return dln_loss_hvp(loss, net, v, out);
    case BATCH: return dln_loss_hvp_batch(loss, net, 2, v, n, out, n);
    default: return dln_loss_hessian(loss, net, out, n);
    }
}

START_TEST(eval_errors)
{
    eval_kind kind = (eval_kind)_i;
    double *X = random_array(D0 * M, 25), *Y = random_array(DL * M, 26);
    double *V = random_array(2 * NP, 27), *V0 = dup(2 * NP, V), *out = sentinel(NP * NP);
    dln_loss *loss = fixture_loss(X, Y);
    dln_net *net = fixture_net(28);
    /* same depth, wrong d_0 / wrong d_L; and a net of another depth */
    const size_t in4[L + 1] = {4, 4, 5, DL}, out3[L + 1] = {D0, 4, 5, 3}, two[3] = {D0, 4, DL};
    dln_net *wrong_in = tu_net(L, in4, 1.0, 29), *wrong_out = tu_net(L, out3, 1.0, 30);
    dln_net *shallow = tu_net(2, two, 1.0, 31);
    const double lam[L] = {0.1, 0.2, 0.3};
    ck_assert_ok(dln_loss_set_l2(loss, L, lam));
    double *saved = params(net);
    loss_state state;
    loss_state_get(loss, &state);

    ck_assert_status(eval(kind, NULL, net, V, out), DLN_E_NULL);
    LOSS_FAILS(loss, eval(kind, loss, NULL, V, out), DLN_E_NULL, "network handle is NULL");
    LOSS_FAILS(loss, eval(kind, loss, net, V, NULL), DLN_E_NULL, "NULL");
    LOSS_FAILS(loss, eval(kind, loss, wrong_in, V, out), DLN_E_DIM, "maps 4 -> 2");
    LOSS_FAILS(loss, eval(kind, loss, wrong_out, V, out), DLN_E_DIM, "maps 3 -> 3");
    LOSS_FAILS(loss, eval(kind, loss, shallow, V, out), DLN_E_DIM, "depth 3");
    if (kind == HVP || kind == BATCH) {
        LOSS_FAILS(loss, eval(kind, loss, net, NULL, out), DLN_E_NULL, "NULL");
        V[kind == HVP ? NP - 1 : 2 * NP - 1] = NAN; /* the last entry read */
        LOSS_FAILS(loss, eval(kind, loss, net, V, out), DLN_E_NONFINITE, "NaN");
        memcpy(V, V0, 2 * NP * sizeof *V);
    }
    assert_sentinel(NP * NP, out);
    assert_params(net, saved);
    assert_loss_state(loss, &state);
    assert_same(2 * NP, V, V0);
    free(X), free(Y), free(V), free(V0), free(out), free(saved);
    dln_loss_free(loss);
    dln_net_free(net);
    dln_net_free(wrong_in);
    dln_net_free(wrong_out);
    dln_net_free(shallow);
}
END_TEST

START_TEST(batch_and_hessian_sizes)
{
    double *X = random_array(D0 * M, 32), *Y = random_array(DL * M, 33);
    double *V = random_array(3 * NP, 34), *V0 = dup(3 * NP, V), *out = sentinel(NP * NP);
    dln_loss *loss = fixture_loss(X, Y);
    dln_net *net = fixture_net(35);
    ck_assert_ok(dln_loss_hvp_batch(loss, net, 0, V, NP, out, NP)); /* k = 0: nothing to do */
    LOSS_FAILS(loss, dln_loss_hvp_batch(loss, net, 2, V, NP - 1, out, NP), DLN_E_LD, "ldv = 41");
    LOSS_FAILS(loss, dln_loss_hvp_batch(loss, net, 2, V, NP, out, NP - 1), DLN_E_LD, "ldhv = 41");
    LOSS_FAILS(loss, dln_loss_hvp_batch(loss, net, SIZE_MAX / 8, V, NP, out, NP), DLN_E_OVERFLOW,
               "overflow");
    LOSS_FAILS(loss, dln_loss_hessian(loss, net, out, NP - 1), DLN_E_LD, "ldh = 41");
    LOSS_FAILS(loss, dln_loss_hessian(loss, net, out, BIG), DLN_E_OVERFLOW, "BLAS range");
    assert_sentinel(NP * NP, out);
    assert_same(3 * NP, V, V0);

    /* n = 100 * 100 > DLN_HESSIAN_MAX_PARAMS: refused before anything is written */
    const size_t wide[2] = {100, 100};
    dln_net *big = tu_net(1, wide, 1.0, 36);
    dln_loss *target = NULL;
    double *Phi = random_array(100 * 100, 37);
    ck_assert_ok(dln_loss_create_target(&target, 100, 100, Phi, 100));
    LOSS_FAILS(target, dln_loss_hessian(target, big, out, 10000), DLN_E_TOO_LARGE,
               "DLN_HESSIAN_MAX_PARAMS");
    assert_sentinel(NP * NP, out);
    free(X), free(Y), free(V), free(V0), free(out), free(Phi);
    dln_loss_free(loss);
    dln_loss_free(target);
    dln_net_free(net);
    dln_net_free(big);
}
END_TEST

/* Finite weights whose loss overflows: DLN_E_NONFINITE, not Inf or NaN as a value. */
START_TEST(result_overflow)
{
    double *X = random_array(D0 * M, 38), *Y = random_array(DL * M, 39);
    double *theta = random_array(NP, 40), *v = random_array(NP, 41), g[NP], hv[NP], f = 0.0;
    dln_loss *loss = fixture_loss(X, Y);
    dln_net *net = fixture_net(42);
    for (size_t i = 0; i < NP; i++) theta[i] *= 1e110; /* P ~ 1e330 */
    ck_assert_ok(dln_net_set_params(net, theta));
    LOSS_FAILS(loss, dln_loss_value(loss, net, &f), DLN_E_NONFINITE, "overflow");
    ck_assert(f == 0.0); /* the value is only written on success */
    LOSS_FAILS(loss, dln_loss_grad(loss, net, NULL, g), DLN_E_NONFINITE, "overflow");
    LOSS_FAILS(loss, dln_loss_hvp(loss, net, v, hv), DLN_E_NONFINITE, "overflow");
    free(X), free(Y), free(theta), free(v);
    dln_loss_free(loss);
    dln_net_free(net);
}
END_TEST

/* ---- strided arrays with NaN padding ------------------------------------ */

/* The padding rows of an m x n block with leading dimension ld are all NaN. */
static void assert_padding_nan(size_t m, size_t n, const double *A, size_t ld)
{
    for (size_t j = 0; j < n; j++)
        for (size_t i = m; i < ld; i++)
            ck_assert_msg(isnan(A[i + j * ld]), "padding (%zu, %zu) was written", i, j);
}

/* Compact m x n copy of a strided block. */
static double *compact(size_t m, size_t n, const double *A, size_t ld)
{
    double *c = malloc((m * n + 1) * sizeof *c);
    ck_assert_ptr_nonnull(c);
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < m; i++) c[i + j * m] = A[i + j * ld];
    return c;
}

/* An ld x n output block filled with NaN (the padding must stay so). */
static double *nan_block(size_t ld, size_t n)
{
    double *a = malloc(ld * n * sizeof *a);
    ck_assert_ptr_nonnull(a);
    for (size_t i = 0; i < ld * n; i++) a[i] = NAN;
    return a;
}

/* |a - b| <= 1e-13 max|b| entrywise, for m x n blocks a (strided) and b. */
static void assert_close(size_t m, size_t n, const double *a, size_t lda, const double *b)
{
    double *c = compact(m, n, a, lda);
    ck_assert_msg(tu_maxdiff(m * n, c, b) <= 1e-13 * fmax(1.0, tu_maxabs(m * n, b)),
                  "strided result differs from the compact one by %g", tu_maxdiff(m * n, c, b));
    free(c);
}

START_TEST(padded_net)
{
    tu_rng r;
    tu_seed(&r, 43);
    dln_net *net = fixture_net(44), *ref = fixture_net(44);
    /* set layer 2 (5 x 4) from padded col-major (ld 8) and row-major (ld 6) arrays */
    double *Wc = tu_padded(&r, 5, 4, 8), *Wr = tu_padded(&r, 4, 5, 6);
    double *Wc1 = compact(5, 4, Wc, 8), *Wr1 = compact(4, 5, Wr, 6);
    ck_assert_ok(dln_net_set_layer(net, 2, Wc, 8, DLN_COL_MAJOR));
    ck_assert_ok(dln_net_set_layer(ref, 2, Wc1, 5, DLN_COL_MAJOR));
    double *a = params(net), *b = params(ref);
    assert_same(NP, a, b);
    free(a), free(b);
    ck_assert_ok(dln_net_set_layer(net, 2, Wr, 6, DLN_ROW_MAJOR));
    ck_assert_ok(dln_net_set_layer(ref, 2, Wr1, 4, DLN_ROW_MAJOR));
    a = params(net), b = params(ref);
    assert_same(NP, a, b);
    /* get it back into padded buffers: payload right, padding untouched */
    double *Gc = nan_block(7, 4), *Gr = nan_block(9, 5);
    ck_assert_ok(dln_net_get_layer(net, 2, Gc, 7, DLN_COL_MAJOR));
    ck_assert_ok(dln_net_get_layer(net, 2, Gr, 9, DLN_ROW_MAJOR));
    assert_padding_nan(5, 4, Gc, 7);
    assert_padding_nan(4, 5, Gr, 9);
    assert_close(4, 5, Gr, 9, Wr1);
    for (size_t i = 0; i < 5; i++)
        for (size_t j = 0; j < 4; j++) ck_assert(Gc[i + j * 7] == Wr1[j + i * 4]);

    /* balanced init from a padded A equals the compact one */
    double *A = tu_padded(&r, DL, D0, DL + 3), *A1 = compact(DL, D0, A, DL + 3);
    ck_assert_ok(dln_net_init_balanced(net, A, DL + 3, DLN_FRAMES_RANDOM, 5));
    ck_assert_ok(dln_net_init_balanced(ref, A1, DL, DLN_FRAMES_RANDOM, 5));
    free(a), free(b);
    a = params(net), b = params(ref);
    assert_same(NP, a, b);

    /* products into padded outputs */
    double *P = nan_block(DL + 2, D0), *P1 = sentinel(DL * D0);
    ck_assert_ok(dln_net_end_to_end(net, P, DL + 2));
    ck_assert_ok(dln_net_end_to_end(net, P1, DL));
    assert_padding_nan(DL, D0, P, DL + 2);
    assert_close(DL, D0, P, DL + 2, P1);
    double *Q = nan_block(6, 4), *Q1 = sentinel(4 * 4);
    ck_assert_ok(dln_net_product(net, 1, 2, Q, 6)); /* j = i - 1: identity 4 x 4 */
    ck_assert_ok(dln_net_product(net, 1, 2, Q1, 4));
    assert_padding_nan(4, 4, Q, 6);
    assert_close(4, 4, Q, 6, Q1);

    /* forward pass with padded X and Y */
    double *X = tu_padded(&r, D0, M, D0 + 2), *X1 = compact(D0, M, X, D0 + 2);
    double *Y = nan_block(DL + 1, M), *Y1 = sentinel(DL * M);
    ck_assert_ok(dln_net_forward(net, M, X, D0 + 2, Y, DL + 1));
    ck_assert_ok(dln_net_forward(net, M, X1, D0, Y1, DL));
    assert_padding_nan(DL, M, Y, DL + 1);
    assert_close(DL, M, Y, DL + 1, Y1);
    free(Wc), free(Wr), free(Wc1), free(Wr1), free(a), free(b), free(Gc), free(Gr), free(A);
    free(A1), free(P), free(P1), free(Q), free(Q1), free(X), free(X1), free(Y), free(Y1);
    dln_net_free(net);
    dln_net_free(ref);
}
END_TEST

START_TEST(padded_loss)
{
    tu_rng r;
    tu_seed(&r, 45);
    double *X = tu_padded(&r, D0, M, D0 + 3), *Y = tu_padded(&r, DL, M, DL + 2);
    double *X1 = compact(D0, M, X, D0 + 3), *Y1 = compact(DL, M, Y, DL + 2);
    dln_loss *loss = NULL, *ref = fixture_loss(X1, Y1);
    ck_assert_ok(dln_loss_create_data(&loss, D0, DL, M, X, D0 + 3, Y, DL + 2));
    ck_assert_ok(dln_loss_add_samples(loss, M, X, D0 + 3, Y, DL + 2));
    ck_assert_ok(dln_loss_add_samples(ref, M, X1, D0, Y1, DL));
    loss_state a, b;
    loss_state_get(loss, &a);
    loss_state_get(ref, &b);
    ck_assert(isfinite(a.r0));
    assert_loss_state(loss, &b); /* the same arithmetic on the same numbers: bit for bit */

    /* summary into padded R and C */
    double *R = nan_block(D0 + 2, D0), *C = nan_block(DL + 1, D0), r0;
    ck_assert_ok(dln_loss_summary(loss, R, D0 + 2, C, DL + 1, &r0));
    assert_padding_nan(D0, D0, R, D0 + 2);
    assert_padding_nan(DL, D0, C, DL + 1);
    assert_close(D0, D0, R, D0 + 2, b.R);
    assert_close(DL, D0, C, DL + 1, b.C);

    /* target form from a padded Phi */
    double *Phi = tu_padded(&r, DL, D0, DL + 4), *Phi1 = compact(DL, D0, Phi, DL + 4);
    dln_loss *t = NULL, *t1 = NULL;
    ck_assert_ok(dln_loss_create_target(&t, DL, D0, Phi, DL + 4));
    ck_assert_ok(dln_loss_create_target(&t1, DL, D0, Phi1, DL));
    double *Ct = nan_block(DL + 3, D0), *Rt = nan_block(D0 + 1, D0);
    ck_assert_ok(dln_loss_summary(t, Rt, D0 + 1, Ct, DL + 3, &r0));
    assert_padding_nan(D0, D0, Rt, D0 + 1);
    assert_padding_nan(DL, D0, Ct, DL + 3);
    assert_close(DL, D0, Ct, DL + 3, Phi1);
    ck_assert(r0 == 0.0);
    free(X), free(Y), free(X1), free(Y1), free(R), free(C), free(Phi), free(Phi1), free(Ct);
    free(Rt);
    dln_loss_free(loss);
    dln_loss_free(ref);
    dln_loss_free(t);
    dln_loss_free(t1);
}
END_TEST

START_TEST(padded_hvp)
{
    enum { K = 3, LDV = NP + 5, LDH = NP + 3 };
    tu_rng r;
    tu_seed(&r, 46);
    double *X = random_array(D0 * M, 47), *Y = random_array(DL * M, 48);
    dln_loss *loss = fixture_loss(X, Y);
    dln_net *net = fixture_net(49);
    double *V = tu_padded(&r, NP, K, LDV), *V1 = compact(NP, K, V, LDV);
    double *HV = nan_block(LDH, K), *HV1 = sentinel(NP * K);
    ck_assert_ok(dln_loss_hvp_batch(loss, net, K, V, LDV, HV, LDH));
    ck_assert_ok(dln_loss_hvp_batch(loss, net, K, V1, NP, HV1, NP));
    assert_padding_nan(NP, K, HV, LDH);
    assert_close(NP, K, HV, LDH, HV1);
    double *H = nan_block(LDH, NP), *H1 = sentinel(NP * NP);
    ck_assert_ok(dln_loss_hessian(loss, net, H, LDH));
    ck_assert_ok(dln_loss_hessian(loss, net, H1, NP));
    assert_padding_nan(NP, NP, H, LDH);
    assert_close(NP, NP, H, LDH, H1);
    free(X), free(Y), free(V), free(V1), free(HV), free(HV1), free(H), free(H1);
    dln_loss_free(loss);
    dln_net_free(net);
}
END_TEST

/* Test cases of one TCase, added in order. */
static void add_tcase(Suite *s, const char *name, const TTest *const *tests, size_t count)
{
    TCase *tc = tcase_create(name);
    for (size_t i = 0; i < count; i++) tcase_add_test(tc, tests[i]);
    suite_add_tcase(s, tc);
}

#define ADD_TCASE(s, name, ...)                                                    \
    do {                                                                           \
        const TTest *const tests_[] = {__VA_ARGS__};                               \
        add_tcase(s, name, tests_, sizeof tests_ / sizeof tests_[0]);              \
    } while (0)

Suite *suite_errors(void)
{
    Suite *s = suite_create("errors");
    ADD_TCASE(s, "status", status_texts, versions);
    ADD_TCASE(s, "net", net_create, net_queries, net_set_layer, net_get_layer, net_params,
              net_init_scale, net_init_balanced);
    ADD_TCASE(s, "products", net_products, net_forward);
    ADD_TCASE(s, "loss", loss_create_data, loss_create_target, loss_add_samples, loss_l2,
              loss_mean_and_summary);
    ADD_TCASE(s, "eval", batch_and_hessian_sizes, result_overflow);
    ADD_TCASE(s, "padding", padded_net, padded_loss, padded_hvp);
    TCase *tc = tcase_create("eval_each");
    tcase_add_loop_test(tc, eval_errors, 0, NKINDS);
    suite_add_tcase(s, tc);
    return s;
}
