/* landscape_reg.c - classification of a point by the regularized theory
 * (regularized.md 9(b), Theorem B) with certificates (3.2).
 *
 * The point is projected on the singular blocks of Ybar: U_b^T P V_b has the
 * matched p's of block b as singular values (at a critical point P lives in
 * the matched singular subspaces). A component is zero or matched; a matched
 * one is followed down the layers, u_{l-1} = W_l^T u_l / ||.||, which gives
 * the hidden frames and s from the layers themselves (accurate even for tiny
 * s_- roots, whose p = s^L/sqrt(lam) is lost in P's rounding). Its value
 * y(s) must reproduce the block's y; its label is the side of s*. */
#include "landscape.h"
#include "linalg.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct comp {
    size_t blk;
    int label;
    double s;   /* rescaled singular value from the layers */
    double *u;  /* u_0 (d_0), u_1, ..., u_L stacked */
} comp;

typedef struct regwork {
    size_t L, *d, sv, *uoff; /* uoff[l]: offset of u_l in a stacked vector */
    double *P, *Res, *T1, *T2, *Pb, *p, *Zl, *Zr;
    comp *cp;
    double *uvec;   /* dmin stacked vectors */
    double *zfree;  /* per block: a free (unmatched) direction z in the block, m_b doubles */
    int *hasfree;
    size_t ncomp, cap;
} regwork;

/* u_{l-1} = W_l^T u_l / ||.|| for l = L..1 from u_L; returns the geometric mean of
 * sqrt(lamr_l) ||W_l^T u_l|| (0 if a norm vanishes). */
static double propagate(const dln_landscape *ls, const dln_net *net, const regwork *w, double *u)
{
    double logs = 0.0;
    for (size_t l = w->L; l >= 1; l--) {
        double *ul = u + w->uoff[l], *um = u + w->uoff[l - 1];
        la_gemm(LA_T, LA_N, w->d[l - 1], 1, w->d[l], 1.0, dlni_layer(net, l), w->d[l], ul, w->d[l],
                0.0, um, w->d[l - 1]);
        double nr = la_nrm2(w->d[l - 1], um);
        if (!(nr > 0.0)) return 0.0;
        la_scal(w->d[l - 1], 1.0 / nr, um);
        logs += log(sqrt(ls->lamr[l - 1]) * nr);
    }
    return exp(logs / (double)w->L);
}

/* Put direction u_a u_b^T of layer l into column col of D (n rows). */
static void layer_dir(const dln_landscape *ls, double *D, size_t l, const double *ua,
                      const double *ub)
{
    size_t off = 0, r = ls->d[l], cc = ls->d[l - 1];
    for (size_t k = 1; k < l; k++) off += ls->d[k] * ls->d[k - 1];
    for (size_t j = 0; j < cc; j++)
        for (size_t i = 0; i < r; i++) D[off + i + j * r] = ua[i] * ub[j];
}

/* Smallest curvature of a block spanned by k layer directions; records the direction. */
static void certify(dlni_cls *c, double *D, size_t k, double *dir)
{
    double curv = NAN;
    if (!dlni_cls_failed(c, dlni_ritz_min(c->ls, c->net, k, D, dir, &curv)))
        dlni_set_direction(c, dir, curv);
}

