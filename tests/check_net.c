/* check_net.c - the network handle: creation, queries, layer and parameter
 * import/export (column- and row-major, padded ld), and the initializations
 * (zeros, Gaussian, orthogonal, identity, balanced of unregularized.md §11.4
 * with the worked example of §12d, balanced_random). */
#include "oracle.h"
#include "testutil.h"

#include <lapacke.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static dln_net *create(size_t L, const size_t *d)
{
    dln_net *net = NULL;
    ck_assert_ok(dln_net_create(&net, L, d));
    return net;
}

static double *params(const dln_net *net)
{
    double *th = malloc(dln_net_num_params(net) * sizeof *th + 1);
    ck_assert_ok(dln_net_get_params(net, th));
    return th;
}

/* Pointer to layer l inside a theta vector. */
static double *layer_of(const dln_net *net, double *theta, size_t l)
{
    return theta + dln_net_layer_offset(net, l);
}

/* ---- handle ------------------------------------------------------------- */

START_TEST(create_copy_queries)
{
    const size_t d[4] = {3, 5, 2, 4};
    static char sentinel;
    dln_net *net = create(3, d), *bad = (dln_net *)(void *)&sentinel, *cp = NULL;
    ck_assert_uint_eq(dln_net_depth(net), 3);
    for (size_t l = 0; l <= 3; l++) ck_assert_uint_eq(dln_net_width(net, l), d[l]);
    ck_assert_uint_eq(dln_net_width(net, 4), 0);
    ck_assert_uint_eq(dln_net_num_params(net), 15 + 10 + 8);
    ck_assert_uint_eq(dln_net_layer_offset(net, 1), 0);
    ck_assert_uint_eq(dln_net_layer_offset(net, 2), 15);
    ck_assert_uint_eq(dln_net_layer_offset(net, 3), 25);
    ck_assert_uint_eq(dln_net_layer_offset(net, 4), 33);
    ck_assert_uint_eq(dln_net_layer_offset(net, 0), (size_t)-1);
    ck_assert_uint_eq(dln_net_layer_offset(net, 5), (size_t)-1);
    ck_assert_uint_eq(dln_net_layer_offset(NULL, 1), (size_t)-1);
    ck_assert_uint_eq(dln_net_depth(NULL) + dln_net_width(NULL, 0) + dln_net_num_params(NULL), 0);
    ck_assert_ptr_nonnull(dln_net_errmsg(NULL));
    ck_assert_ptr_nonnull(dln_net_errmsg(net));
    double *th = params(net);
    ck_assert_double_eq(orc_maxabs(33, th), 0.0); /* new nets are zero */
    /* failures leave *out untouched */
    const size_t zero[3] = {2, 0, 2};
    ck_assert_int_eq(dln_net_create(&bad, 0, d), DLN_E_DIM);
    ck_assert_int_eq(dln_net_create(&bad, 2, zero), DLN_E_DIM);
    ck_assert_int_eq(dln_net_create(&bad, 2, NULL), DLN_E_NULL);
    ck_assert_int_eq(dln_net_create(NULL, 2, d), DLN_E_NULL);
    const size_t huge[3] = {2, (size_t)INT_MAX + 1, 2};
    ck_assert_int_eq(dln_net_create(&bad, 2, huge), DLN_E_OVERFLOW);
    ck_assert_ptr_eq(bad, (dln_net *)(void *)&sentinel);
    /* deep copy: same shape and weights, independent storage */
    ck_assert_ok(dln_net_init_gaussian(net, 1.0, 3));
    ck_assert_ok(dln_net_copy(&cp, net));
    double *a = params(net), *b = params(cp);
    ck_assert_int_eq(memcmp(a, b, 33 * sizeof *a), 0);
    ck_assert_ok(dln_net_init_zeros(cp));
    free(a);
    a = params(net);
    ck_assert_int_eq(memcmp(a, b, 33 * sizeof *a), 0);
    ck_assert_uint_eq(dln_net_width(cp, 2), 2);
    ck_assert_int_eq(dln_net_copy(NULL, net), DLN_E_NULL);
    ck_assert_int_eq(dln_net_copy(&cp, NULL), DLN_E_NULL);
    dln_net_free(NULL);
    dln_net_free(cp);
    dln_net_free(net);
    free(th), free(a), free(b);
}
END_TEST

