/* landscape_spectrum.c - Hessian spectrum at a regularized critical orbit
 * from its block structure (regularized.md 3, recipe 9(f)), and the orbit
 * dimension (2.5). In the adapted bases the Hessian is block diagonal; each
 * block is given in tilde coordinates Wt_l = sqrt(lam_l) W_l as Ht, and the
 * W-coordinate block is D Ht D with D = diag(sqrt(lam_l)) over the layers of
 * its entries. The eigenvalues of the reduced problem are multiplied by c
 * (data with X X^T = c I). Cost O(r^2 L^3 + n), no dense Hessian. */
#include "landscape.h"
#include "linalg.h"

#include <math.h>
#include <stdlib.h>

typedef struct spec {
    double *ev;     /* output eigenvalues */
    size_t cnt, n;  /* filled so far, capacity */
    double *M, *w;  /* scratch: (2L)^2 matrix and 2L eigenvalues */
    double *syw;    /* la_syevr_ws() workspace for order 2L */
} spec;

struct dlni_spec_ws {
    double *M, *w, *sl, *syw;
    size_t *kb;
};

void dlni_spec_ws_free(dlni_spec_ws *ws)
{
    if (!ws) return;
    free(ws->M), free(ws->w), free(ws->sl), free(ws->syw), free(ws->kb), free(ws);
}

dlni_spec_ws *dlni_spec_ws_new(const dln_landscape *ls)
{
    size_t L = ls->L, nsy = la_syevr_wsize(2 * L);
    dlni_spec_ws *ws = calloc(1, sizeof *ws);
    if (!ws) return NULL;
    ws->M = dlni_alloc(4 * L * L), ws->w = dlni_alloc(2 * L), ws->sl = dlni_alloc(L);
    ws->syw = nsy ? dlni_alloc(nsy) : NULL;
    ws->kb = malloc((ls->nb + 1) * sizeof *ws->kb);
    if (!ws->M || !ws->w || !ws->sl || !ws->syw || !ws->kb) {
        dlni_spec_ws_free(ws);
        return NULL;
    }
    return ws;
}

/* Append copies of v; counts beyond the capacity are only counted. */
static void push(spec *sp, double v, size_t copies)
{
    if (copies > sp->n) copies = sp->n + 1; /* a wrong count: stop early, reported below */
    for (size_t i = 0; i < copies; i++, sp->cnt++)
        if (sp->cnt < sp->n) sp->ev[sp->cnt] = v;
}

/* Eigenvalues of the symmetric 2x2 [[a, b], [b, d]] (copies times). */
static void push2(spec *sp, double a, double b, double d, size_t copies)
{
    double m = 0.5 * (a + d), h = hypot(0.5 * (a - d), b);
    push(sp, m - h, copies);
    push(sp, m + h, copies);
}

/* Eigenvalues of the k x k symmetric matrix in sp->M. */
static int push_sym(spec *sp, size_t k)
{
    int rc = la_syevr_ws(k, sp->M, k, 1, k, sp->w, NULL, 1, sp->syw);
    for (size_t i = 0; i < k && rc == LA_OK; i++) push(sp, sp->w[i], 1);
    return rc;
}

/* Block A_i: Ht = 2 I + (a - 1) 1 1^T over the L diagonal entries W_l(i,i). */
static int block_a(spec *sp, const dln_landscape *ls, const double *sl, double s)
{
    size_t L = ls->L;
    double a = exp((2.0 * (double)L - 2.0) * log(s) - ls->loglam);
    for (size_t l = 0; l < L; l++)
        for (size_t m = 0; m < L; m++) sp->M[l + m * L] = sl[l] * sl[m] * ((l == m ? 2.0 : 0.0) + a - 1.0);
    return push_sym(sp, L);
}

/* Block B_ij over x_l = Wt_l(i,j), z_l = Wt_l(j,i) (regularized.md 3.2). */
static int block_b(spec *sp, const dln_landscape *ls, const double *sl, double si, double sj)
{
    size_t L = ls->L, k = 2 * L;
    double li = log(si), lj = log(sj), h = 0.5 * ls->loglam;
    for (size_t l = 1; l <= L; l++)
        for (size_t m = 1; m <= L; m++) {
            double dl = (double)l, dm = (double)m, Ld = (double)L, id = l == m ? 1.0 : 0.0;
            /* c_l = s_i^{L-l} s_j^{l-1}, c'_l = s_j^{L-l} s_i^{l-1}; /sqrt(lam) each */
            double cl = exp((Ld - dl) * li + (dl - 1.0) * lj - h), cm = exp((Ld - dm) * li + (dm - 1.0) * lj - h);
            double ql = exp((Ld - dl) * lj + (dl - 1.0) * li - h), qm = exp((Ld - dm) * lj + (dm - 1.0) * li - h);
            double xz = m < l ? -exp((dl - dm - 1.0) * (lj - li)) : m > l ? -exp((dm - dl - 1.0) * (li - lj)) : 0.0;
            double g = sl[l - 1] * sl[m - 1];
            sp->M[(l - 1) + (m - 1) * k] = g * (cl * cm + id);             /* xx */
            sp->M[(L + l - 1) + (L + m - 1) * k] = g * (ql * qm + id);     /* zz */
            sp->M[(l - 1) + (L + m - 1) * k] = g * xz;                     /* x_l z_m */
            sp->M[(L + m - 1) + (l - 1) * k] = g * xz;
        }
    return push_sym(sp, k);
}

