/* spectrum_deflate.c - the Hessian restricted to the complement of the
 * symmetry directions, and the GD rate read from it (docs/spectrum.md §4).
 *
 * F(W) is invariant under W_h -> G W_h, W_{h+1} -> W_{h+1} G^{-1} at every
 * hidden width h (G invertible when lam_h = lam_{h+1} = 0, orthogonal
 * otherwise), so the tangent vectors T(X) = (X W_h in layer h, -W_{h+1} X in
 * layer h+1), X = E_ij (resp. E_ij - E_ji), span directions along which F
 * is flat to second order at a critical point. A pivoted Cholesky
 * factorization of their Gram matrix S^T S selects r independent ones (the
 * numerical rank: residual norms above 1e-6 of the largest tangent norm,
 * as a column-pivoted QR of S would, but in level-3 BLAS); a Householder
 * QR of those r gives Q, whose last n - r columns span the complement. The operator y -> (Q^T H Q [0; y])_{r..n-1} is the
 * compressed Hessian, applied with the Householder reflectors (no explicit
 * basis), and handed to the eigensolver of spectrum_eigs.c. */
#include "internal.h"
#include "linalg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Relative rank tolerance of the tangent vectors. */
#define RANK_TOL 1e-6
/* A remaining eigenvalue is a zero mode below this fraction of max |mu|. */
#define ZERO_TOL 1e-8

typedef struct deflation {
    dln_loss *loss;
    const dln_net *net;
    size_t n, s, r;   /* order, tangent vectors, rank */
    double *S, *tau;  /* n x s reflectors (QR of the tangents), s */
    double *Z, *HZ;   /* n x DLNI_BATCH each */
    double *work;     /* dormqr workspace */
    size_t lwork;
} deflation;

/* The symmetry group at hidden width h: GL when lam_h = lam_{h+1} = 0;
 * otherwise orthogonal, unless a residual layer h or h+1 (W = I + A) has
 * weight decay, whose penalty lam/2 ||W - I||^2 no rotation preserves. */
enum { GROUP_NONE = 0, GROUP_ORTHOGONAL = 1, GROUP_GL = 2 };

static int group(const dln_loss *loss, const dln_net *net, size_t h)
{
    const double *lam = loss->work.lam;
    if (lam[h - 1] == 0.0 && lam[h] == 0.0) return GROUP_GL;
    for (size_t l = h; l <= h + 1; l++)
        if (net->res && net->res[l - 1] && lam[l - 1] != 0.0) return GROUP_NONE;
    return GROUP_ORTHOGONAL;
}

/* Generators at hidden width h: E_ij (GL) or E_ij - E_ji, i < j (orthogonal). */
static size_t generators(const dln_loss *loss, const dln_net *net, size_t h)
{
    const size_t dh = net->d[h];
    int g = group(loss, net, h);
    return g == GROUP_GL ? dh * dh : g == GROUP_ORTHOGONAL ? dh * (dh - 1) / 2 : 0;
}

static size_t count_tangents(const dln_loss *loss, const dln_net *net)
{
    size_t s = 0;
    for (size_t h = 1; h < net->L; h++) s += generators(loss, net, h);
    return s;
}

/* col += sgn * T(E_ij) at hidden width h. */
static void add_tangent(const dln_net *net, size_t h, size_t i, size_t j, double sgn, double *col)
{
    const size_t *d = net->d;
    const double *Wh = dlni_layer(net, h), *Wn = dlni_layer(net, h + 1);
    double *Th = col + net->off[h - 1], *Tn = col + net->off[h];
    for (size_t c = 0; c < d[h - 1]; c++) Th[i + c * d[h]] += sgn * Wh[j + c * d[h]];
    for (size_t q = 0; q < d[h + 1]; q++) Tn[q + j * d[h + 1]] -= sgn * Wn[q + i * d[h + 1]];
}

/* Tangent number c, in the order: hidden widths h = 1..L-1, then column j,
 * then row i of X (i < j in the orthogonal case), into col (n entries); the
 * weights are those of eff (W_l = I + A_l on residual layers of net). */