START_TEST(layer_import_export)
{
    const size_t d[4] = {3, 5, 2, 4};
    tu_rng r;
    tu_seed(&r, 31);
    dln_net *net = create(3, d);
    for (size_t l = 1; l <= 3; l++) {
        size_t rows = d[l], cols = d[l - 1];
        /* column-major with padding: entry (i,j) at W[i + j*ld] */
        size_t ld = rows + 2;
        double *W = tu_padded(&r, rows, cols, ld), *out = malloc(ld * cols * sizeof *out);
        ck_assert_ok(dln_net_set_layer(net, l, W, ld, DLN_COL_MAJOR));
        double *th = params(net), *Wl = layer_of(net, th, l);
        for (size_t j = 0; j < cols; j++)
            for (size_t i = 0; i < rows; i++) ck_assert(Wl[i + j * rows] == W[i + j * ld]);
        for (size_t t = 0; t < ld * cols; t++) out[t] = NAN;
        ck_assert_ok(dln_net_get_layer(net, l, out, ld, DLN_COL_MAJOR));
        for (size_t j = 0; j < cols; j++)
            for (size_t i = 0; i < ld; i++)
                ck_assert(i < rows ? out[i + j * ld] == W[i + j * ld] : isnan(out[i + j * ld]));
        free(W), free(out), free(th);
        /* row-major (out x in C array) with padding: entry (i,j) at W[i*ld + j] */
        ld = cols + 1;
        W = tu_padded(&r, cols, rows, ld); /* rows of the C array are columns here */
        out = malloc(ld * rows * sizeof *out);
        ck_assert_ok(dln_net_set_layer(net, l, W, ld, DLN_ROW_MAJOR));
        th = params(net), Wl = layer_of(net, th, l);
        for (size_t i = 0; i < rows; i++)
            for (size_t j = 0; j < cols; j++) ck_assert(Wl[i + j * rows] == W[i * ld + j]);
        for (size_t t = 0; t < ld * rows; t++) out[t] = NAN;
        ck_assert_ok(dln_net_get_layer(net, l, out, ld, DLN_ROW_MAJOR));
        for (size_t i = 0; i < rows; i++)
            for (size_t j = 0; j < ld; j++)
                ck_assert(j < cols ? out[i * ld + j] == W[i * ld + j] : isnan(out[i * ld + j]));
        free(W), free(out), free(th);
    }
    /* rejected calls leave the net unchanged */
    double *before = params(net), W[40], *after;
    for (size_t t = 0; t < 40; t++) W[t] = 1.0;
    ck_assert_int_eq(dln_net_set_layer(net, 1, W, 4, DLN_COL_MAJOR), DLN_E_LD);
    ck_assert_int_eq(dln_net_set_layer(net, 1, W, 2, DLN_ROW_MAJOR), DLN_E_LD);
    ck_assert_int_eq(dln_net_set_layer(net, 0, W, 5, DLN_COL_MAJOR), DLN_E_DIM);
    ck_assert_int_eq(dln_net_set_layer(net, 4, W, 5, DLN_COL_MAJOR), DLN_E_DIM);
    ck_assert_int_eq(dln_net_set_layer(net, 1, NULL, 5, DLN_COL_MAJOR), DLN_E_NULL);
    ck_assert_int_eq(dln_net_set_layer(net, 1, W, 5, (dln_layout)7), DLN_E_RANGE);
    W[14] = INFINITY;
    ck_assert_int_eq(dln_net_set_layer(net, 1, W, 5, DLN_COL_MAJOR), DLN_E_NONFINITE);
    ck_assert(strlen(dln_net_errmsg(net)) > 0);
    ck_assert_int_eq(dln_net_get_layer(net, 2, W, 1, DLN_COL_MAJOR), DLN_E_LD);
    after = params(net);
    ck_assert_int_eq(memcmp(before, after, 33 * sizeof *after), 0);
    free(before), free(after);
    dln_net_free(net);
}
END_TEST