/* Negative-curvature certificate of a strict saddle (blocks A, C or E of 3.2). */
static void strict_certificate(dlni_cls *c, regwork *w, size_t ilast)
{
    dln_landscape *ls = c->ls;
    size_t n = ls->n, L = ls->L, d0 = ls->d[0], dL = ls->d[L];
    double *D = calloc(3 * n, sizeof *D), *dir = D ? D + 2 * n : NULL;
    double *uk = dlni_alloc(dL + d0 + ls->d[1]), *vk = uk ? uk + dL : NULL, *e = vk ? vk + d0 : NULL;
    if ((!D || !uk) && dlni_cls_nomem(c)) goto done;
    for (size_t i = 0; i < w->ncomp; i++) /* A: an s_- component */
        if (w->cp[i].label == DLN_MATCH_MINUS) {
            double *DA = calloc(n * L, sizeof *DA);
            if (!DA && dlni_cls_nomem(c)) goto done;
            for (size_t l = 1; l <= L; l++)
                layer_dir(ls, DA + (l - 1) * n, l, w->cp[i].u + w->uoff[l], w->cp[i].u + w->uoff[l - 1]);
            certify(c, DA, L, dir);
            free(DA);
            goto done;
        }
    /* C (rotation defect) or E (L = 2, room): a free direction (u_k, v_k) of the
     * largest block with an unmatched copy above the smallest matched value */
    const comp *ci = w->ncomp ? &w->cp[ilast] : NULL;
    for (size_t b = 0; b < ls->nb; b++) {
        const dlni_block *B = &ls->blk[b];
        int defect = ci && b < ci->blk;
        int room_e = L == 2 && w->ncomp < ls->dmin && B->root.delta > ls->tol[DLN_TOL_VALUE];
        if (!w->hasfree[b] || !(defect || room_e)) continue;
        const double *z = w->zfree + B->start;
        la_gemm(LA_N, LA_N, dL, 1, B->m, 1.0, ls->U + B->start * dL, dL, z, B->m, 0.0, uk, dL);
        la_gemm(LA_N, LA_N, d0, 1, B->m, 1.0, ls->V + B->start * d0, d0, z, B->m, 0.0, vk, d0);
        if (defect) { /* W_L(k,i), W_1(i,k) */
            layer_dir(ls, D, L, uk, ci->u + w->uoff[L - 1]);
            layer_dir(ls, D + n, 1, ci->u + w->uoff[1], vk);
        } else { /* W_2(k,e), W_1(e,k) with e orthogonal to the matched hidden frame */
            size_t d1 = ls->d[1];
            for (size_t j = 0; j < d1; j++) {
                memset(e, 0, d1 * sizeof *e);
                e[j] = 1.0;
                for (size_t i = 0; i < w->ncomp; i++)
                    la_axpy(d1, -la_dot(d1, w->cp[i].u + w->uoff[1], e), w->cp[i].u + w->uoff[1], e);
                double nr = la_nrm2(d1, e);
                if (nr > 0.5) {
                    la_scal(d1, 1.0 / nr, e);
                    break;
                }
            }
            layer_dir(ls, D, 2, uk, e);
            layer_dir(ls, D + n, 1, e, vk);
        }
        certify(c, D, 2, dir);
        break;
    }
done:
    free(D), free(uk);
}

/* Non-strict saddle: the null direction of block A at a double root, and the
 * cubic decrease of F along it (regularized.md 10.2). */
static void double_certificate(dlni_cls *c, regwork *w)
{
    dln_landscape *ls = c->ls;
    size_t n = ls->n, L = ls->L;
    for (size_t i = 0; i < w->ncomp; i++) {
        if (w->cp[i].label != DLN_MATCH_DOUBLE) continue;
        double *DA = calloc(n * (L + 1), sizeof *DA), *dir = DA ? DA + n * L : NULL;
        dln_net *x = NULL;
        if (!DA ? dlni_cls_nomem(c) : dlni_cls_failed(c, dln_net_copy(&x, c->net))) {
            free(DA);
            return;
        }
        for (size_t l = 1; l <= L; l++)
            layer_dir(ls, DA + (l - 1) * n, l, w->cp[i].u + w->uoff[l], w->cp[i].u + w->uoff[l - 1]);
        double curv = NAN;
        if (!dlni_cls_failed(c, dlni_ritz_min(ls, c->net, L, DA, dir, &curv))) {
            dlni_set_direction(c, dir, curv);
            double best = 0.0, step = NAN, t0 = 1e-2 * ls->sstar / sqrt(ls->lamr[0]);
            for (int k = 0; k < 2; k++)
                for (int sg = -1; sg <= 1; sg += 2) {
                    double t = sg * t0 * pow(10.0, -k), F;
                    for (size_t j = 0; j < n; j++) x->theta[j] = c->net->theta[j] + t * dir[j];
                    dln_status st = dln_loss_value(ls->loss, x, &F);
                    if (st != DLN_E_NONFINITE) dlni_cls_failed(c, st); /* overflow: no decrease */
                    if (st == DLN_OK && F - c->rep->value < best)
                        best = F - c->rep->value, step = fabs(t);
                }
            c->rep->probe_decrease = best, c->rep->probe_step = step;
            if (best < -1e3 * DBL_EPSILON * (fabs(c->rep->value) + ls->fzero)) c->rep->flags |= DLN_CF_DESCENT;
        }
        dln_net_free(x);
        free(DA);
        return;
    }
}