static void tangent_column(const dln_loss *loss, const dln_net *net, const dln_net *eff, size_t c,
                           double *col)
{
    memset(col, 0, net->n * sizeof *col);
    for (size_t h = 1; h < net->L; h++) {
        const size_t dh = net->d[h], cnt = generators(loss, net, h);
        if (c >= cnt) {
            c -= cnt;
            continue;
        }
        if (group(loss, net, h) == GROUP_GL) {
            add_tangent(eff, h, c % dh, c / dh, 1.0, col);
        } else {
            size_t j = 1;
            while (j * (j + 1) / 2 <= c) j++;
            size_t i = c - j * (j - 1) / 2;
            add_tangent(eff, h, i, j, 1.0, col);
            add_tangent(eff, h, j, i, -1.0, col);
        }
        return;
    }
}

static void deflation_free(deflation *f) { free(f->S); }

/* The rank r of the tangent vectors and r independent ones among them:
 * pivoted Cholesky of their Gram matrix (level-3 work, unlike a
 * column-pivoted QR of the tangents themselves), stopped when the largest
 * remaining squared residual norm falls below (RANK_TOL |T|_max)^2. The
 * selected columns go to cols[0..r). */
static dln_status select_tangents(dln_loss *loss, const dln_net *net, size_t s, size_t *r,
                                  int *cols)
{
    const size_t n = net->n;
    size_t ns, ss;
    if (!dlni_mul(n, s, &ns) || !dlni_mul(s, s, &ss) || ns > SIZE_MAX - ss)
        return dlni_fail(loss->err, DLN_E_OVERFLOW, "symmetry basis overflows");
    double *S = dlni_alloc(ns + ss), *G = S ? S + ns : NULL;
    if (!S) return dlni_fail(loss->err, DLN_E_NOMEM, "out of memory for the symmetry basis");
    const dln_net *eff = dlni_loss_effective(loss, net);
    for (size_t c = 0; c < s; c++) tangent_column(loss, net, eff, c, S + c * n);
    dln_status st = DLN_OK;
    if (!la_all_finite(n, s, S, n))
        st = dlni_fail(loss->err, DLN_E_NONFINITE, "the weights are not finite");
    if (st == DLN_OK) {
        la_gemm(LA_T, LA_N, s, s, n, 1.0, S, n, S, n, 0.0, G, s);
        double gmax = 0.0;
        for (size_t i = 0; i < s; i++) gmax = fmax(gmax, G[i + i * s]);
        st = gmax > 0.0 ? dlni_la_status(loss->err,
                                         la_pstrf(s, G, s, RANK_TOL * RANK_TOL * gmax, cols, r),
                                         "dpstrf on the symmetry directions")
                        : (*r = 0, DLN_OK);
    }
    free(S);
    return st;
}

static dln_status deflation_build(dln_loss *loss, const dln_net *net, deflation *f)
{
    memset(f, 0, sizeof *f);
    f->loss = loss, f->net = net, f->n = net->n;
    const size_t n = f->n, s = count_tangents(loss, net);
    int *cols = malloc((s ? s : 1) * sizeof *cols);
    if (!cols) return dlni_fail(loss->err, DLN_E_NOMEM, "out of memory for the symmetry basis");
    size_t r = 0;
    dln_status st = select_tangents(loss, net, s, &r, cols);
    size_t lw = st == DLN_OK ? la_ormqr_wsize(n, DLNI_BATCH, r ? r : 1) : 1, total;
    if (st == DLN_OK && lw == 0)
        st = dlni_fail(loss->err, DLN_E_LAPACK, "dormqr workspace query failed");
    if (st == DLN_OK && (!dlni_mul(n, r + 2 * DLNI_BATCH, &total) || total > SIZE_MAX - r - lw))
        st = dlni_fail(loss->err, DLN_E_OVERFLOW, "symmetry basis overflows");
    if (st == DLN_OK && !(f->S = dlni_alloc(total + r + lw)))
        st = dlni_fail(loss->err, DLN_E_NOMEM, "out of memory for the symmetry basis");
    if (st == DLN_OK) {
        f->r = r;
        f->Z = f->S + n * r, f->HZ = f->Z + n * DLNI_BATCH, f->tau = f->HZ + n * DLNI_BATCH;
        f->work = f->tau + r, f->lwork = lw;
        const dln_net *eff = dlni_loss_effective(loss, net);
        for (size_t j = 0; j < r; j++)
            tangent_column(loss, net, eff, (size_t)cols[j], f->S + j * n);
    }
    if (st == DLN_OK)
        st = dlni_la_status(loss->err, la_geqrf(n, r, f->S, n, f->tau),
                            "dgeqrf on the symmetry directions");
    free(cols);
    if (st != DLN_OK) deflation_free(f);
    return st;
}