START_TEST(params_roundtrip)
{
    const size_t d[3] = {4, 3, 2};
    tu_rng r;
    tu_seed(&r, 32);
    dln_net *net = create(2, d);
    double th[18], out[18], keep[18];
    tu_fill(&r, 18, th);
    ck_assert_ok(dln_net_set_params(net, th));
    ck_assert_ok(dln_net_get_params(net, out));
    ck_assert_int_eq(memcmp(th, out, sizeof th), 0);
    memcpy(keep, th, sizeof th);
    th[17] = NAN;
    ck_assert_int_eq(dln_net_set_params(net, th), DLN_E_NONFINITE);
    ck_assert_int_eq(dln_net_set_params(net, NULL), DLN_E_NULL);
    ck_assert_int_eq(dln_net_get_params(net, NULL), DLN_E_NULL);
    ck_assert_ok(dln_net_get_params(net, out));
    ck_assert_int_eq(memcmp(keep, out, sizeof out), 0);
    ck_assert_ok(dln_net_init_zeros(net));
    ck_assert_ok(dln_net_get_params(net, out));
    ck_assert_double_eq(orc_maxabs(18, out), 0.0);
    dln_net_free(net);
}
END_TEST

/* ---- random initializations ---------------------------------------------- */

START_TEST(gaussian_init)
{
    const size_t d[3] = {100, 60, 50};
    dln_net *a = create(2, d), *b = create(2, d);
    size_t n = dln_net_num_params(a);
    ck_assert_ok(dln_net_init_gaussian(a, 0.5, 42));
    ck_assert_ok(dln_net_init_gaussian(b, 0.5, 42));
    double *ta = params(a), *tb = params(b);
    ck_assert_int_eq(memcmp(ta, tb, n * sizeof *ta), 0); /* same seed: same bits */
    ck_assert_ok(dln_net_init_gaussian(b, 0.5, 43));
    free(tb);
    tb = params(b);
    size_t same = 0;
    for (size_t i = 0; i < n; i++) same += ta[i] == tb[i];
    ck_assert_uint_lt(same, 5);
    double mean = 0.0, var = 0.0;
    for (size_t i = 0; i < n; i++) mean += ta[i];
    mean /= (double)n;
    for (size_t i = 0; i < n; i++) var += (ta[i] - mean) * (ta[i] - mean);
    var /= (double)(n - 1);
    /* n = 9000: sd(mean) = 0.5/95, sd(var)/var = sqrt(2/n) = 0.015 */
    ck_assert_double_lt(fabs(mean), 5 * 0.5 / sqrt((double)n));
    ck_assert_double_lt(fabs(var / 0.25 - 1.0), 5 * sqrt(2.0 / (double)n));
    ck_assert_ok(dln_net_init_gaussian(b, 0.0, 1));
    free(tb);
    tb = params(b);
    ck_assert_double_eq(orc_maxabs(n, tb), 0.0);
    ck_assert_int_eq(dln_net_init_gaussian(b, -1.0, 1), DLN_E_RANGE);
    ck_assert_int_eq(dln_net_init_gaussian(b, NAN, 1), DLN_E_RANGE);
    ck_assert_int_eq(dln_net_init_gaussian(NULL, 1.0, 1), DLN_E_NULL);
    free(ta), free(tb);
    dln_net_free(a), dln_net_free(b);
}
END_TEST