/* Zero test, propagation and labels of the components of block b. Returns 0 on
 * success, or a DLN_CF_* flag that makes the verdict undetermined. */
static unsigned read_block(dlni_cls *c, regwork *w, size_t b, double szref)
{
    dln_landscape *ls = c->ls;
    dln_class_report *rep = c->rep;
    const dlni_block *B = &ls->blk[b];
    size_t m = B->m, d0 = ls->d[0], dL = ls->d[ls->L];
    const double *Ub = ls->U + B->start * dL, *Vb = ls->V + B->start * d0;
    la_gemm(LA_N, LA_N, dL, m, d0, 1.0, w->P, dL, Vb, d0, 0.0, w->T1, dL);   /* P V_b */
    la_gemm(LA_T, LA_N, m, m, dL, 1.0, Ub, dL, w->T1, dL, 0.0, w->Pb, m);     /* U_b^T P V_b */
    la_gemm(LA_N, LA_N, dL, m, m, 1.0, Ub, dL, w->Pb, m, 0.0, w->T2, dL);     /* residual */
    la_gemm(LA_N, LA_T, dL, d0, m, -1.0, w->T2, dL, Vb, d0, 1.0, w->Res, dL);
    int rc = la_svd(m, m, w->Pb, m, w->p, w->Zl, m, w->Zr, m);
    if (rc == LA_NOMEM) dlni_cls_nomem(c);
    if (rc != LA_OK) return DLN_CF_NOCONV;
    unsigned bad = 0;
    w->hasfree[b] = 0;
    for (size_t j = 0; j < m; j++) {
        double sp = w->p[j] > 0.0 ? exp((log(w->p[j]) + 0.5 * ls->loglam) / (double)ls->L) : 0.0;
        double ratio = sp / szref;
        if (ratio <= 0.1) { /* zero component: a free direction of the block */
            rep->gap_zero = isnan(rep->gap_zero) ? ratio : fmax(rep->gap_zero, ratio);
            if (!w->hasfree[b]) memcpy(w->zfree + B->start, w->Zl + j * m, m * sizeof(double));
            w->hasfree[b] = 1;
            continue;
        }
        if (ratio < 0.5) {
            bad |= DLN_CF_TOLERANCE;
            continue;
        }
        if (w->ncomp == w->cap) { /* more components than any critical point has */
            bad |= DLN_CF_INCONSISTENT;
            continue;
        }
        comp *cp = &w->cp[w->ncomp];
        cp->u = w->uvec + w->ncomp * w->sv;
        w->ncomp++;
        cp->blk = b;
        la_gemm(LA_N, LA_N, dL, 1, m, 1.0, Ub, dL, w->Zl + j * m, m, 0.0, cp->u + w->uoff[ls->L], dL);
        cp->s = propagate(ls, c->net, w, cp->u);
        if (B->root.count == 0 || !(cp->s > 0.0)) {
            bad |= DLN_CF_INCONSISTENT;
            continue;
        }
        double ys = dlni_y_of_s(ls->L, ls->loglam, cp->s), gm = fabs(ys - B->y) / B->y;
        double al = 0.0; /* alignment of u_0 with the block's right vector */
        for (size_t i = 0; i < m; i++)
            al += w->Zr[j + i * m] * la_dot(d0, Vb + i * d0, cp->u + w->uoff[0]);
        gm = fmax(gm, 1.0 - fabs(al));
        rep->gap_match = isnan(rep->gap_match) ? gm : fmax(rep->gap_match, gm);
        if (ls->L == 2) cp->label = DLN_MATCH_PLUS;
        else if (B->root.is_double) cp->label = DLN_MATCH_DOUBLE;
        else {
            double g = (cp->s - ls->sstar) / ls->sstar;
            rep->gap_label = isnan(rep->gap_label) ? fabs(g) : fmin(rep->gap_label, fabs(g));
            if (fabs(g) < 10.0 * c->tau) bad |= DLN_CF_TOLERANCE;
            cp->label = g > 0.0 ? DLN_MATCH_PLUS : DLN_MATCH_MINUS;
            if (cp->label == DLN_MATCH_MINUS && B->root.count < 2) bad |= DLN_CF_INCONSISTENT;
        }
    }
    return bad;
}

