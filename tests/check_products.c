/* check_products.c - partial products W_{j:i}, the end-to-end matrix and
 * the forward pass against naive loops, in both multiplication orders and
 * with padded leading dimensions whose NaN padding must survive. */
#include "oracle.h"
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Relative error of the ld-strided r x c matrix A against compact B, and
 * check that rows r..ld-1 of A are still NaN. Scale: |W_j|..|W_i| |X|. */
static double strided_error(size_t r, size_t c, const double *A, size_t ld, const double *B,
                            double scale)
{
    double err = 0.0;
    for (size_t j = 0; j < c; j++) {
        for (size_t i = 0; i < r; i++) err = orc_max(err, fabs(A[i + j * ld] - B[i + j * r]));
        for (size_t i = r; i < ld; i++) ck_assert_msg(isnan(A[i + j * ld]), "padding overwritten");
    }
    return err / scale;
}

static double *nan_buffer(size_t n)
{
    double *a = malloc((n ? n : 1) * sizeof *a);
    for (size_t i = 0; i < n; i++) a[i] = NAN;
    return a;
}

/* Product of the Frobenius norms of W_i..W_j (a bound on |W_{j:i}|). */
static double chain_norm(const size_t *d, const double *th, size_t j, size_t i)
{
    double s = 1.0;
    size_t off = 0;
    for (size_t l = 1; l <= j; l++) {
        if (l >= i) s *= orc_fro(d[l], d[l - 1], th + off, d[l]);
        off += d[l] * d[l - 1];
    }
    return s;
}

START_TEST(partial_products)
{
    double worst = 0.0;
    int thin_left = 0, thin_right = 0;
    tu_rng r;
    tu_seed(&r, 41);
    for (int c = 0; c < tu_cases(30); c++) {
        size_t L = 1 + (size_t)(c % 6), d[7];
        for (size_t l = 0; l <= L; l++) d[l] = tu_int(&r, 1, 7);
        dln_net *net = tu_net(L, d, 1.0, 400 + (uint64_t)c);
        double *th = malloc(dln_net_num_params(net) * sizeof *th);
        ck_assert_ok(dln_net_get_params(net, th));
        for (size_t i = 1; i <= L; i++)
            for (size_t j = i - 1; j <= L; j++) {
                size_t rows = d[j], cols = d[i - 1], ld = rows + 1 + (i + j) % 3;
                double *out = nan_buffer(ld * cols), *ref = malloc(rows * cols * sizeof *ref);
                ck_assert_ok(dln_net_product(net, j, i, out, ld));
                orc_product(L, d, th, j, i, ref, rows);
                double e = strided_error(rows, cols, out, ld, ref, j + 1 == i ? 1.0 : chain_norm(d, th, j, i));
                ck_assert_msg(e < 1e-14, "L=%zu W_{%zu:%zu} error %g", L, j, i, e);
                if (j + 1 == i) ck_assert(e == 0.0); /* the identity is exact */
                worst = orc_max(worst, e);
                if (j > i) d[i - 1] <= d[j] ? thin_right++ : thin_left++;
                free(out), free(ref);
            }
        /* argument errors write nothing */
        double buf[64];
        for (size_t t = 0; t < 64; t++) buf[t] = NAN;
        ck_assert_int_eq(dln_net_product(net, L, 0, buf, 8), DLN_E_DIM);
        ck_assert_int_eq(dln_net_product(net, L + 1, 1, buf, 8), DLN_E_DIM);
        if (L >= 2) ck_assert_int_eq(dln_net_product(net, 0, 2, buf, 8), DLN_E_DIM);
        ck_assert_int_eq(dln_net_product(net, L, 1, buf, d[L] - 1), DLN_E_LD);
        ck_assert_int_eq(dln_net_product(net, L, 1, NULL, d[L]), DLN_E_NULL);
        ck_assert_int_eq(dln_net_product(NULL, L, 1, buf, d[L]), DLN_E_NULL);
        for (size_t t = 0; t < 64; t++) ck_assert(isnan(buf[t]));
        free(th);
        dln_net_free(net);
    }
    ck_assert_int_gt(thin_left, 0); /* both multiplication orders exercised */
    ck_assert_int_gt(thin_right, 0);
    orc_note("products: W_{j:i} vs naive (/prod |W_l|)", worst);
}
END_TEST

