/* landscape_spectrum.c - Hessian spectrum at a regularized critical orbit
 * from its block structure (regularized.md 3, recipe 9(f)), and the orbit
 * dimension (2.5). In the adapted bases the Hessian is block diagonal; each
 * block is given in tilde coordinates Wt_l = sqrt(lam_l) W_l as Ht, and the
 * W-coordinate block is D Ht D with D = diag(sqrt(lam_l)) over the layers of
 * its entries. The eigenvalues of the reduced problem are multiplied by c
 * (data with X X^T = c I). The spectrum is kept as a multiset (constant
 * eigenvalues with their multiplicities), never n values sorted unless a
 * caller asks. Cost O(r^2 L) with equal lam_l (the B blocks in closed form),
 * O(r^2 L^3) otherwise, plus O(r (L + #blocks)); no dense Hessian. */
#include "landscape.h"
#include "linalg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The multiset being filled: values pushed once go to v (capacity n), repeated
 * ones to (pv, pc) (capacity np_cap); cnt counts all, beyond the capacities too. */
typedef struct spec {
    dlni_spectrum *out;
    size_t cnt, n, np_cap;
    size_t zeros, twos;   /* copies of 0 and of 2 mu from the B blocks, pushed at the end */
    double *M, *w, *work; /* scratch: (2L)^2 matrix, 2L eigenvalues, 4L for la_syev_small */
    double *tab, *N;      /* 4L: the powers of block_b; 2L x (L-1): its null vectors */
    double qlim;          /* block_b_equal: (s_j/s_i)^2 within [1/qlim, qlim], no overflow */
} spec;

struct dlni_spec_ws {
    double *M, *w, *work, *tab, *N, *sl, *pv, *pa;
    size_t *kb, *pc, np_cap;
};

void dlni_spec_ws_free(dlni_spec_ws *ws)
{
    if (!ws) return;
    free(ws->M), free(ws->w), free(ws->work), free(ws->tab), free(ws->N), free(ws->sl), free(ws->pv);
    free(ws->pa), free(ws->kb), free(ws->pc), free(ws);
}

/* Room for the repeated values: at most 2 nb + 2L pushes per matched value
 * and 2 nb + L + 2 after them, and never more than n (each holds a copy). */
static size_t pair_capacity(const dln_landscape *ls)
{
    double b = (double)ls->dmin * (double)(2 * ls->nb + 2 * ls->L) + (double)(2 * ls->nb + ls->L + 2);
    return b < (double)ls->n ? (size_t)b : ls->n;
}

dlni_spec_ws *dlni_spec_ws_new(const dln_landscape *ls)
{
    size_t L = ls->L;
    dlni_spec_ws *ws = calloc(1, sizeof *ws);
    if (!ws) return NULL;
    ws->np_cap = pair_capacity(ls);
    ws->M = dlni_alloc(4 * L * L), ws->w = dlni_alloc(2 * L), ws->work = dlni_alloc(4 * L);
    ws->tab = dlni_alloc(4 * L), ws->N = dlni_alloc(2 * L * L), ws->sl = dlni_alloc(L);
    ws->pv = dlni_alloc(ws->np_cap), ws->pa = dlni_alloc(ls->dmin + 1);
    ws->kb = malloc((ls->nb + 1) * sizeof *ws->kb), ws->pc = malloc((ws->np_cap + 1) * sizeof *ws->pc);
    if (!ws->M || !ws->w || !ws->work || !ws->tab || !ws->N || !ws->sl || !ws->pv || !ws->pa || !ws->kb || !ws->pc) {
        dlni_spec_ws_free(ws);
        return NULL;
    }
    return ws;
}

/* Append copies of v; counts beyond the capacities are only counted. */
static void push(spec *sp, double v, size_t copies)
{
    dlni_spectrum *o = sp->out;
    if (copies > sp->n) copies = sp->n + 1; /* a wrong count: stop early, reported below */
    if (copies == 1 && o->nv < sp->n) o->v[o->nv++] = v;
    else if (copies > 1 && o->np < sp->np_cap) o->pv[o->np] = v, o->pc[o->np++] = copies;
    else if (copies > 0) sp->cnt = sp->n + 1; /* no room: more values than n */
    sp->cnt += copies;
}

