/* oracle.c - see oracle.h. Deliberately simple: compact complex matrices,
 * triple loops, no BLAS, no library calls. */
#include "oracle.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef double complex cplx;

size_t orc_num_params(size_t L, const size_t *d)
{
    size_t n = 0;
    for (size_t l = 1; l <= L; l++) n += d[l] * d[l - 1];
    return n;
}

static cplx *cnew(size_t n) { return calloc(n ? n : 1, sizeof(cplx)); }

/* C = op(A) op(B), compact (ld = rows of the stored matrix); no conjugation. */
static void cmul(size_t m, size_t n, size_t k, const cplx *A, int ta, const cplx *B, int tb, cplx *C)
{
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < m; i++) {
            cplx s = 0;
            for (size_t t = 0; t < k; t++)
                s += (ta ? A[t + i * k] : A[i + t * m]) * (tb ? B[j + t * n] : B[t + j * k]);
            C[i + j * m] = s;
        }
}

static void cidentity(size_t k, cplx *A)
{
    memset(A, 0, k * k * sizeof *A);
    for (size_t i = 0; i < k; i++) A[i + i * k] = 1;
}

static cplx csumsq(size_t n, const cplx *a)
{
    cplx s = 0;
    for (size_t i = 0; i < n; i++) s += a[i] * a[i]; /* z^2, never |z|^2 */
    return s;
}

/* Prefix products B_l = W_{l-1:1} (l = 1..L+1, B_{L+1} = P) and suffix
 * products A_l = W_{L:l+1} (l = 0..L, A_0 = P), each compact. */
typedef struct chains {
    cplx **B, **A;
} chains;

static chains chains_new(const orc_problem *p, const cplx *theta)
{
    size_t L = p->L;
    const size_t *d = p->d;
    chains c = {calloc(L + 2, sizeof(cplx *)), calloc(L + 1, sizeof(cplx *))};
    const cplx *W = theta;
    c.B[1] = cnew(d[0] * d[0]);
    cidentity(d[0], c.B[1]);
    for (size_t l = 1; l <= L; l++) {
        c.B[l + 1] = cnew(d[l] * d[0]);
        cmul(d[l], d[0], d[l - 1], W, 0, c.B[l], 0, c.B[l + 1]);
        W += d[l] * d[l - 1];
    }
    c.A[L] = cnew(d[L] * d[L]);
    cidentity(d[L], c.A[L]);
    for (size_t l = L; l >= 1; l--) {
        W -= d[l] * d[l - 1];
        c.A[l - 1] = cnew(d[L] * d[l - 1]);
        cmul(d[L], d[l - 1], d[l], c.A[l], 0, W, 0, c.A[l - 1]);
    }
    return c;
}

static void chains_free(const orc_problem *p, chains c)
{
    for (size_t l = 1; l <= p->L + 1; l++) free(c.B[l]);
    for (size_t l = 0; l <= p->L; l++) free(c.A[l]);
    free(c.B), free(c.A);
}

/* Residual P X - Y (d_L x m) or P - Phi (d_L x d_0), compact; *cols its width. */
static cplx *residual(const orc_problem *p, const cplx *P, size_t *cols)
{
    size_t d0 = p->d[0], dL = p->d[p->L];
    if (!p->X) {
        cplx *r = cnew(dL * d0);
        for (size_t j = 0; j < d0; j++)
            for (size_t i = 0; i < dL; i++) r[i + j * dL] = P[i + j * dL] - p->Phi[i + j * p->ldphi];
        *cols = d0;
        return r;
    }
    cplx *r = cnew(dL * p->m);
    for (size_t j = 0; j < p->m; j++)
        for (size_t i = 0; i < dL; i++) {
            cplx s = -p->Y[i + j * p->ldy];
            for (size_t t = 0; t < d0; t++) s += P[i + t * dL] * p->X[t + j * p->ldx];
            r[i + j * dL] = s;
        }
    *cols = p->m;
    return r;
}

static cplx penalty(const orc_problem *p, const cplx *theta)
{
    cplx s = 0;
    for (size_t l = 1; l <= p->L && p->lam; l++) {
        size_t nl = p->d[l] * p->d[l - 1];
        s += 0.5 * p->lam[l - 1] * csumsq(nl, theta);
        theta += nl;
    }
    return s;
}

cplx orc_value_c(const orc_problem *p, const cplx *theta)
{
    chains c = chains_new(p, theta);
    size_t cols;
    cplx *r = residual(p, c.A[0], &cols);
    double w = p->X ? p->w : 1.0;
    cplx f = 0.5 * w * csumsq(p->d[p->L] * cols, r) + penalty(p, theta);
    free(r);
    chains_free(p, c);
    return f;
}

