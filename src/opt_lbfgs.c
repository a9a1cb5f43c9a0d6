/* opt_lbfgs.c - L-BFGS (Nocedal 1980) in the compact representation of
 * Byrd, Nocedal & Schnabel (1994, eq. 3.2).
 *
 * Direction d_k = -H_k g_k for the last m pairs s_j = theta_{j+1} - theta_j,
 * y_j = g_{j+1} - g_j (oldest first: columns of S, Y), H_k^0 = gamma I with
 * gamma = s'y / y'y of the newest pair:
 *
 *     H g = gamma g + S a - gamma Y u,   u = R^-1 S'g,
 *                                        a = R^-T ((D + gamma Y'Y) u - gamma Y'g),
 *
 * R = upper triangle of S'Y, D its diagonal. This is the matrix of the
 * two-loop recursion (Nocedal & Wright, Algorithm 7.4), computed with two
 * passes over the history (GEMVs) instead of 2m dot/axpy pairs: the step is
 * bound by memory traffic (n doubles per pass), not flops. The small
 * matrices never cost a pass of their own: the newest pair's products with
 * the older ones are differences of the products with g computed for two
 * consecutive directions (S'y_k = S'g_{k+1} - S'g_k; s'y and y'y of the pair
 * itself come from the fused pass that forms it). s_k is the direction
 * scaled in place, y_k is formed in one pass that also sums s'y, s's, y'y.
 *
 * theta_{k+1} = theta_k + t d_k with t from the strong Wolfe search (first
 * trial t = 1; t = eta with d = -g on the first iteration and after a
 * restart). A pair is stored only when s'y > eps ||s|| ||y|| (positive
 * curvature, guaranteed by the Wolfe conditions up to rounding). When d is
 * not a descent direction or the search fails, the memory is cleared and
 * steepest descent is tried once. */
#include "opt_internal.h"
#include "linalg.h"

#include <float.h>
#include <math.h>
#include <string.h>

size_t dlni_lbfgs_len(const dln_opt *opt, size_t n)
{
    size_t s = opt->o.memory + 1, vec, mat;
    /* S, Y (s slots each) and gt: (2 s + 1) n; SY, YY, dots, u, w */
    if (!dlni_mul(2 * s + 1, n, &vec) || !dlni_mul(2 * s, s + 4, &mat) || vec + mat < vec)
        return (size_t)-1;
    return vec + mat;
}

void dlni_lbfgs_bind(dln_opt *opt)
{
    dlni_lbfgs *lb = &opt->lb;
    size_t s = opt->o.memory + 1, n = opt->n;
    lb->S = opt->state;
    lb->Y = lb->S + s * n;
    lb->gt = lb->Y + s * n;
    lb->SY = lb->gt + n;
    lb->YY = lb->SY + s * s;
    lb->dots = lb->YY + s * s;
    lb->u = lb->dots + 4 * s;
    lb->w = lb->u + s;
    lb->d = lb->S;
}

void dlni_lbfgs_reset(dln_opt *opt) { opt->lb.head = opt->lb.count = 0, opt->lb.fresh = 0; }

/* Slot of the pair of age a (0 = oldest). */
static size_t slot(const dlni_lbfgs *lb, size_t slots, size_t a)
{
    return (lb->head + slots - lb->count + a) % slots;
}

/* The stored slots as at most two contiguous runs of the ring. */
static void ring_runs(const dlni_lbfgs *lb, size_t s, size_t start[2], size_t len[2])
{
    size_t first = slot(lb, s, 0), run1 = s - first < lb->count ? s - first : lb->count;
    start[0] = first, len[0] = run1;
    start[1] = 0, len[1] = lb->count - run1;
}

/* Rows per chunk of the sweeps over the history: a chunk of g and d (2 x
 * 128 KB) stays in cache while the 2m history columns stream past it. */
#define CHUNK 16384