/* Eigenvalues of the symmetric 2x2 [[a, b], [b, d]] (copies times; none:
 * nothing computed, the common case of a matched block). */
static void push2(spec *sp, double a, double b, double d, size_t copies)
{
    if (copies == 0) return;
    double m = 0.5 * (a + d), h = hypot(0.5 * (a - d), b);
    push(sp, m - h, copies);
    push(sp, m + h, copies);
}

/* Eigenvalues of the k x k symmetric matrix in sp->M (k <= 2L). */
static int push_sym(spec *sp, size_t k)
{
    int rc = la_syev_small(k, sp->M, k, sp->w, sp->work);
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

/* Block B_ij over x_l = Wt_l(i,j), z_l = Wt_l(j,i) (regularized.md 3.2). The
 * powers are tabulated once per block (4L exponentials, not ~6 L^2). */
static int block_b(spec *sp, const dln_landscape *ls, const double *sl, double si, double sj)
{
    size_t L = ls->L, k = 2 * L;
    double li = log(si), lj = log(sj), h = 0.5 * ls->loglam, Ld = (double)L;
    double *c = sp->tab, *q = c + L, *pj = q + L, *pi = pj + L; /* pj[t] = (s_j/s_i)^t, pi[t] = (s_i/s_j)^t */
    for (size_t l = 1; l <= L; l++) {
        double dl = (double)l; /* c_l = s_i^{L-l} s_j^{l-1}, c'_l = s_j^{L-l} s_i^{l-1}; /sqrt(lam) each */
        c[l - 1] = exp((Ld - dl) * li + (dl - 1.0) * lj - h), q[l - 1] = exp((Ld - dl) * lj + (dl - 1.0) * li - h);
        pj[l - 1] = exp((dl - 1.0) * (lj - li)), pi[l - 1] = exp((dl - 1.0) * (li - lj));
    }
    for (size_t l = 0; l < L; l++)
        for (size_t m = 0; m < L; m++) {
            double id = l == m ? 1.0 : 0.0, g = sl[l] * sl[m];
            double xz = m < l ? -pj[l - m - 1] : m > l ? -pi[m - l - 1] : 0.0;
            sp->M[l + m * k] = g * (c[l] * c[m] + id);             /* xx */
            sp->M[(L + l) + (L + m) * k] = g * (q[l] * q[m] + id); /* zz */
            sp->M[l + (L + m) * k] = g * xz;                       /* x_l z_m */
            sp->M[(L + m) + l * k] = g * xz;
        }
    /* The L-1 hidden rotations are null vectors (3.2): in tilde coordinates
     * x_l = -s_j, x_{l+1} = s_i, z_l = s_i, z_{l+1} = -s_j; W = Wt / sqrt(lam_l). */
    double *N = sp->N;
    memset(N, 0, k * (L - 1) * sizeof *N);
    for (size_t l = 0; l + 1 < L; l++) {
        N[l + l * k] = -sj / sl[l], N[(l + 1) + l * k] = si / sl[l + 1];
        N[(L + l) + l * k] = si / sl[l], N[(L + l + 1) + l * k] = -sj / sl[l + 1];
    }
    int rc = la_syev_small_null(k, sp->M, k, L - 1, N, k, sp->w, sp->work);
    sp->zeros += L - 1;
    for (size_t i = 0; i < L + 1 && rc == LA_OK; i++) push(sp, sp->w[i], 1);
    return rc;
}

/* Block B_ij when every lam_l equals mu (W = mu Ht), in closed form: X has
 * the singular value 1 (L-1 times) and sigma, sigma^2 = ||X||_F^2 - (L-1) =
 * (L-1) + sum_{k=2}^{L-1} (L-k) (rho^{2k-2} + rho^{2-2k}), rho = s_j/s_i; c
 * and c' (of norm a) are its singular vectors for sigma. So Ht has 0 and 2
 * (L-1 times each; 0: the hidden rotations) and 1 + a^2 -+ sigma
 * (docs/errbound.md 5). With q = rho^2 and pa = s_i^{2L-2}/lam (per i),
 * a^2 = pa sum_{t<L} q^t: powers by products, no exponential per block.
 * Returns 0 when a power could overflow (the caller takes block_b). */
static int block_b_equal(spec *sp, const dln_landscape *ls, double mu, double si, double sj, double pa)
{
    size_t L = ls->L;
    double rho = sj / si, q = rho * rho, qi = 1.0 / q, a2 = 0.0, s2 = (double)L - 1.0, pk = q, pm = qi;
    if (!(q <= sp->qlim && qi <= sp->qlim)) return 0;
    for (size_t t = 0; t < L; t++) a2 = a2 * q + 1.0; /* sum_{t<L} q^t by Horner */
    a2 *= pa;
    for (size_t k = 2; k + 1 <= L; k++, pk *= q, pm *= qi) s2 += (double)(L - k) * (pk + pm);
    double sigma = sqrt(s2);
    sp->zeros += L - 1, sp->twos += L - 1;
    push(sp, mu * (1.0 + a2 - sigma), 1);
    push(sp, mu * (1.0 + a2 + sigma), 1);
    return 1;
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

dln_status dlni_block_spectrum(dln_landscape *ls, const dlni_comp *comp, size_t r, double *ev,
                               dlni_spec_ws *ws, dlni_spectrum *out)
{
    size_t L = ls->L, *d = ls->d, dY = ls->nv, d0 = d[0], dL = d[L];
    *out = (dlni_spectrum){ev, 0, ws->pv, ws->pc, 0};
    spec sp = {out, 0, ls->n, ws->np_cap, 0, 0, ws->M, ws->w, ws->work, ws->tab, ws->N, exp(600.0 / (double)L)};
    double *sl = ws->sl;
    size_t *kb = ws->kb;
    for (size_t l = 0; l < L; l++) sl[l] = sqrt(ls->lamr[l]);
    dlni_pattern_counts(ls, comp, r, kb);
    double rs = exp(-0.5 * ls->loglam), mu = ls->lamr[0];
    int rc = LA_OK, equal = 1;
    for (size_t l = 1; l < L; l++) equal &= ls->lamr[l] == mu;
    for (size_t i = 0; i < r && equal; i++) ws->pa[i] = exp((2.0 * (double)L - 2.0) * log(comp[i].s) - ls->loglam);
    for (size_t i = 0; i < r && rc == LA_OK; i++) {
        double si = comp[i].s, g = exp(((double)L - 2.0) * log(si)) * rs; /* s^{L-2}/sqrt(lam) */
        double alpha = comp[i].y * g;
        rc = block_a(&sp, ls, sl, si);
        for (size_t j = i + 1; j < r && rc == LA_OK; j++)
            if (!equal || !block_b_equal(&sp, ls, mu, si, comp[j].s, ws->pa[i]))
                rc = block_b(&sp, ls, sl, si, comp[j].s);
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
    push(&sp, 0.0, sp.zeros);
    push(&sp, 2.0 * mu, sp.twos);
    if (rc != LA_OK) return dlni_la_status(ls->err, rc, "eigenvalues of a Hessian block");
    if (sp.cnt != ls->n)
        return dlni_fail(ls->err, DLN_E_LAPACK, "block spectrum has %zu eigenvalues, expected %zu",
                         sp.cnt, ls->n);
    for (size_t i = 0; i < out->nv; i++) out->v[i] *= ls->c;
    for (size_t i = 0; i < out->np; i++) out->pv[i] *= ls->c;
    if (!la_all_finite(out->nv, 1, out->v, out->nv ? out->nv : 1) ||
        !la_all_finite(out->np, 1, out->pv, out->np ? out->np : 1)) /* e.g. lam_l so small that 1/sqrt(lam) overflows */
        return dlni_fail(ls->err, DLN_E_NONFINITE,
                         "the block spectrum overflows (lam = %g of the reduced problem)", ls->lamp);
    return DLN_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void dlni_spectrum_sorted(dlni_spectrum *sp)
{
    size_t n = sp->nv;
    for (size_t k = 0; k < sp->np; k++)
        for (size_t t = 0; t < sp->pc[k]; t++) sp->v[n++] = sp->pv[k];
    sp->nv = n, sp->np = 0;
    qsort(sp->v, n, sizeof *sp->v, cmp_double);
}

void dlni_spectrum_range(const dlni_spectrum *sp, double *lo, double *hi)
{
    *lo = INFINITY, *hi = -INFINITY;
    for (size_t i = 0; i < sp->nv; i++) *lo = fmin(*lo, sp->v[i]), *hi = fmax(*hi, sp->v[i]);
    for (size_t i = 0; i < sp->np; i++) *lo = fmin(*lo, sp->pv[i]), *hi = fmax(*hi, sp->pv[i]);
}

/* Three-way partition of x[0..n) around t (c: weights moved along, or NULL
 * for weight 1): below t first, then equal. Returns the count below; *eq the
 * count equal, *wlo and *weq their weights. */
static size_t partition3(double *x, size_t *c, size_t n, double t, size_t *eq, size_t *wlo, size_t *weq)
{
    size_t i = 0, j = 0, h = n;
    *wlo = *weq = 0;
    while (j < h) {
        size_t a = i, b = j; /* the swap, if any */
        if (x[j] < t) {
            *wlo += c ? c[j] : 1;
            i++, j++;
        } else if (x[j] > t) {
            b = --h;
            a = j;
        } else {
            *weq += c ? c[j] : 1;
            j++;
            continue;
        }
        double tx = x[a];
        x[a] = x[b], x[b] = tx;
        if (c) {
            size_t tc = c[a];
            c[a] = c[b], c[b] = tc;
        }
    }
    *eq = j - i;
    return i;
}

double dlni_spectrum_kth_modulus(dlni_spectrum *sp, size_t k)
{
    double *a = sp->v, *p = sp->pv;
    size_t na = sp->nv, np = sp->np, *c = sp->pc;
    for (size_t i = 0; i < na; i++) a[i] = fabs(a[i]);
    for (size_t i = 0; i < np; i++) p[i] = fabs(p[i]);
    while (na + np > 0) { /* quickselect on both parts around one pivot */
        double t = na ? fmax(fmin(a[0], a[na / 2]), fmin(fmax(a[0], a[na / 2]), a[na - 1])) : p[np / 2];
        size_t ea, ep, wl, we, u, v;
        size_t la = partition3(a, NULL, na, t, &ea, &wl, &we);
        size_t lp = partition3(p, c, np, t, &ep, &u, &v);
        wl += u, we += v;
        if (k < wl) {
            na = la, np = lp;
        } else if (k < wl + we) {
            return t;
        } else {
            k -= wl + we;
            a += la + ea, na -= la + ea, p += lp + ep, c += lp + ep, np -= lp + ep;
        }
    }
    return NAN; /* k >= the count */
}

dln_status dlni_pattern_spectrum(dln_landscape *ls, const int *pattern, dlni_pattern_spec *ps)
{
    ps->comp = malloc((ls->dmin + 1) * sizeof *ps->comp);
    ps->ev = dlni_alloc(ls->n);
    ps->ws = dlni_spec_ws_new(ls);
    ps->r = 0;
    dln_status st = ps->comp && ps->ev && ps->ws ? DLN_OK : dlni_fail(ls->err, DLN_E_NOMEM, "out of memory");
    if (st == DLN_OK) st = dlni_pattern_parse(ls, pattern, ps->comp, &ps->r);
    if (st == DLN_OK) st = dlni_block_spectrum(ls, ps->comp, ps->r, ps->ev, ps->ws, &ps->sp);
    return st;
}

void dlni_pattern_spec_free(dlni_pattern_spec *ps)
{
    free(ps->comp), free(ps->ev), dlni_spec_ws_free(ps->ws);
}

dln_status dln_landscape_orbit_spectrum(dln_landscape *ls, const int *pattern, double *evals)
{
    if (!ls) return DLN_E_NULL;
    if (!pattern || !evals) return dlni_fail(ls->err, DLN_E_NULL, "pattern or evals is NULL");
    if (ls->theory != DLN_THEORY_REGULARIZED)
        return dlni_fail(ls->err, DLN_E_UNSUPPORTED, "the block spectrum needs the regularized theory");
    dlni_pattern_spec ps;
    dln_status st = dlni_pattern_spectrum(ls, pattern, &ps);
    if (st == DLN_OK) { /* the caller's buffer is written only on success */
        dlni_spectrum_sorted(&ps.sp);
        memcpy(evals, ps.ev, ls->n * sizeof *ps.ev);
    }
    dlni_pattern_spec_free(&ps);
    return st;
}
