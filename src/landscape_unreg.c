/* landscape_unreg.c - classification of a point by the unregularized theory
 * (unregularized.md 4, 8, 12(a)), in the whitened picture W_1' = W_1 R^T,
 * where the loss is 1/2 ||W'_{L:1} - C||^2 + r0/2 with C = Yw.
 *
 * Index set: S = {i : u_i^T P' v_i / sqrt(gamma_i) > 1/2}. Top-S points below
 * r_max are strict exactly when a witness exists: h1 < h2 with
 * C(h1,h2) = W_{L:h2+1}^T Pi_perp C W'_{h1-1:1}^T != 0 and rank W_{h2-1:h1+1} > r,
 * found by the O(L) two-pointer sweep. Zero and rank tests are relative to
 * the product of the factors' spectral norms (never to the tested matrix
 * itself, see 8 "Pitfall"), after the scalar gauge that gives every layer
 * the same norm. */
#include "landscape.h"
#include "linalg.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CERT_MAX 1024 /* largest principal block assembled for a certificate */

typedef struct sweep {
    dlni_cls *c;
    dln_net *x;           /* whitened, equalized copy of the point */
    double *nw;           /* ||W_l||_2, l = 1..L */
    double *T;            /* Pi_perp C (d_L x d_0) */
    double *pre, *suf;    /* W'_{h:1} (d_h x d_0), W_{L:h+1} (d_L x d_h) */
    size_t *poff, *soff;
    double *M1, *Cm, *sv; /* scratch */
    double cnorm;         /* ||C||_2 */
    int ambiguous;
} sweep;

static void margin(sweep *s, double ratio)
{
    dln_class_report *rep = s->c->rep;
    if (ratio > 0.0 && isfinite(ratio)) {
        double m = fmax(ratio, 1.0 / ratio);
        rep->coupling_margin = isnan(rep->coupling_margin) ? m : fmin(rep->coupling_margin, m);
    }
    if (ratio > 0.1 && ratio < 10.0) s->ambiguous = 1;
}

static double prod_norms(const sweep *s, size_t lo, size_t hi) /* prod_{lo <= l <= hi} */
{
    double p = 1.0;
    for (size_t l = lo; l <= hi; l++) p *= s->nw[l];
    return p;
}

/* C(h1,h2) != 0 beyond tau * scale * max(rows, cols). */
static int coupled(sweep *s, size_t h1, size_t h2)
{
    dln_landscape *ls = s->c->ls;
    size_t dL = ls->d[ls->L], d0 = ls->d[0], cols = ls->d[h1 - 1], rows = ls->d[h2];
    const double *M1 = s->T;
    if (h1 > 1) {
        la_gemm(LA_N, LA_T, dL, cols, d0, 1.0, s->T, dL, s->pre + s->poff[h1 - 1], cols, 0.0, s->M1, dL);
        M1 = s->M1;
    }
    const double *Cm = M1;
    size_t ldc = dL;
    if (h2 < ls->L) {
        la_gemm(LA_T, LA_N, rows, cols, dL, 1.0, s->suf + s->soff[h2], dL, M1, dL, 0.0, s->Cm, rows);
        Cm = s->Cm, ldc = rows;
    }
    double nrm = 0.0;
    if (dlni_cls_failed(s->c, dlni_norm2(ls->err, rows, cols, Cm, ldc, &nrm))) return 0;
    double scale = s->cnorm * prod_norms(s, h2 + 1, ls->L) * prod_norms(s, 1, h1 - 1);
    double thr = s->c->tau * scale * (double)(rows > cols ? rows : cols);
    double ratio = thr > 0.0 ? nrm / thr : (nrm > 0.0 ? INFINITY : 0.0);
    margin(s, ratio);
    return ratio > 1.0;
}

/* rank W_{h2-1:h1+1} > r ? (d_{h1} when h2 = h1 + 1). */
static int loose_middle(sweep *s, size_t h1, size_t h2, size_t r)
{
    dln_landscape *ls = s->c->ls;
    if (h2 == h1 + 1) return ls->d[h1] > r;
    size_t rows = ls->d[h2 - 1], cols = ls->d[h1], k = rows < cols ? rows : cols;
    if (k <= r) return 0;
    if (dlni_cls_failed(s->c, dln_net_product(s->x, h2 - 1, h1 + 1, s->Cm, rows))) return 0;
    int rc = la_svd(rows, cols, s->Cm, rows, s->sv, NULL, 1, NULL, 1);
    if (dlni_cls_failed(s->c, dlni_la_status(ls->err, rc, "SVD of a middle product"))) return 0;
    double thr = s->c->tau * prod_norms(s, h1 + 1, h2 - 1) * (double)(rows > cols ? rows : cols);
    double ratio = thr > 0.0 ? s->sv[r] / thr : (s->sv[r] > 0.0 ? INFINITY : 0.0);
    margin(s, ratio);
    return ratio > 1.0;
}