/* max |op(W)^T op(W) - s^2 I| over the orthonormal side of every layer. */
START_TEST(orthogonal_init)
{
    const size_t d[5] = {3, 7, 7, 2, 5};
    const double scale = 1.7;
    dln_net *net = create(4, d), *again = create(4, d);
    ck_assert_ok(dln_net_init_orthogonal(net, scale, 8));
    ck_assert_ok(dln_net_init_orthogonal(again, scale, 8));
    double *th = params(net), *th2 = params(again), worst = 0.0;
    ck_assert_int_eq(memcmp(th, th2, dln_net_num_params(net) * sizeof *th), 0);
    for (size_t l = 1; l <= 4; l++) {
        size_t r = d[l], c = d[l - 1], k = r >= c ? c : r;
        double *W = layer_of(net, th, l), G[64];
        if (r >= c) orc_matmul(c, c, r, W, r, 1, W, r, 0, G, k); /* W^T W */
        else orc_matmul(r, r, c, W, r, 0, W, r, 1, G, k);        /* W W^T */
        for (size_t j = 0; j < k; j++)
            for (size_t i = 0; i < k; i++)
                worst = orc_max(worst, fabs(G[i + j * k] - (i == j ? scale * scale : 0.0)));
    }
    ck_assert_double_lt(worst, 1e-14 * scale * scale);
    orc_note("orthogonal init |Q'Q - s^2 I|", worst);
    ck_assert_int_eq(dln_net_init_orthogonal(net, -1.0, 8), DLN_E_RANGE);
    free(th), free(th2);
    dln_net_free(net), dln_net_free(again);
}
END_TEST

START_TEST(identity_init)
{
    const size_t d[4] = {3, 5, 2, 2};
    dln_net *net = create(3, d);
    ck_assert_ok(dln_net_init_gaussian(net, 1.0, 1));
    ck_assert_ok(dln_net_init_identity(net, 0.5));
    double *th = params(net);
    for (size_t l = 1; l <= 3; l++) {
        double *W = layer_of(net, th, l);
        for (size_t j = 0; j < d[l - 1]; j++)
            for (size_t i = 0; i < d[l]; i++) ck_assert(W[i + j * d[l]] == (i == j ? 0.5 : 0.0));
    }
    ck_assert_int_eq(dln_net_init_identity(net, INFINITY), DLN_E_RANGE);
    free(th);
    dln_net_free(net);
}
END_TEST

/* ---- balanced initialization --------------------------------------------- */

/* Singular values (descending) of an r x c matrix, min(r,c) of them. */
static void singular_values(size_t r, size_t c, const double *A, size_t lda, double *s)
{
    double *tmp = malloc(r * c * sizeof *tmp);
    for (size_t j = 0; j < c; j++)
        for (size_t i = 0; i < r; i++) tmp[i + j * r] = A[i + j * lda];
    ck_assert_int_eq(LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'N', (int)r, (int)c, tmp, (int)r, s, NULL, 1,
                                    NULL, 1),
                     0);
    free(tmp);
}

typedef struct balance_err {
    double product, balance, svals;
} balance_err;

/* Check the balanced factorization of A (d_L x d_0, lda) by the net:
 * W_{L:1} = A, W_{l+1}^T W_{l+1} = W_l W_l^T and sv(W_l) = sv(A)^{1/L}.
 * Errors relative to ||A||, ||A||^{2/L} and ||A||^{1/L}. */
