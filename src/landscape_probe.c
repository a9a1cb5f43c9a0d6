/* landscape_probe.c - measurements of the loss at one point that the
 * classification rules and the numerical method share: the relative gradient
 * (criticality test), the curvature of a direction, the smallest Ritz pair on
 * a subspace, and the output of a certificate direction. */
#include "landscape.h"
#include "linalg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A loss failure, with the loss's detail copied into the landscape's. */
dln_status dlni_from_loss(dln_landscape *ls, dln_status st)
{
    if (st != DLN_OK) dlni_fail(ls->err, st, "%s", ls->loss->err);
    return st;
}

/* ---- criticality --------------------------------------------------------- */

dln_status dlni_grad_rel(dln_landscape *ls, const dln_net *net, double *grad, double *value,
                         double *gnorm, double *grel)
{
    double v;
    dln_status st = dlni_from_loss(ls, dln_loss_grad(ls->loss, net, &v, grad));
    if (st != DLN_OK) return st;
    size_t L = ls->L;
    long double all = 1.0L, worst = 0.0L, *nw = malloc((L + 1) * sizeof *nw);
    if (!nw) return dlni_fail(ls->err, DLN_E_NOMEM, "out of memory");
    for (size_t l = 1; l <= L && st == DLN_OK; l++) {
        double s = 0.0;
        st = dlni_norm2(ls->err, net->d[l], net->d[l - 1], dlni_layer(net, l), net->d[l], &s);
        nw[l] = s, all *= nw[l];
    }
    if (st != DLN_OK) {
        free(nw);
        return st;
    }
    long double floor_ = (long double)ls->syx * powl((long double)ls->ascale, (long double)(L - 1));
    for (size_t l = 1; l <= L; l++) {
        long double others = 1.0L;
        for (size_t k = 1; k <= L; k++)
            if (k != l) others *= nw[k];
        long double g = others * ((long double)ls->sxx * all + (long double)ls->syx) +
                        (long double)ls->lam[l - 1] * nw[l] + floor_;
        long double gl = la_nrm2(net->d[l] * net->d[l - 1], grad + net->off[l - 1]);
        long double q = gl == 0.0L ? 0.0L : (g > 0.0L && isfinite(g) ? gl / g : INFINITY);
        if (q > worst) worst = q;
    }
    free(nw);
    if (value) *value = v;
    if (gnorm) *gnorm = la_nrm2(ls->n, grad);
    *grel = (double)worst;
    return DLN_OK;
}

/* ---- certificates -------------------------------------------------------- */

dln_status dlni_curvature(dln_landscape *ls, const dln_net *net, const double *d, double *curv)
{
    double *hd = dlni_alloc(ls->n);
    if (!hd) return dlni_fail(ls->err, DLN_E_NOMEM, "out of memory");
    dln_status st = dlni_from_loss(ls, dln_loss_hvp(ls->loss, net, d, hd));
    double dd = la_dot(ls->n, d, d);
    if (st == DLN_OK) *curv = dd > 0.0 ? la_dot(ls->n, d, hd) / dd : 0.0;
    free(hd);
    return st;
}

dln_status dlni_ritz_min(dln_landscape *ls, const dln_net *net, size_t k, const double *D,
                         double *dir, double *curv)
{
    size_t n = ls->n;
    double *HD = dlni_alloc(n * k), *M = dlni_alloc(k * k), *w = dlni_alloc(k), *Zk = dlni_alloc(k * k);
    dln_status st = (HD && M && w && Zk) ? DLN_OK : dlni_fail(ls->err, DLN_E_NOMEM, "out of memory");
    if (st == DLN_OK) st = dlni_from_loss(ls, dln_loss_hvp_batch(ls->loss, net, k, D, n, HD, n));
    if (st == DLN_OK) {
        la_gemm(LA_T, LA_N, k, k, n, 1.0, D, n, HD, n, 0.0, M, k);
        st = dlni_la_status(ls->err, la_syev(k, M, k, w, Zk, k), "eigenvalues of a Hessian block");
    }
    if (st == DLN_OK) {
        la_gemm(LA_N, LA_N, n, 1, k, 1.0, D, n, Zk, k, 0.0, dir, n);
        *curv = w[0];
    }
    free(HD), free(M), free(w), free(Zk);
    return st;
}

void dlni_set_direction(dlni_cls *c, const double *d, double curv)
{
    c->rep->curvature = curv;
    c->rep->flags |= DLN_CF_DIRECTION;
    if (c->dir && c->dir != d) memcpy(c->dir, d, c->ls->n * sizeof *d);
}

dln_status dlni_norm2(char *err, size_t m, size_t n, const double *A, size_t lda, double *out)
{
    return dlni_la_status(err, la_norm2(m, n, A, lda, out), "spectral norm");
}

int dlni_cls_failed(dlni_cls *c, dln_status st)
{
    if (st == DLN_OK) return 0;
    if (c->st == DLN_OK) c->st = st;
    return 1;
}

int dlni_cls_nomem(dlni_cls *c)
{
    return dlni_cls_failed(c, dlni_fail(c->ls->err, DLN_E_NOMEM, "out of memory"));
}