/* max_l ||lamr_{l+1} W_{l+1}^T W_{l+1} - lamr_l W_l W_l^T||_F (balancedness, 2.1). */
static double balance(dlni_cls *c)
{
    const dln_landscape *ls = c->ls;
    const dln_net *net = c->net;
    size_t dmax = 0;
    for (size_t l = 0; l <= ls->L; l++) dmax = ls->d[l] > dmax ? ls->d[l] : dmax;
    double *B = dlni_alloc(dmax * dmax), worst = 0.0;
    if (!B && dlni_cls_nomem(c)) return NAN;
    for (size_t l = 1; l < ls->L; l++) {
        size_t dl = ls->d[l];
        la_gemm(LA_T, LA_N, dl, dl, ls->d[l + 1], ls->lamr[l], dlni_layer(net, l + 1), ls->d[l + 1],
                dlni_layer(net, l + 1), ls->d[l + 1], 0.0, B, dl);
        la_gemm(LA_N, LA_T, dl, dl, ls->d[l - 1], -ls->lamr[l - 1], dlni_layer(net, l), dl,
                dlni_layer(net, l), dl, 1.0, B, dl);
        worst = fmax(worst, la_fro(dl, dl, B, dl));
    }
    free(B);
    return worst;
}

static dln_class decide(dlni_cls *c, regwork *w, unsigned bad)
{
    dln_landscape *ls = c->ls;
    dln_class_report *rep = c->rep;
    dlni_comp *dc = malloc((w->ncomp + 1) * sizeof *dc);
    if (!dc && dlni_cls_nomem(c)) return DLN_CLASS_UNDETERMINED;
    size_t ilast = 0;
    double ymin = INFINITY, yfree = -INFINITY;
    for (size_t i = 0; i < w->ncomp; i++) {
        const dlni_block *B = &ls->blk[w->cp[i].blk];
        dc[i].blk = w->cp[i].blk, dc[i].label = w->cp[i].label, dc[i].y = B->y;
        dc[i].s = B->root.s[w->cp[i].label == DLN_MATCH_MINUS ? 1 : 0];
        if (B->y < ymin) ymin = B->y, ilast = i;
    }
    /* pattern: per block, matched labels first */
    for (size_t b = 0, i = 0; b < ls->nb; b++) {
        size_t pos = ls->blk[b].start;
        for (; i < w->ncomp && w->cp[i].blk == b; i++) c->pattern[pos++] = w->cp[i].label;
        if (w->hasfree[b]) yfree = fmax(yfree, ls->blk[b].y);
    }
    rep->rank = w->ncomp;
    rep->critical_value = dlni_reg_value(ls, dc, w->ncomp);
    rep->gap_defect = w->ncomp && isfinite(yfree) ? (yfree - ymin) / ymin : NAN;
    double gv = fabs(rep->value - rep->critical_value) / fmax(ls->fzero, DBL_MIN);
    rep->gap_match = fmax(isnan(rep->gap_match) ? 0.0 : rep->gap_match, gv);
    if (rep->gap_match > 10.0 * c->tau) bad |= DLN_CF_INCONSISTENT;
    dln_class cls = dlni_reg_class(ls, dc, w->ncomp, &rep->flags);
    free(dc);
    rep->flags |= bad;
    if (bad) return DLN_CLASS_UNDETERMINED;
    if (cls == DLN_CLASS_STRICT_SADDLE) strict_certificate(c, w, ilast);
    if (cls == DLN_CLASS_NONSTRICT_SADDLE) double_certificate(c, w);
    return cls;
}