/* Principal Hessian block on layers h1 and h2 of the original point (9). */
static void witness_certificate(dlni_cls *c, size_t h1, size_t h2)
{
    dln_landscape *ls = c->ls;
    const dln_net *net = c->net;
    size_t n = ls->n, k1 = net->off[h1] - net->off[h1 - 1], k2 = net->off[h2] - net->off[h2 - 1];
    size_t k = k1 + k2;
    if (k > CERT_MAX) return;
    double *D = calloc(n * k + n, sizeof *D);
    if (!D && dlni_cls_nomem(c)) return;
    for (size_t j = 0; j < k1; j++) D[net->off[h1 - 1] + j + j * n] = 1.0;
    for (size_t j = 0; j < k2; j++) D[net->off[h2 - 1] + j + (k1 + j) * n] = 1.0;
    double curv = NAN, *dir = D + n * k;
    if (!dlni_cls_failed(c, dlni_ritz_min(ls, net, k, D, dir, &curv)))
        dlni_set_direction(c, dir, curv);
    free(D);
}

/* Equalize the layer norms (scalar gauge) and form Pi_perp C, prefixes, suffixes. */
static int sweep_setup(sweep *s, const int *inS)
{
    dln_landscape *ls = s->c->ls;
    size_t L = ls->L, d0 = ls->d[0], dL = ls->d[L], np = 0, ns = 0, dmax = 0;
    for (size_t l = 0; l <= L; l++) {
        dmax = ls->d[l] > dmax ? ls->d[l] : dmax;
        np += ls->d[l] * d0, ns += dL * ls->d[l];
    }
    s->nw = dlni_alloc(L + 1), s->T = dlni_alloc(dL * d0), s->pre = dlni_alloc(np), s->suf = dlni_alloc(ns);
    s->poff = malloc((L + 1) * sizeof *s->poff), s->soff = malloc((L + 1) * sizeof *s->soff);
    s->M1 = dlni_alloc(dL * dmax), s->Cm = dlni_alloc(dmax * dmax), s->sv = dlni_alloc(dmax);
    if (!s->nw || !s->T || !s->pre || !s->suf || !s->poff || !s->soff || !s->M1 || !s->Cm || !s->sv)
        return !dlni_cls_nomem(s->c);
    double lg = 0.0;
    int zero = 0;
    for (size_t l = 1; l <= L; l++) {
        if (dlni_cls_failed(s->c, dlni_norm2(ls->err, ls->d[l], ls->d[l - 1], dlni_layer(s->x, l),
                                             ls->d[l], &s->nw[l])))
            return 0;
        zero |= s->nw[l] == 0.0;
        lg += zero ? 0.0 : log(s->nw[l]);
    }
    if (!zero) /* W_h <- (g/||W_h||) W_h: the scalar gauge of 8 "Tiny factors" */
        for (size_t l = 1; l <= L; l++) {
            double f = exp(lg / (double)L) / s->nw[l];
            la_scal(ls->d[l] * ls->d[l - 1], f, dlni_layer(s->x, l));
            s->nw[l] *= f;
        }
    dlni_loss_c_copy(ls->loss, s->T, dL);
    for (size_t i = 0; i < ls->nv; i++)
        if (inS[i]) { /* T -= sqrt(gamma_i) u_i v_i^T */
            double g = sqrt(ls->y[i]);
            la_gemm(LA_N, LA_T, dL, d0, 1, -g, ls->U + i * dL, dL, ls->V + i * d0, d0, 1.0, s->T, dL);
        }
    s->cnorm = sqrt(ls->y[0]);
    for (size_t h = 0, o = 0; h <= L; o += ls->d[h] * d0, h++) s->poff[h] = o;
    for (size_t h = 0, o = 0; h <= L; o += dL * ls->d[h], h++) s->soff[h] = o;
    la_set_identity(d0, d0, s->pre, d0);
    for (size_t h = 1; h <= L; h++)
        la_gemm(LA_N, LA_N, ls->d[h], d0, ls->d[h - 1], 1.0, dlni_layer(s->x, h), ls->d[h],
                s->pre + s->poff[h - 1], ls->d[h - 1], 0.0, s->pre + s->poff[h], ls->d[h]);
    la_set_identity(dL, dL, s->suf + s->soff[L], dL);
    for (size_t h = L; h-- > 0;)
        la_gemm(LA_N, LA_N, dL, ls->d[h], ls->d[h + 1], 1.0, s->suf + s->soff[h + 1], dL,
                dlni_layer(s->x, h + 1), ls->d[h + 1], 0.0, s->suf + s->soff[h], dL);
    return 1;
}

/* Read S off the whitened end-to-end matrix P' (12a step 3); returns the flags
 * that make the verdict undetermined. */