START_TEST(end_to_end)
{
    const size_t d[5] = {6, 2, 9, 3, 4};
    dln_net *net = tu_net(4, d, 1.0, 5);
    double th[200], ref[24], *P = nan_buffer(6 * 6);
    ck_assert_ok(dln_net_get_params(net, th));
    ck_assert_ok(dln_net_end_to_end(net, P, 6));
    orc_product(4, d, th, 4, 1, ref, 4);
    ck_assert_double_lt(strided_error(4, 6, P, 6, ref, chain_norm(d, th, 4, 1)), 1e-14);
    ck_assert_int_eq(dln_net_end_to_end(net, P, 3), DLN_E_LD);
    ck_assert_int_eq(dln_net_end_to_end(NULL, P, 4), DLN_E_NULL);
    free(P);
    dln_net_free(net);
}
END_TEST

/* Flops of the two forward orders, as documented: layer by layer
 * m sum d_l d_{l-1}; P first thin sum d_l d_{l-1} + d_L d_0 m. */
static int pfirst_cheaper(size_t L, const size_t *d, size_t m)
{
    double lw = 0, pf = (double)d[L] * (double)d[0] * (double)m;
    double thin = (double)(d[0] < d[L] ? d[0] : d[L]);
    for (size_t l = 1; l <= L; l++) {
        lw += (double)m * (double)(d[l] * d[l - 1]);
        if (L > 1) pf += thin * (double)(d[l] * d[l - 1]);
    }
    return pf < lw;
}

START_TEST(forward_pass)
{
    /* small batches through wide layers go layer by layer; large batches
     * through thin ends form P first */
    static const size_t shapes[][7] = {{3, 2, 20, 20, 2}, {3, 8, 3, 4, 9}, {1, 5, 4},
                                       {4, 1, 30, 30, 30, 1}, {2, 7, 1, 7}, {5, 3, 6, 2, 6, 3, 4}};
    static const size_t batches[] = {1, 2, 40, 300};
    double worst = 0.0;
    int regimes[2] = {0, 0};
    tu_rng r;
    tu_seed(&r, 42);
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        size_t L = shapes[s][0];
        const size_t *d = shapes[s] + 1;
        dln_net *net = tu_net(L, d, 0.5, 50 + s);
        double *th = malloc(dln_net_num_params(net) * sizeof *th), *P = malloc(d[L] * d[0] * sizeof *P);
        ck_assert_ok(dln_net_get_params(net, th));
        orc_product(L, d, th, L, 1, P, d[L]);
        for (size_t b = 0; b < 4; b++) {
            size_t m = batches[b], ldx = d[0] + 2, ldy = d[L] + 1;
            double *X = tu_padded(&r, d[0], m, ldx), *Y = nan_buffer(ldy * m);
            double *ref = malloc(d[L] * m * sizeof *ref);
            regimes[pfirst_cheaper(L, d, m)]++;
            ck_assert_ok(dln_net_forward(net, m, X, ldx, Y, ldy));
            orc_matmul(d[L], m, d[0], P, d[L], 0, X, ldx, 0, ref, d[L]);
            double e = strided_error(d[L], m, Y, ldy, ref,
                                     chain_norm(d, th, L, 1) * orc_fro(d[0], m, X, ldx));
            ck_assert_msg(e < 1e-14, "shape %zu m=%zu: forward error %g", s, m, e);
            worst = orc_max(worst, e);
            X[0] = NAN;
            ck_assert_int_eq(dln_net_forward(net, m, X, ldx, Y, ldy), DLN_E_NONFINITE);
            ck_assert_int_eq(dln_net_forward(net, m, X, d[0] - 1, Y, ldy), DLN_E_LD);
            ck_assert_int_eq(dln_net_forward(net, 0, X, ldx, Y, ldy), DLN_E_DIM);
            free(X), free(Y), free(ref);
        }
        free(th), free(P);
        dln_net_free(net);
    }
    ck_assert_int_gt(regimes[0], 3); /* both internal orders exercised */
    ck_assert_int_gt(regimes[1], 3);
    orc_note("forward vs naive P X (/|W|..|X|)", worst);
}
END_TEST

Suite *suite_products(void)
{
    Suite *s = suite_create("products");
    TCase *tc = tcase_create("products");
    tcase_add_test(tc, partial_products);
    tcase_add_test(tc, end_to_end);
    tcase_add_test(tc, forward_pass);
    suite_add_tcase(s, tc);
    return s;
}