dln_class dlni_classify_reg(dlni_cls *c)
{
    dln_landscape *ls = c->ls;
    dln_class_report *rep = c->rep;
    size_t L = ls->L, d0 = ls->d[0], dL = ls->d[L], mmax = 1, sv = 0;
    for (size_t b = 0; b < ls->nb; b++) mmax = ls->blk[b].m > mmax ? ls->blk[b].m : mmax;
    for (size_t l = 0; l <= L; l++) sv += ls->d[l];
    regwork w;
    memset(&w, 0, sizeof w);
    w.L = L, w.d = ls->d, w.sv = sv;
    w.uoff = malloc((L + 1) * sizeof *w.uoff);
    w.P = dlni_alloc(2 * dL * d0 + 2 * dL * mmax + 4 * mmax * mmax);
    w.cap = ls->dmin + 1;
    w.cp = malloc(w.cap * sizeof *w.cp);
    w.uvec = dlni_alloc(w.cap * sv);
    w.zfree = dlni_alloc(ls->nv + 1);
    w.hasfree = calloc(ls->nb + 1, sizeof *w.hasfree);
    dln_class cls = DLN_CLASS_UNDETERMINED;
    int lack = !w.uoff || !w.P || !w.cp || !w.uvec || !w.zfree || !w.hasfree;
    if (lack && dlni_cls_nomem(c)) goto out;
    for (size_t l = 0, o = 0; l <= L; o += ls->d[l], l++) w.uoff[l] = o;
    w.Res = w.P + dL * d0, w.T1 = w.Res + dL * d0, w.T2 = w.T1 + dL * mmax;
    w.Pb = w.T2 + dL * mmax, w.p = w.Pb + mmax * mmax, w.Zl = w.p + mmax, w.Zr = w.Zl + mmax * mmax;
    if (dlni_cls_failed(c, dln_net_end_to_end(c->net, w.P, dL))) goto out;
    la_copy(dL, d0, w.P, dL, w.Res, dL);
    /* smallest admissible root: the scale that separates zero from matched */
    double szref = INFINITY, pref = 0.0, gt = INFINITY;
    for (size_t b = 0; b < ls->nb; b++) {
        const dln_root_info *R = &ls->blk[b].root;
        if (R->count >= 1) szref = fmin(szref, R->s[R->count == 2 ? 1 : 0]);
        if (ls->blk[b].y > 0.0) gt = fmin(gt, fabs(R->delta));
    }
    if (!isfinite(szref)) /* no roots: only W = 0 is critical */
        szref = exp((0.5 * ls->loglam + log(fmax(ls->nv ? ls->y[0] : 0.0, ls->ystar))) / (double)L);
    pref = exp((double)L * log(szref) - 0.5 * ls->loglam);
    rep->gap_threshold = gt;
    rep->balance = balance(c) / (szref * szref);
    unsigned bad = 0;
    for (size_t b = 0; b < ls->nb; b++) bad |= read_block(c, &w, b, szref);
    double res = la_fro(dL, d0, w.Res, dL) / fmax(la_fro(dL, d0, w.P, dL), pref);
    rep->gap_match = isnan(rep->gap_match) ? res : fmax(rep->gap_match, res);
    if (w.ncomp > ls->dmin) bad |= DLN_CF_INCONSISTENT;
    cls = decide(c, &w, bad);
out:
    free(w.uoff), free(w.P), free(w.cp), free(w.uvec), free(w.zfree), free(w.hasfree);
    return cls;
}
