/* spectrum_util.c - see spectrum_util.h. */
#include "spectrum_util.h"

#include <lapacke.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

su_case su_make(size_t i, size_t max_w)
{
    su_case c;
    memset(&c, 0, sizeof c);
    tu_rng r;
    tu_seed(&r, 1000 + i);
    c.L = 1 + i % 6;
    size_t shape = (i / 6) % 3, w = 2 + tu_int(&r, 0, max_w - 2);
    for (size_t l = 0; l <= c.L; l++) {
        if (shape == 0) c.d[l] = w;                                      /* square */
        else if (shape == 1) c.d[l] = (l > 0 && l < c.L && l == (c.L + 1) / 2) ? 1 : w; /* bottleneck */
        else c.d[l] = tu_int(&r, 1, max_w);                              /* rectangular */
    }
    c.data = (i / 2) % 2 == 0, c.reg = (i / 3) % 2 == 1, c.mean = c.data && (i / 5) % 2 == 1;
    size_t d0 = c.d[0], dL = c.d[c.L];
    if (c.data) {
        size_t m = (i % 4 == 0) ? (d0 > 1 ? d0 - 1 : 1) : d0 + 3; /* m < d_0: rank-deficient */
        double *X = malloc(d0 * m * sizeof *X), *Y = malloc(dL * m * sizeof *Y);
        tu_fill(&r, d0 * m, X), tu_fill(&r, dL * m, Y);
        ck_assert_ok(dln_loss_create_data(&c.loss, d0, dL, m, X, d0, Y, dL));
        if (c.mean) ck_assert_ok(dln_loss_set_mean(c.loss, 1));
        free(X), free(Y);
    } else {
        double *Phi = malloc(dL * d0 * sizeof *Phi);
        tu_fill(&r, dL * d0, Phi);
        ck_assert_ok(dln_loss_create_target(&c.loss, dL, d0, Phi, dL));
        free(Phi);
    }
    if (c.reg) {
        double lam[8];
        for (size_t l = 0; l < c.L; l++) lam[l] = 0.05 + 0.4 * tu_uniform(&r);
        ck_assert_ok(dln_loss_set_l2(c.loss, c.L, lam));
    }
    c.net = tu_net(c.L, c.d, 0.8, 77 + i);
    c.n = dln_net_num_params(c.net);
    snprintf(c.desc, sizeof c.desc, "case %zu: L=%zu shape=%zu %s reg=%d mean=%d n=%zu", i, c.L,
             shape, c.data ? "data" : "target", c.reg, c.mean, c.n);
    return c;
}

void su_free(su_case *c)
{
    dln_net_free(c->net);
    dln_loss_free(c->loss);
}

double *su_hessian(su_case *c)
{
    double *H = malloc(c->n * c->n * sizeof *H);
    ck_assert_ok(dln_loss_hessian(c->loss, c->net, H, c->n));
    return H;
}

void su_eigs(size_t n, const double *A, size_t lda, double *w)
{
    double *B = malloc(n * n * sizeof *B);
    for (size_t j = 0; j < n; j++) memcpy(B + j * n, A + j * lda, n * sizeof *B);
    ck_assert_int_eq(LAPACKE_dsyev(LAPACK_COL_MAJOR, 'N', 'U', (int)n, B, (int)n, w), 0);
    free(B);
}

void su_block_eigs(const double *H, size_t n, size_t off, size_t m, double *w)
{
    su_eigs(m, H + off + off * n, n, w);
}