void orc_grad_c(const orc_problem *p, const cplx *theta, cplx *grad)
{
    size_t L = p->L, d0 = p->d[0], dL = p->d[L];
    const size_t *d = p->d;
    chains c = chains_new(p, theta);
    size_t cols;
    cplx *r = residual(p, c.A[0], &cols), *E = cnew(dL * d0);
    if (p->X) { /* E = w (P X - Y) X^T */
        for (size_t j = 0; j < d0; j++)
            for (size_t i = 0; i < dL; i++) {
                cplx s = 0;
                for (size_t t = 0; t < p->m; t++) s += r[i + t * dL] * p->X[j + t * p->ldx];
                E[i + j * dL] = p->w * s;
            }
    } else {
        memcpy(E, r, dL * d0 * sizeof *E);
    }
    size_t off = 0;
    for (size_t l = 1; l <= L; l++) { /* grad_l = A_l^T E B_l^T + lam_l W_l */
        cplx *T = cnew(d[l] * d0);
        cmul(d[l], d0, dL, c.A[l], 1, E, 0, T);
        cmul(d[l], d[l - 1], d0, T, 0, c.B[l], 1, grad + off);
        double lam = p->lam ? p->lam[l - 1] : 0.0;
        for (size_t i = 0; i < d[l] * d[l - 1]; i++) grad[off + i] += lam * theta[off + i];
        off += d[l] * d[l - 1];
        free(T);
    }
    free(r), free(E);
    chains_free(p, c);
}

/* theta + i h dir as complex weights. */
static cplx *complexify(size_t n, const double *theta, const double *dir, double h)
{
    cplx *z = cnew(n);
    for (size_t i = 0; i < n; i++) z[i] = CMPLX(theta[i], dir ? h * dir[i] : 0.0);
    return z;
}

static double step(size_t n, const double *dir)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += dir[i] * dir[i];
    return 1e-20 / fmax(1.0, sqrt(s));
}

double orc_value(const orc_problem *p, const double *theta)
{
    cplx *z = complexify(orc_num_params(p->L, p->d), theta, NULL, 0.0);
    double f = creal(orc_value_c(p, z));
    free(z);
    return f;
}

void orc_grad(const orc_problem *p, const double *theta, double *grad)
{
    size_t n = orc_num_params(p->L, p->d);
    cplx *z = complexify(n, theta, NULL, 0.0), *g = cnew(n);
    orc_grad_c(p, z, g);
    for (size_t i = 0; i < n; i++) grad[i] = creal(g[i]);
    free(z), free(g);
}

double orc_cs_dir(const orc_problem *p, const double *theta, const double *dir)
{
    size_t n = orc_num_params(p->L, p->d);
    double h = step(n, dir);
    cplx *z = complexify(n, theta, dir, h);
    double v = cimag(orc_value_c(p, z)) / h;
    free(z);
    return v;
}

void orc_cs_hvp(const orc_problem *p, const double *theta, const double *dir, double *hv)
{
    size_t n = orc_num_params(p->L, p->d);
    double h = step(n, dir);
    cplx *z = complexify(n, theta, dir, h), *g = cnew(n);
    orc_grad_c(p, z, g);
    for (size_t i = 0; i < n; i++) hv[i] = cimag(g[i]) / h;
    free(z), free(g);
}

void orc_matmul(size_t m, size_t n, size_t k, const double *A, size_t lda, int ta,
                const double *B, size_t ldb, int tb, double *C, size_t ldc)
{
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < m; i++) {
            double s = 0.0;
            for (size_t t = 0; t < k; t++)
                s += (ta ? A[t + i * lda] : A[i + t * lda]) * (tb ? B[j + t * ldb] : B[t + j * ldb]);
            C[i + j * ldc] = s;
        }
}

void orc_product(size_t L, const size_t *d, const double *theta, size_t j, size_t i, double *out,
                 size_t ld)
{
    size_t rows = d[i - 1], off = 0;
    double *cur = calloc(rows * rows, sizeof *cur);
    for (size_t t = 0; t < rows; t++) cur[t + t * rows] = 1.0;
    for (size_t l = 1; l < i; l++) off += d[l] * d[l - 1];
    for (size_t l = i; l <= j && l <= L; l++) { /* cur = W_l cur */
        double *nxt = calloc(d[l] * d[i - 1], sizeof *nxt);
        orc_matmul(d[l], d[i - 1], d[l - 1], theta + off, d[l], 0, cur, d[l - 1], 0, nxt, d[l]);
        free(cur);
        cur = nxt, off += d[l] * d[l - 1];
    }
    for (size_t c = 0; c < d[i - 1]; c++)
        for (size_t r = 0; r < d[j]; r++) out[r + c * ld] = cur[r + c * d[j]];
    free(cur);
}

double orc_max(double a, double b) { return isnan(a) || isnan(b) ? NAN : a > b ? a : b; }

double orc_maxdiff(size_t n, const double *a, const double *b)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++) m = orc_max(m, fabs(a[i] - b[i]));
    return m;
}

double orc_maxabs(size_t n, const double *a)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++) m = orc_max(m, fabs(a[i]));
    return m;
}

double orc_fro(size_t m, size_t n, const double *A, size_t lda)
{
    double s = 0.0;
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < m; i++) s += A[i + j * lda] * A[i + j * lda];
    return sqrt(s);
}

double orc_dot(size_t n, const double *a, const double *b)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

void orc_note(const char *label, double value)
{
    if (getenv("DLN_TEST_REPORT")) fprintf(stderr, "  [measured] %-44s %.3g\n", label, value);
}