static balance_err check_balanced(const dln_net *net, const double *A, size_t lda)
{
    size_t L = dln_net_depth(net), d[8], dmax = 0;
    for (size_t l = 0; l <= L; l++) d[l] = dln_net_width(net, l), dmax = d[l] > dmax ? d[l] : dmax;
    double *th = params(net), *P = malloc(d[L] * d[0] * sizeof *P);
    double *sa = calloc(dmax, sizeof *sa), *sw = calloc(dmax, sizeof *sw);
    double *G1 = malloc(dmax * dmax * sizeof *G1), *G2 = malloc(dmax * dmax * sizeof *G2);
    balance_err e = {0, 0, 0};
    orc_product(L, d, th, L, 1, P, d[L]);
    for (size_t j = 0; j < d[0]; j++)
        for (size_t i = 0; i < d[L]; i++) e.product = orc_max(e.product, fabs(P[i + j * d[L]] - A[i + j * lda]));
    singular_values(d[L], d[0], A, lda, sa);
    double na = sa[0] > 0 ? sa[0] : 1.0;
    e.product /= na;
    for (size_t l = 1; l < L; l++) { /* W_{l+1}^T W_{l+1} vs W_l W_l^T (d_l x d_l) */
        const double *Wl = th + dln_net_layer_offset(net, l), *Wn = th + dln_net_layer_offset(net, l + 1);
        orc_matmul(d[l], d[l], d[l + 1], Wn, d[l + 1], 1, Wn, d[l + 1], 0, G1, d[l]);
        orc_matmul(d[l], d[l], d[l - 1], Wl, d[l], 0, Wl, d[l], 1, G2, d[l]);
        e.balance = orc_max(e.balance, orc_maxdiff(d[l] * d[l], G1, G2) / pow(na, 2.0 / (double)L));
    }
    size_t k = d[0] < d[L] ? d[0] : d[L];
    for (size_t l = 1; l <= L; l++) {
        size_t kl = d[l] < d[l - 1] ? d[l] : d[l - 1];
        singular_values(d[l], d[l - 1], th + dln_net_layer_offset(net, l), d[l], sw);
        for (size_t i = 0; i < kl; i++) {
            /* singular values of A below 1e-12 |A| are rank deficiency: zero in the factors */
            double expect = i < k && sa[i] > 1e-12 * na ? pow(sa[i], 1.0 / (double)L) : 0.0;
            e.svals = orc_max(e.svals, fabs(sw[i] - expect) / pow(na, 1.0 / (double)L));
        }
    }
    free(th), free(P), free(sa), free(sw), free(G1), free(G2);
    return e;
}

static void assert_balanced(const dln_net *net, const double *A, size_t lda, balance_err *worst)
{
    balance_err e = check_balanced(net, A, lda);
    ck_assert_msg(e.product < 1e-14 && e.balance < 1e-14 && e.svals < 1e-14,
                  "L=%zu: |P - A| %g, balance %g, singular values %g", dln_net_depth(net),
                  e.product, e.balance, e.svals);
    worst->product = orc_max(worst->product, e.product);
    worst->balance = orc_max(worst->balance, e.balance);
    worst->svals = orc_max(worst->svals, e.svals);
}

/* Random widths for depth L with every hidden width >= k = min(d_0, d_L)
 * (k + 0..extra); returns k. */
static size_t balanced_shape(tu_rng *r, size_t L, size_t extra, size_t *d)
{
    d[0] = tu_int(r, 1, 5), d[L] = tu_int(r, 1, 5);
    size_t k = d[0] < d[L] ? d[0] : d[L];
    for (size_t l = 1; l < L; l++) d[l] = k + tu_int(r, 0, extra);
    return k;
}