static unsigned index_set(dlni_cls *c, sweep *s, int *inS, size_t *r, int *top)
{
    dln_landscape *ls = c->ls;
    dln_class_report *rep = c->rep;
    size_t dL = ls->d[ls->L], d0 = ls->d[0];
    double *P = dlni_alloc(dL * d0 + dL * dL), *T1 = P ? P + dL * d0 : NULL;
    if (!P && dlni_cls_nomem(c)) return DLN_CF_NOCONV; /* the status decides, not the flag */
    unsigned bad = 0;
    if (dlni_cls_failed(c, dln_net_end_to_end(s->x, P, dL))) {
        free(P);
        return DLN_CF_NOCONV;
    }
    la_gemm(LA_N, LA_N, dL, dL, d0, 1.0, P, dL, ls->V, d0, 0.0, T1, dL); /* P' V */
    double cons = 0.0, cval = ls->offset;
    *r = 0, *top = 1;
    for (size_t i = 0; i < ls->nv; i++) {
        double di = la_dot(dL, ls->U + i * dL, T1 + i * dL) / sqrt(ls->y[i]);
        inS[i] = di > 0.5;
        cons = fmax(cons, fmin(fabs(di), fabs(1.0 - di)));
        if (inS[i]) {
            *top &= *r == i;
            (*r)++;
            la_gemm(LA_N, LA_T, dL, d0, 1, -sqrt(ls->y[i]), ls->U + i * dL, dL, ls->V + i * d0, d0, 1.0, P, dL);
            c->pattern[i] = DLN_MATCH_SELECTED;
        } else
            cval += 0.5 * ls->y[i];
    }
    double res = la_fro(dL, d0, P, dL) / (ls->loss->eff.rs * la_fro(dL, d0, ls->loss->eff.C, dL));
    double gv = fabs(rep->value - cval) / fmax(ls->fzero, DBL_MIN);
    rep->rank = *r;
    rep->critical_value = cval;
    rep->gap_match = fmax(cons, fmax(res, gv));
    if (cons > 0.1) bad |= DLN_CF_TOLERANCE;
    else if (rep->gap_match > 10.0 * c->tau) bad |= DLN_CF_INCONSISTENT;
    if (*r > ls->dmin) bad |= DLN_CF_INCONSISTENT;
    free(P);
    return bad;
}

dln_class dlni_classify_unreg(dlni_cls *c)
{
    dln_landscape *ls = c->ls;
    dln_class_report *rep = c->rep;
    size_t L = ls->L, r = 0;
    sweep s;
    memset(&s, 0, sizeof s);
    s.c = c;
    int *inS = calloc(ls->nv, sizeof *inS), top = 0;
    dln_class cls = DLN_CLASS_UNDETERMINED;
    if (!inS ? dlni_cls_nomem(c) : dlni_cls_failed(c, dln_net_copy(&s.x, c->net))) goto out;
    /* whitening W_1' = W_1 R^T */
    dlni_times_r_inplace(ls->loss, LA_T, ls->d[1], dlni_layer(s.x, 1), ls->d[1]);
    unsigned bad = index_set(c, &s, inS, &r, &top);
    rep->flags |= bad;
    if (bad) goto out;
    if (!top) { /* case (ii): witness (1, L) */
        rep->witness_h1 = 1, rep->witness_h2 = L;
        witness_certificate(c, 1, L);
        cls = DLN_CLASS_STRICT_SADDLE;
        goto out;
    }
    if (r == ls->dmin) {
        cls = DLN_CLASS_GLOBAL_MIN;
        goto out;
    }
    if (!sweep_setup(&s, inS)) goto out;
    size_t wh1 = 0, wh2 = 0;
    for (size_t h1 = 1, g = 2; h1 < L && !wh1; h1++) { /* two-pointer sweep */
        size_t h2 = g > h1 + 1 ? g : h1 + 1;
        while (h2 <= L && !coupled(&s, h1, h2)) h2++;
        if (h2 > L) break; /* g is non-decreasing: no later h1 couples either */
        g = h2;
        if (loose_middle(&s, h1, h2, r)) wh1 = h1, wh2 = h2;
    }
    if (s.ambiguous) {
        rep->flags |= DLN_CF_TOLERANCE;
        goto out;
    }
    rep->witness_h1 = wh1, rep->witness_h2 = wh2;
    if (wh1) witness_certificate(c, wh1, wh2);
    cls = wh1 ? DLN_CLASS_STRICT_SADDLE : DLN_CLASS_NONSTRICT_SADDLE;
out:
    dln_net_free(s.x);
    free(inS), free(s.nw), free(s.T), free(s.pre), free(s.suf), free(s.poff), free(s.soff);
    free(s.M1), free(s.Cm), free(s.sv);
    return cls;
}
