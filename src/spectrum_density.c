/* spectrum_density.c - eigenvalue density of the Hessian by stochastic
 * Lanczos quadrature (docs/spectrum.md §2).
 *
 * For a unit start vector v, m Lanczos steps give T = S diag(theta) S^T and
 * sum_i S_1i^2 f(theta_i) = v^T f(H) v for every polynomial f of degree
 * < 2m (Gauss quadrature of the spectral measure of v). With v = z/sqrt(n),
 * z Rademacher, E[v^T f(H) v] = tr f(H) / n, so averaging the quadratures
 * of several probes estimates the spectral density. Full
 * reorthogonalization after the three-term recurrence (a classical
 * Gram-Schmidt pass, repeated when it removed most of the vector) keeps the
 * nodes free of ghost copies. The probes of a group advance together: probe p's
 * basis column j sits at V + (p*steps + j)*n, so the current vectors of all
 * probes form one strided block for a single batched HVP per step. */
#include "internal.h"
#include "linalg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A probe stops (invariant Krylov space) when beta falls below this
 * multiple of the running estimate of ||T||. */
#define BREAKDOWN 1e-12
/* A second reorthogonalization pass runs when the first left less than this
 * fraction of the norm. */
#define REORTH_RATIO 0.7071067811865476

typedef struct slq {
    size_t n, steps, g;   /* order, steps, probes in this group */
    double *V;            /* n x steps per probe (probe p at p*steps*n) */
    double *HV;           /* n x g */
    double *alpha, *beta; /* steps per probe */
    size_t *len;          /* steps taken per probe */
    size_t *done;         /* 1 once a probe's Krylov space is invariant */
    double *coef;         /* steps: projection coefficients */
} slq;

/* After the three-term recurrence, orthogonalize w against the first j+1
 * basis columns of probe p: once, and again if that pass removed most of w
 * (Kahan-Parlett "twice is enough"). Returns ||w||. */
static double reorth(const slq *z, size_t p, size_t j, double *w)
{
    const double *Vp = z->V + p * z->steps * z->n;
    double before = la_nrm2(z->n, w), after = before;
    for (int pass = 0; pass < 2; pass++) {
        la_gemv(LA_T, z->n, j + 1, 1.0, Vp, z->n, w, 0.0, z->coef);
        la_gemv(LA_N, z->n, j + 1, -1.0, Vp, z->n, z->coef, 1.0, w);
        after = la_nrm2(z->n, w);
        if (after > REORTH_RATIO * before) break;
        before = after;
    }
    return after;
}

/* Run the Lanczos recurrences of one group of probes. */
static dln_status slq_run(dln_loss *loss, const dln_net *net, slq *z)
{
    const size_t n = z->n, m = z->steps, ldv = m * n;
    double hest = 0.0;
    for (size_t p = 0; p < z->g; p++) z->len[p] = z->done[p] = 0;
    for (size_t j = 0; j < m; j++) {
        dln_status st = dln_loss_hvp_batch(loss, net, z->g, z->V + j * n, ldv, z->HV, n);
        if (st != DLN_OK) return st;
        for (size_t p = 0; p < z->g; p++) {
            if (z->done[p]) { /* its columns stay zero: the batch reads them */
                if (j + 1 < m) memset(z->V + p * ldv + (j + 1) * n, 0, n * sizeof *z->V);
                continue;
            }
            double *w = z->HV + p * n, *a = z->alpha + p * m, *b = z->beta + p * m;
            const double *v = z->V + p * ldv + j * n;
            a[j] = la_dot(n, v, w);
            la_axpy(n, -a[j], v, w);
            if (j > 0) la_axpy(n, -b[j - 1], v - n, w);
            double nrm = reorth(z, p, j, w);
            z->len[p] = j + 1;
            hest = fmax(hest, fabs(a[j]) + nrm + (j ? b[j - 1] : 0.0));
            b[j] = nrm;
            if (j + 1 == m) continue;
            double *next = z->V + p * ldv + (j + 1) * n;
            if (nrm <= BREAKDOWN * hest) {
                memset(next, 0, n * sizeof *next);
                z->done[p] = 1;
                continue;
            }
            for (size_t i = 0; i < n; i++) next[i] = w[i] / nrm;
        }
    }
    return DLN_OK;
}

/* Nodes and weights of probe p from its tridiagonal matrix (T and S in buf). */
static dln_status quadrature(dln_loss *loss, const slq *z, size_t p, double scale, double *buf,
                             double *nodes, double *weights)
{
    const size_t m = z->steps, k = z->len[p];
    double *T = buf, *S = T + k * k;
    memset(T, 0, k * k * sizeof *T);
    for (size_t i = 0; i < k; i++) {
        T[i + i * k] = z->alpha[p * m + i];
        if (i + 1 < k) T[i + (i + 1) * k] = T[i + 1 + i * k] = z->beta[p * m + i];
    }
    dln_status st = dlni_la_status(loss->err, la_syev(k, T, k, nodes, S, k), "dsyevr (Lanczos T)");
    if (st != DLN_OK) return st;
    for (size_t i = 0; i < k; i++) weights[i] = S[i * k] * S[i * k] * scale;
    for (size_t i = k; i < m; i++) nodes[i] = weights[i] = 0.0;
    return DLN_OK;
}