/* dots[0..2s) = [S Y]' g over the stored slots, one sweep in row chunks (g
 * is read once); the previous values move to dots[2s..4s). */
static void history_dots(dln_opt *opt)
{
    dlni_lbfgs *lb = &opt->lb;
    const size_t n = opt->n, s = opt->o.memory + 1;
    size_t start[2], len[2];
    ring_runs(lb, s, start, len);
    memcpy(lb->dots + 2 * s, lb->dots, 2 * s * sizeof *lb->dots);
    for (size_t r0 = 0; r0 < n; r0 += CHUNK) {
        const size_t rc = n - r0 < CHUNK ? n - r0 : CHUNK;
        const double *g = opt->g + r0, beta = r0 ? 1.0 : 0.0;
        for (int r = 0; r < 2; r++) {
            if (len[r] == 0) continue;
            size_t o = start[r] * n + r0;
            la_gemv(LA_T, rc, len[r], 1.0, lb->S + o, n, g, beta, lb->dots + start[r]);
            la_gemv(LA_T, rc, len[r], 1.0, lb->Y + o, n, g, beta, lb->dots + s + start[r]);
        }
    }
}

/* d = -gamma g + S a + Y b over the stored slots (a, b indexed by slot), one
 * sweep in row chunks: each chunk of d is written once and its slope g'd
 * summed while it is in cache. Returns g'd. */
static double history_combine(dln_opt *opt, double gamma, const double *a, const double *b,
                              double *d)
{
    dlni_lbfgs *lb = &opt->lb;
    const size_t n = opt->n, s = opt->o.memory + 1;
    size_t start[2], len[2];
    ring_runs(lb, s, start, len);
    double slope = 0.0;
    for (size_t r0 = 0; r0 < n; r0 += CHUNK) {
        const size_t rc = n - r0 < CHUNK ? n - r0 : CHUNK;
        const double *g = opt->g + r0;
        double *dc = d + r0;
        for (size_t i = 0; i < rc; i++) dc[i] = -gamma * g[i];
        for (int r = 0; r < 2; r++) {
            if (len[r] == 0) continue;
            size_t o = start[r] * n + r0;
            la_gemv(LA_N, rc, len[r], 1.0, lb->S + o, n, a + start[r], 1.0, dc);
            la_gemv(LA_N, rc, len[r], 1.0, lb->Y + o, n, b + start[r], 1.0, dc);
        }
        slope += la_dot(rc, g, dc);
    }
    return slope;
}

/* Enter the newest pair's products with the older pairs, s_i'y_new and
 * y_i'y_new, as differences of their products with g now and before. */
static void enter_newest(dlni_lbfgs *lb, size_t s)
{
    const double *now = lb->dots, *before = lb->dots + 2 * s;
    size_t jn = slot(lb, s, lb->count - 1);
    for (size_t a = 0; a + 1 < lb->count; a++) {
        size_t i = slot(lb, s, a);
        lb->SY[i + jn * s] = now[i] - before[i];
        lb->YY[i + jn * s] = lb->YY[jn + i * s] = now[s + i] - before[s + i];
    }
}

/* d = -H g in the compact form (d = -g with an empty memory); d is the free
 * slot of S. Returns the slope g'd. */