/* Z = Q [0; y] for the kk columns of Y ((n - r) x kk). */
static void embed(const deflation *f, size_t kk, const double *Y, size_t ldy, double *Z)
{
    la_set(f->r, kk, 0.0, Z, f->n);
    la_copy(f->n - f->r, kk, Y, ldy, Z + f->r, f->n);
    la_ormqr(LA_N, f->n, kk, f->r, f->S, f->n, f->tau, Z, f->n, f->work, f->lwork);
}

static dln_status apply_compressed(void *ctx, size_t k, const double *X, size_t ldx, double *Y,
                                   size_t ldy)
{
    deflation *f = ctx;
    const size_t n = f->n, r = f->r;
    for (size_t j0 = 0; j0 < k; j0 += DLNI_BATCH) {
        size_t kk = k - j0 < DLNI_BATCH ? k - j0 : DLNI_BATCH;
        embed(f, kk, X + j0 * ldx, ldx, f->Z);
        dln_status st = dln_loss_hvp_batch(f->loss, f->net, kk, f->Z, n, f->HZ, n);
        if (st != DLN_OK) return st;
        la_ormqr(LA_T, n, kk, r, f->S, n, f->tau, f->HZ, n, f->work, f->lwork);
        la_copy(n - r, kk, f->HZ + r, n, Y + j0 * ldy, ldy);
    }
    return DLN_OK;
}

/* The k extreme eigenpairs of the compressed Hessian; evecs in theta layout. */
static dln_status deflated_eigs(deflation *f, dln_eig_which which, size_t k, double tol,
                                size_t maxit, uint64_t seed, unsigned options, double *evals,
                                double *evecs, size_t ldvec, dln_eig_report *rep)
{
    const size_t n = f->n, m = n - f->r;
    if (k > m)
        return dlni_fail(f->loss->err, DLN_E_DIM,
                         "k = %zu exceeds n - r = %zu (%zu symmetry directions removed)", k, m,
                         f->r);
    double *Y = evecs ? dlni_alloc(m * k) : NULL;
    if (evecs && !Y) return dlni_fail(f->loss->err, DLN_E_NOMEM, "out of memory for the vectors");
    dlni_eig_tuning tune = {(options & DLN_EIG_FORCE_ITERATIVE) ? DLNI_EIG_ITERATIVE : DLNI_EIG_AUTO,
                            0, 0};
    dlni_op op = {m, apply_compressed, f};
    dln_status st = dlni_op_eigs(f->loss, &op, which, k, tol, maxit, seed, &tune, evals, Y, m, rep);
    if (evecs && (st == DLN_OK || st == DLN_E_NOCONV))
        for (size_t j0 = 0; j0 < k; j0 += DLNI_BATCH) {
            size_t kk = k - j0 < DLNI_BATCH ? k - j0 : DLNI_BATCH;
            embed(f, kk, Y + j0 * m, m, f->Z);
            la_copy(n, kk, f->Z, n, evecs + j0 * ldvec, ldvec);
        }
    free(Y);
    return st;
}

static dln_status check_common(dln_loss *loss, const dln_net *net, unsigned options)
{
    dln_status st = dlni_loss_check(loss, net);
    if (st != DLN_OK) return st;
    if (options & ~DLN_EIG_FORCE_ITERATIVE)
        return dlni_fail(loss->err, DLN_E_RANGE, "unknown option bits 0x%x", options);
    if (net->n > DLN_DEFLATE_MAX_PARAMS)
        return dlni_fail(loss->err, DLN_E_TOO_LARGE,
                         "n = %zu exceeds DLN_DEFLATE_MAX_PARAMS = %d", net->n,
                         DLN_DEFLATE_MAX_PARAMS);
    return DLN_OK;
}