static dln_status check_density(dln_loss *loss, const dln_net *net, size_t probes, size_t steps,
                                const double *nodes, const double *weights, double sigma,
                                size_t ngrid, const double *grid, const double *density)
{
    dln_status st = dlni_loss_check(loss, net);
    if (st != DLN_OK) return st;
    size_t t;
    if (!nodes || !weights) return dlni_fail(loss->err, DLN_E_NULL, "nodes or weights is NULL");
    if (probes == 0 || steps == 0 || steps > net->n)
        return dlni_fail(loss->err, DLN_E_DIM, "probes = %zu, steps = %zu (need >= 1, <= n = %zu)",
                         probes, steps, net->n);
    if (!dlni_mul(probes, steps, &t) || !dlni_mul(net->n, steps + 1, &t) ||
        !dlni_mul(t, DLNI_BATCH, &t))
        return dlni_fail(loss->err, DLN_E_OVERFLOW, "probes x steps overflows");
    if (ngrid == 0) return DLN_OK;
    if (!grid || !density) return dlni_fail(loss->err, DLN_E_NULL, "grid or density is NULL");
    if (!(sigma > 0.0 && isfinite(sigma)))
        return dlni_fail(loss->err, DLN_E_RANGE, "sigma = %g must be finite and > 0", sigma);
    if (!la_all_finite(ngrid, 1, grid, ngrid))
        return dlni_fail(loss->err, DLN_E_NONFINITE, "a grid point is not finite");
    return DLN_OK;
}

dln_status dln_loss_hessian_density(dln_loss *loss, const dln_net *net, size_t probes,
                                    size_t steps, uint64_t seed, double *nodes, double *weights,
                                    double sigma, size_t ngrid, const double *grid,
                                    double *density)
{
    dln_status st = check_density(loss, net, probes, steps, nodes, weights, sigma, ngrid, grid,
                                  density);
    if (st != DLN_OK) return st;
    const size_t n = net->n, m = steps, gmax = probes < DLNI_BATCH ? probes : DLNI_BATCH;
    /* V, HV, alpha, beta, coef, T and S of one probe, nodes and weights of
     * all (written to the caller only on success) */
    size_t total = gmax * n * m + gmax * n + 2 * gmax * m + m + 2 * m * m + 2 * probes * m;
    double *buf = dlni_alloc(total);
    size_t *len = malloc(2 * gmax * sizeof *len);
    if (!buf || !len) {
        free(buf), free(len);
        return dlni_fail(loss->err, DLN_E_NOMEM, "out of memory for the Lanczos bases");
    }
    slq z = {n, m, 0, buf, buf + gmax * n * m, NULL, NULL, len, len + gmax, NULL};
    z.alpha = z.HV + gmax * n, z.beta = z.alpha + gmax * m, z.coef = z.beta + gmax * m;
    double *tri = z.coef + m, *nd = tri + 2 * m * m, *wt = nd + probes * m;
    dlni_rng rng;
    dlni_rng_seed(&rng, seed);
    for (size_t p0 = 0; p0 < probes && st == DLN_OK; p0 += gmax) {
        z.g = probes - p0 < gmax ? probes - p0 : gmax;
        for (size_t p = 0; p < z.g; p++) {
            double *v = z.V + p * m * n;
            dlni_rademacher(&rng, n, v);
            la_scal(n, 1.0 / sqrt((double)n), v);
        }
        st = slq_run(loss, net, &z);
        for (size_t p = 0; p < z.g && st == DLN_OK; p++)
            st = quadrature(loss, &z, p, 1.0 / (double)probes, tri, nd + (p0 + p) * m,
                            wt + (p0 + p) * m);
    }
    if (st == DLN_OK && !la_all_finite(probes * m, 1, nd, probes * m))
        st = dlni_fail(loss->err, DLN_E_NONFINITE, "the Lanczos nodes overflowed");
    if (st == DLN_OK) {
        memcpy(nodes, nd, probes * m * sizeof *nd);
        memcpy(weights, wt, probes * m * sizeof *wt);
        const double c = 0.3989422804014327 / sigma; /* 1/(sigma sqrt(2 pi)) */
        for (size_t g = 0; g < ngrid; g++) {
            double s = 0.0;
            for (size_t i = 0; i < probes * m; i++) {
                double u = (grid[g] - nd[i]) / sigma;
                if (wt[i] != 0.0) s += wt[i] * exp(-0.5 * u * u);
            }
            density[g] = c * s;
        }
    }
    free(buf), free(len);
    return st;
}