START_TEST(balanced_random_shapes)
{
    balance_err worst = {0, 0, 0};
    tu_rng r;
    tu_seed(&r, 33);
    for (int i = 0; i < tu_cases(40); i++) {
        size_t L = 1 + (size_t)(i % 5), d[6];
        balanced_shape(&r, L, 3, d);
        size_t lda = d[L] + 1;
        double *A = tu_padded(&r, d[L], d[0], lda);
        dln_net *net = create(L, d), *again = create(L, d);
        for (int frames = 0; frames < 2; frames++) {
            ck_assert_ok(dln_net_init_balanced(net, A, lda, (dln_frames)frames, 100 + (uint64_t)i));
            assert_balanced(net, A, lda, &worst);
        }
        /* random frames: reproducible from the seed, and different for another seed */
        ck_assert_ok(dln_net_init_balanced(again, A, lda, DLN_FRAMES_RANDOM, 100 + (uint64_t)i));
        double *t1 = params(net), *t2 = params(again);
        size_t n = dln_net_num_params(net);
        ck_assert_int_eq(memcmp(t1, t2, n * sizeof *t1), 0);
        ck_assert_ok(dln_net_init_balanced(again, A, lda, DLN_FRAMES_RANDOM, 7 + (uint64_t)i));
        free(t2);
        t2 = params(again);
        if (L > 1 && d[1] > 1) ck_assert(orc_maxdiff(n, t1, t2) > 1e-3);
        free(t1), free(t2), free(A);
        dln_net_free(net), dln_net_free(again);
    }
    orc_note("balanced: |W_{L:1} - A| / |A|", worst.product);
    orc_note("balanced: |W'W - WW'| / |A|^{2/L}", worst.balance);
    orc_note("balanced: |sv(W_l) - sv(A)^{1/L}| / |A|^{1/L}", worst.svals);
}
END_TEST

/* unregularized.md §12d: A = [3 4], L = 3, dims 2-3-2-1, canonical frames. */
START_TEST(balanced_worked_example)
{
    const size_t d[4] = {2, 3, 2, 1};
    const double A[2] = {3, 4}, c = cbrt(5.0);
    const double W1[6] = {0.6 * c, 0, 0, 0.8 * c, 0, 0}, W2[6] = {c, 0, 0, 0, 0, 0}, W3[2] = {c, 0};
    dln_net *net = create(3, d);
    ck_assert_ok(dln_net_init_balanced(net, A, 1, DLN_FRAMES_CANONICAL, 0));
    double *th = params(net);
    /* the singular pair (u, v) is fixed up to a common sign that flips W_1 and W_3 together */
    double sg = th[12] < 0 ? -1.0 : 1.0;
    for (size_t i = 0; i < 6; i++) {
        ck_assert_double_eq_tol(th[i], sg * W1[i], 1e-14);
        ck_assert_double_eq_tol(th[6 + i], W2[i], 1e-14);
    }
    ck_assert_double_eq_tol(th[12], sg * W3[0], 1e-14);
    ck_assert_double_eq_tol(th[13], W3[1], 1e-14);
    ck_assert_double_eq_tol(c, 1.709976, 1e-6);
    ck_assert_double_eq_tol(0.6 * c, 1.025986, 1e-6);
    ck_assert_double_eq_tol(0.8 * c, 1.367981, 1e-6);
    ck_assert_double_eq_tol(c * c, 2.924018, 1e-6);
    balance_err worst = {0, 0, 0};
    assert_balanced(net, A, 1, &worst);
    free(th);
    dln_net_free(net);
}
END_TEST