dln_status dln_loss_hessian_eigs_deflated(dln_loss *loss, const dln_net *net, dln_eig_which which,
                                          size_t k, double tol, size_t maxit, uint64_t seed,
                                          unsigned options, double *evals, double *evecs,
                                          size_t ldvec, size_t *removed, dln_eig_report *report)
{
    dln_status st = check_common(loss, net, options);
    if (st == DLN_OK) st = dlni_eig_check(loss, net->n, which, k, tol, evals, evecs, ldvec, report);
    if (st != DLN_OK) return st;
    deflation f;
    if ((st = deflation_build(loss, net, &f)) != DLN_OK) return st;
    dln_eig_report rep;
    memset(&rep, 0, sizeof rep);
    st = deflated_eigs(&f, which, k, tol, maxit, seed, options, evals, evecs, ldvec, &rep);
    if (st == DLN_OK || st == DLN_E_NOCONV) {
        if (report) dlni_report_put(report, &rep, sizeof rep);
        if (removed) *removed = f.r;
    }
    deflation_free(&f);
    return st;
}

/* Fill the rate report from the two ends of the compressed spectrum. */
static void rate_fill(dln_rate_report *o, double eta, double mu_min, double mu_max, size_t r)
{
    double scale = fmax(fabs(mu_min), fabs(mu_max));
    o->orbit_dim = r, o->hess_min = mu_min, o->mu_max = mu_max;
    o->eta_max = mu_max > 0.0 ? 2.0 / mu_max : INFINITY;
    if (mu_min >= 0.0) {
        o->mu_min_pos = mu_min;
        o->eta_opt = 2.0 / (mu_min + mu_max);
        o->rho_opt = (mu_max - mu_min) / (mu_max + mu_min);
    } else {
        o->mu_min_pos = o->eta_opt = o->rho_opt = NAN;
        if (mu_min < -ZERO_TOL * scale) o->flags |= DLN_EB_SADDLE;
    }
    o->eta = eta > 0.0 ? eta : (mu_min >= 0.0 ? o->eta_opt : 0.5 * o->eta_max);
    double lo = fabs(1.0 - o->eta * mu_min), hi = fabs(1.0 - o->eta * mu_max);
    o->rho = lo >= hi ? lo : hi;
    o->mu_slowest = lo >= hi ? mu_min : mu_max;
    if (fabs(mu_min) <= ZERO_TOL * scale) o->flags |= DLN_EB_DEGENERATE;
    if (!(o->eta < o->eta_max)) o->flags |= DLN_EB_UNSTABLE;
}

dln_status dln_loss_gd_rate(dln_loss *loss, const dln_net *net, double eta, double tol,
                            size_t maxit, uint64_t seed, unsigned options,
                            dln_rate_report *report)
{
    dln_status st = check_common(loss, net, options);
    if (st != DLN_OK) return st;
    if ((st = dlni_report_check(loss->err, report, DLN_RATE_REPORT_V1_SIZE, "report")) != DLN_OK)
        return st;
    if (!(eta >= 0.0 && isfinite(eta)))
        return dlni_fail(loss->err, DLN_E_RANGE, "the step %g must be finite and >= 0", eta);
    if (!(tol >= 0.0 && tol < 1.0))
        return dlni_fail(loss->err, DLN_E_RANGE, "tol = %g must be in [0, 1)", tol);
    deflation f;
    if ((st = deflation_build(loss, net, &f)) != DLN_OK) return st;
    double mu_min = 0.0, mu_max = 0.0;
    dln_eig_report r1, r2;
    int noconv = 0;
    st = deflated_eigs(&f, DLN_EIG_SMALLEST, 1, tol, maxit, seed, options, &mu_min, NULL, 0, &r1);
    if (st == DLN_E_NOCONV) noconv = 1, st = DLN_OK;
    if (st == DLN_OK)
        st = deflated_eigs(&f, DLN_EIG_LARGEST, 1, tol, maxit, seed, options, &mu_max, NULL, 0,
                           &r2);
    if (st == DLN_E_NOCONV) noconv = 1, st = DLN_OK;
    if (st == DLN_OK) {
        dln_rate_report o;
        memset(&o, 0, sizeof o);
        rate_fill(&o, eta, mu_min, mu_max, f.r);
        if (noconv) o.flags |= DLN_EB_NOCONV;
        dlni_report_put(report, &o, sizeof o);
    }
    deflation_free(&f);
    return st;
}