size_t dlni_orbit_dim(const dln_landscape *ls, const dlni_comp *comp, size_t r)
{
    size_t dim = 0;
    for (size_t l = 1; l < ls->L; l++) dim += r * ls->d[l] - r * (r + 1) / 2;
    for (size_t b = 0; b < ls->nb; b++) {
        size_t k = 0, np = 0, nm = 0, nd = 0;
        for (size_t i = 0; i < r; i++)
            if (comp[i].blk == b) {
                k++;
                np += comp[i].label == DLN_MATCH_PLUS;
                nm += comp[i].label == DLN_MATCH_MINUS;
                nd += comp[i].label == DLN_MATCH_DOUBLE;
            }
        dim += k * ls->blk[b].m - k * (k + 1) / 2;
        dim -= np * (np - (np > 0)) / 2 + nm * (nm - (nm > 0)) / 2 + nd * (nd - (nd > 0)) / 2;
    }
    return dim;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

dln_status dlni_block_spectrum(dln_landscape *ls, const dlni_comp *comp, size_t r, double *evals,
                               dlni_spec_ws *ws)
{
    size_t L = ls->L, *d = ls->d, dY = ls->nv, d0 = d[0], dL = d[L];
    dlni_spec_ws *own = ws ? NULL : dlni_spec_ws_new(ls);
    if (!ws && !(ws = own)) return dlni_fail(ls->err, DLN_E_NOMEM, "out of memory");
    spec sp = {evals, 0, ls->n, ws->M, ws->w, ws->syw};
    double *sl = ws->sl;
    size_t *kb = ws->kb;
    for (size_t l = 0; l < L; l++) sl[l] = sqrt(ls->lamr[l]);
    dlni_pattern_counts(ls, comp, r, kb);
    double rs = exp(-0.5 * ls->loglam);
    int rc = LA_OK;
    for (size_t i = 0; i < r && rc == LA_OK; i++) {
        double si = comp[i].s, g = exp(((double)L - 2.0) * log(si)) * rs; /* s^{L-2}/sqrt(lam) */
        double alpha = comp[i].y * g;
        rc = block_a(&sp, ls, sl, si);
        for (size_t j = i + 1; j < r && rc == LA_OK; j++) rc = block_b(&sp, ls, sl, si, comp[j].s);
        for (size_t b = 0; b < ls->nb; b++) /* C: paired unmatched copies */
            push2(&sp, ls->lamr[L - 1] * alpha, -sl[L - 1] * sl[0] * ls->blk[b].y * g,
                  ls->lamr[0] * alpha, ls->blk[b].m - kb[b]);
        push(&sp, ls->lamr[L - 1] * alpha, dL - dY); /* unpaired outputs */
        push(&sp, ls->lamr[0] * alpha, d0 - dY);     /* unpaired inputs */
        for (size_t l = 1; l < L; l++) {             /* D: extras of hidden space l */
            push(&sp, 0.0, d[l] - r);
            push(&sp, ls->lamr[l - 1] + ls->lamr[l], d[l] - r);
        }
    }
    if (L == 2) /* E: paired unmatched k with the extras of the hidden space */
        for (size_t b = 0; b < ls->nb; b++)
            push2(&sp, ls->lamr[1], -ls->blk[b].y, ls->lamr[0], (ls->blk[b].m - kb[b]) * (d[1] - r));
    for (size_t l = 1; l <= L; l++) { /* rest: weight decay only (n_rest(l) of 3.2) */
        double nr = (double)d[l] * (double)d[l - 1] - (double)(r * r);
        if (l == L) nr -= (double)((dL - r) * r);
        if (l == 1) nr -= (double)(r * (d0 - r));
        if (l >= 2) nr -= (double)(r * (d[l - 1] - r));
        if (l <= L - 1) nr -= (double)((d[l] - r) * r);
        if (L == 2) nr -= (double)((dY - r) * (d[1] - r));
        push(&sp, ls->lamr[l - 1], nr < 0.0 ? sp.n + 1 : (size_t)nr);
    }
    dlni_spec_ws_free(own);
    if (rc != LA_OK) return dlni_la_status(ls->err, rc, "eigenvalues of a Hessian block");
    if (sp.cnt != ls->n)
        return dlni_fail(ls->err, DLN_E_LAPACK, "block spectrum has %zu eigenvalues, expected %zu",
                         sp.cnt, ls->n);
    for (size_t i = 0; i < ls->n; i++) evals[i] *= ls->c;
    qsort(evals, ls->n, sizeof *evals, cmp_double);
    return DLN_OK;
}

dln_status dln_landscape_orbit_spectrum(dln_landscape *ls, const int *pattern, double *evals)
{
    if (!ls) return DLN_E_NULL;
    if (!pattern || !evals) return dlni_fail(ls->err, DLN_E_NULL, "pattern or evals is NULL");
    if (ls->theory != DLN_THEORY_REGULARIZED)
        return dlni_fail(ls->err, DLN_E_UNSUPPORTED, "the block spectrum needs the regularized theory");
    dlni_comp *comp = malloc((ls->dmin + 1) * sizeof *comp);
    if (!comp) return dlni_fail(ls->err, DLN_E_NOMEM, "out of memory");
    size_t r;
    dln_status st = dlni_pattern_parse(ls, pattern, comp, &r);
    if (st == DLN_OK) st = dlni_block_spectrum(ls, comp, r, evals, NULL);
    free(comp);
    return st;
}