static double direction(dln_opt *opt)
{
    dlni_lbfgs *lb = &opt->lb;
    const size_t n = opt->n, s = opt->o.memory + 1, c = lb->count;
    double *d = lb->d = lb->S + lb->head * n;
    if (c == 0) return history_combine(opt, 1.0, NULL, NULL, d);
    history_dots(opt);
    if (lb->fresh) enter_newest(lb, s), lb->fresh = 0;
    const double *p = lb->dots, *q = lb->dots + s; /* S'g, Y'g by slot */
    size_t jn = slot(lb, s, c - 1);
    double gamma = lb->SY[jn + jn * s] / lb->YY[jn + jn * s];
    double *u = lb->u, *w = lb->w;
    for (size_t a = c; a-- > 0;) { /* u = R^-1 S'g (R_ab = s_a'y_b, a <= b) */
        size_t i = slot(lb, s, a);
        double v = p[i];
        for (size_t b = a + 1; b < c; b++) v -= lb->SY[i + slot(lb, s, b) * s] * u[slot(lb, s, b)];
        u[i] = v / lb->SY[i + i * s];
    }
    for (size_t a = 0; a < c; a++) { /* w = R^-T ((D + gamma Y'Y) u - gamma Y'g) */
        size_t i = slot(lb, s, a);
        double v = lb->SY[i + i * s] * u[i] - gamma * q[i];
        for (size_t b = 0; b < c; b++) v += gamma * lb->YY[i + slot(lb, s, b) * s] * u[slot(lb, s, b)];
        for (size_t b = 0; b < a; b++) v -= lb->SY[slot(lb, s, b) + i * s] * w[slot(lb, s, b)];
        w[i] = v / lb->SY[i + i * s];
    }
    for (size_t a = 0; a < c; a++) { /* d = -gamma g - S w + gamma Y u */
        size_t i = slot(lb, s, a);
        w[i] = -w[i], u[i] *= gamma;
    }
    return history_combine(opt, gamma, w, u, d);
}

/* s = t d in place, y = gt - g into its slot, one fused pass; the pair is
 * kept when s'y is safely positive. */
static void remember(dln_opt *opt, double t)
{
    dlni_lbfgs *lb = &opt->lb;
    const size_t n = opt->n, s = opt->o.memory + 1, h = lb->head;
    double *sv = lb->d, *y = lb->Y + h * n, sy = 0.0, ss = 0.0, yy = 0.0;
    const double *gn = lb->gt, *g = opt->g;
    const int scale = t != 1.0; /* at t = 1 (the usual step) s = d: nothing to write */
    for (size_t i = 0; i < n; i++) {
        double si = t * sv[i], yi = gn[i] - g[i];
        if (scale) sv[i] = si;
        y[i] = yi;
        sy += si * yi, ss += si * si, yy += yi * yi;
    }
    if (!(sy > DBL_EPSILON * sqrt(ss) * sqrt(yy))) return;
    lb->SY[h + h * s] = sy, lb->YY[h + h * s] = yy;
    lb->head = (h + 1) % s;
    if (lb->count < opt->o.memory) lb->count++;
    lb->fresh = 1;
}

dln_status dlni_lbfgs_step(dln_opt *opt, dln_loss *loss, dln_net *net)
{
    dlni_lbfgs *lb = &opt->lb;
    for (int attempt = 0; attempt < 2; attempt++) {
        double slope = direction(opt);
        if (!(slope < 0.0) && lb->count > 0) { /* not a descent direction: restart */
            dlni_lbfgs_reset(opt);
            slope = direction(opt);
        }
        if (!(slope < 0.0)) break; /* g = 0 to rounding: nothing to do */
        double t = lb->count ? 1.0 : opt->o.step, f;
        int ok;
        dln_status st = dlni_wolfe(opt, loss, net, lb->d, slope, &t, &f, lb->gt, &ok);
        if (st != DLN_OK) return st;
        if (ok) {
            remember(opt, t);
            double *g = opt->g; /* the gradient at the new point becomes g_{k+1} */
            opt->g = lb->gt, lb->gt = g;
            opt->f = f, opt->t = t;
            return DLN_OK;
        }
        if (lb->count == 0) break;
        dlni_lbfgs_reset(opt); /* retry once with steepest descent */
    }
    opt->ls_failed = 1;
    return DLN_OK;
}

const dlni_opt_ops dlni_opt_lbfgs = {"lbfgs",          dlni_lbfgs_len, dlni_lbfgs_bind,
                                     dlni_lbfgs_reset, NULL,           dlni_lbfgs_step, NULL};