START_TEST(balanced_rank_deficient)
{
    balance_err worst = {0, 0, 0};
    tu_rng r;
    tu_seed(&r, 34);
    for (int i = 0; i < tu_cases(12); i++) {
        size_t L = 2 + (size_t)(i % 3), rank = 1 + (size_t)(i % 2), d[5];
        d[0] = 4, d[L] = 5;
        double U[10], V[8], A[20];
        tu_fill(&r, 5 * rank, U), tu_fill(&r, rank * 4, V);
        orc_matmul(5, 4, rank, U, 5, 0, V, rank, 0, A, 5); /* rank-r A */
        for (size_t l = 1; l < L; l++) d[l] = rank + (l == 1 ? 0 : 2); /* some hidden width = rank */
        dln_net *net = create(L, d);
        for (int frames = 0; frames < 2; frames++) {
            ck_assert_ok(dln_net_init_balanced(net, A, 5, (dln_frames)frames, 5));
            assert_balanced(net, A, 5, &worst);
        }
        /* a hidden width below the rank: no balanced factorization, net unchanged */
        d[1] = rank - 1 > 0 ? rank - 1 : 0;
        if (d[1] > 0) {
            dln_net *narrow = create(L, d);
            ck_assert_ok(dln_net_init_gaussian(narrow, 1.0, 2));
            double *before = params(narrow), *after;
            ck_assert_int_eq(dln_net_init_balanced(narrow, A, 5, DLN_FRAMES_CANONICAL, 0), DLN_E_DIM);
            after = params(narrow);
            ck_assert_int_eq(memcmp(before, after, dln_net_num_params(narrow) * sizeof *after), 0);
            free(before), free(after);
            dln_net_free(narrow);
        }
        dln_net_free(net);
    }
    /* full-rank 3 x 3 A through a width-2 node */
    const size_t dn[3] = {3, 2, 3};
    double A[9];
    tu_fill(&r, 9, A);
    dln_net *narrow = create(2, dn);
    ck_assert_int_eq(dln_net_init_balanced(narrow, A, 3, DLN_FRAMES_RANDOM, 1), DLN_E_DIM);
    ck_assert_int_eq(dln_net_init_balanced(narrow, A, 2, DLN_FRAMES_RANDOM, 1), DLN_E_LD);
    ck_assert_int_eq(dln_net_init_balanced(narrow, NULL, 3, DLN_FRAMES_RANDOM, 1), DLN_E_NULL);
    A[4] = NAN;
    ck_assert_int_eq(dln_net_init_balanced(narrow, A, 3, DLN_FRAMES_RANDOM, 1), DLN_E_NONFINITE);
    dln_net_free(narrow);
    orc_note("balanced rank-deficient: worst of the three errors",
             fmax(worst.product, fmax(worst.balance, worst.svals)));
}
END_TEST

START_TEST(balanced_random_init)
{
    tu_rng r;
    tu_seed(&r, 35);
    for (int i = 0; i < tu_cases(20); i++) {
        size_t L = 1 + (size_t)(i % 4), d[5], k = balanced_shape(&r, L, 2, d);
        dln_net *net = create(L, d), *again = create(L, d);
        ck_assert_ok(dln_net_init_balanced_random(net, 0.3, 9 + (uint64_t)i));
        ck_assert_ok(dln_net_init_balanced_random(again, 0.3, 9 + (uint64_t)i));
        double *th = params(net), *t2 = params(again), P[25];
        ck_assert_int_eq(memcmp(th, t2, dln_net_num_params(net) * sizeof *th), 0);
        orc_product(L, d, th, L, 1, P, d[L]);
        balance_err worst = {0, 0, 0};
        assert_balanced(net, P, d[L], &worst); /* balanced factorization of its own P */
        if (L > 1 && k > 1) { /* a hidden width below min(d_0, d_L) */
            d[1] = k - 1;
            dln_net *narrow = create(L, d);
            ck_assert_int_eq(dln_net_init_balanced_random(narrow, 0.3, 1), DLN_E_DIM);
            dln_net_free(narrow);
        }
        ck_assert_int_eq(dln_net_init_balanced_random(net, -0.3, 1), DLN_E_RANGE);
        free(th), free(t2);
        dln_net_free(net), dln_net_free(again);
    }
}
END_TEST

Suite *suite_net(void)
{
    Suite *s = suite_create("net");
    TCase *tc = tcase_create("handle");
    tcase_add_test(tc, create_copy_queries);
    tcase_add_test(tc, layer_import_export);
    tcase_add_test(tc, params_roundtrip);
    suite_add_tcase(s, tc);
    tc = tcase_create("init");
    tcase_add_test(tc, gaussian_init);
    tcase_add_test(tc, orthogonal_init);
    tcase_add_test(tc, identity_init);
    tcase_add_test(tc, balanced_random_shapes);
    tcase_add_test(tc, balanced_worked_example);
    tcase_add_test(tc, balanced_rank_deficient);
    tcase_add_test(tc, balanced_random_init);
    suite_add_tcase(s, tc);
    return s;
}
