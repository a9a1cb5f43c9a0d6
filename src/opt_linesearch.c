/* opt_linesearch.c - line searches from theta_k = opt->prev along a
 * direction d, phi(t) = F(theta_k + t d), phi(0) = opt->f.
 *
 * Backtracking (Armijo, and its second-order form for negative curvature):
 * accept the first t of t0, shrink t0, ... with
 *     phi(t) <= phi(0) + c1 (t slope + t^2 curv / 2)  and  phi(t) < phi(0),
 * optionally followed by doubling t while the test holds and phi decreases.
 *
 * Wolfe (Nocedal & Wright, Algorithms 3.5 and 3.6: bracketing, then zoom with
 * safeguarded cubic interpolation) for the strong Wolfe conditions
 *     phi(t) <= phi(0) + c1 t phi'(0),   |phi'(t)| <= c2 |phi'(0)|.
 * Close to a minimizer the decrease c1 t phi'(0) falls below the rounding
 * error of F itself (F ~ 1, ||g|| ~ 1e-9 already gives 1e-18), so the
 * sufficient-decrease test also accepts Hager & Zhang's approximate form
 *     phi'(t) <= (2 c1 - 1) phi'(0)  and  phi(t) <= phi(0) + 1e-10 |phi(0)|,
 * which is exact for quadratics and uses the (accurate) derivative instead
 * of a difference of nearly equal values. This is what lets L-BFGS drive
 * ||grad F|| to the 1e-12 level and below. */
#include "opt_internal.h"
#include "linalg.h"

#include <float.h>
#include <math.h>

#define MAX_TRIALS 2000  /* backtracking: ends earlier when t d is below rounding */
#define MAX_EXPAND 60
#define MAX_BRACKET 40
#define MAX_ZOOM 40
#define NOISE 1e-10      /* relative level under which values of F are not compared */

/* ---- backtracking ---------------------------------------------------------- */

typedef struct bt_model {
    const double *d;
    double sign, slope, curv, f0, c1;
} bt_model;

/* Value at prev + (sign t) d and whether it passes the decrease test. */
static dln_status bt_try(dln_opt *opt, dln_loss *loss, dln_net *net, const bt_model *m, double t,
                         double *f, int *pass)
{
    dlni_opt_move(opt, net, m->sign * t, m->d);
    dln_status st = dlni_opt_value(opt, loss, net, f);
    *pass = 0;
    if (st == DLN_E_NONFINITE) return DLN_OK; /* overshoot: shrink */
    if (st != DLN_OK) return st;
    /* strict decrease as well: once c1 t slope is below the rounding of F the
     * Armijo test alone would accept equal values and random-walk forever */
    *pass = *f < m->f0 && *f <= m->f0 + m->c1 * (t * m->slope + 0.5 * t * t * m->curv);
    return DLN_OK;
}

dln_status dlni_backtrack(dln_opt *opt, dln_loss *loss, dln_net *net, const double *d, double sign,
                          double slope, double curv, int expand, double *t, double *f, int *ok)
{
    const bt_model m = {d, sign, slope, curv, opt->f, opt->o.armijo_c1};
    const double dn = la_nrm2(opt->n, d), floor = DBL_EPSILON * la_nrm2(opt->n, opt->prev);
    double tt = *t, ft = 0.0;
    int pass = 0;
    *ok = 0;
    for (int i = 0; i < MAX_TRIALS && tt * dn > floor && tt * dn > 0.0; i++) {
        dln_status st = bt_try(opt, loss, net, &m, tt, &ft, &pass);
        if (st != DLN_OK) return st;
        if (pass) break;
        tt *= opt->o.shrink;
    }
    if (!pass) {
        dlni_opt_move(opt, net, 0.0, d); /* back to prev */
        return DLN_OK;
    }
    for (int i = 0; expand && i < MAX_EXPAND; i++) {
        double f2;
        dln_status st = bt_try(opt, loss, net, &m, 2.0 * tt, &f2, &pass);
        if (st != DLN_OK) return st;
        if (!pass || !(f2 < ft)) {
            dlni_opt_move(opt, net, sign * tt, d); /* back to the accepted point */
            break;
        }
        tt *= 2.0, ft = f2;
    }
    *ok = 1, *t = tt, *f = ft;
    return DLN_OK;
}

/* ---- strong Wolfe ------------------------------------------------------------ */

typedef struct ls_point {
    double t, f, dphi; /* f = +Inf where F or grad F is not finite */
} ls_point;

typedef struct wolfe_ctx {
    dln_opt *opt;
    dln_loss *loss;
    dln_net *net;
    const double *d;
    double *g;
    double f0, slope, c1, c2, noise;
} wolfe_ctx;

static dln_status probe(const wolfe_ctx *c, double t, ls_point *p)
{
    dlni_opt_move(c->opt, c->net, t, c->d);
    dln_status st = dlni_opt_eval(c->opt, c->loss, c->net, c->g, &p->f);
    p->t = t;
    if (st == DLN_E_NONFINITE) {
        p->f = INFINITY, p->dphi = NAN;
        return DLN_OK;
    }
    if (st != DLN_OK) return st;
    p->dphi = la_dot(c->opt->n, c->g, c->d);
    return DLN_OK;
}

static int sufficient(const wolfe_ctx *c, const ls_point *p)
{
    if (!isfinite(p->f)) return 0;
    if (p->f <= c->f0 + c->c1 * p->t * c->slope) return 1;
    return p->f <= c->f0 + c->noise && p->dphi <= (2.0 * c->c1 - 1.0) * c->slope;
}

static int curvature(const wolfe_ctx *c, const ls_point *p) { return fabs(p->dphi) <= -c->c2 * c->slope; }

/* a above b beyond the rounding level of F */
static int higher(const wolfe_ctx *c, double a, double b) { return a > b + c->noise; }

/* Minimizer of the cubic through (lo, hi) values and slopes, kept in the
 * middle 80% of the bracket; bisection when the cubic is unusable. */
static double interpolate(const ls_point *lo, const ls_point *hi)
{
    double a = fmin(lo->t, hi->t), b = fmax(lo->t, hi->t), w = b - a, mid = a + 0.5 * w;
    if (!isfinite(hi->f) || !isfinite(hi->dphi)) return mid;
    double d1 = lo->dphi + hi->dphi - 3.0 * (lo->f - hi->f) / (lo->t - hi->t);
    double disc = d1 * d1 - lo->dphi * hi->dphi;
    if (!(disc >= 0.0)) return mid;
    double d2 = copysign(sqrt(disc), hi->t - lo->t);
    double t = hi->t - (hi->t - lo->t) * (hi->dphi + d2 - d1) / (hi->dphi - lo->dphi + 2.0 * d2);
    if (!isfinite(t)) return mid;
    return fmin(fmax(t, a + 0.1 * w), b - 0.1 * w);
}

/* Zoom inside the bracket (lo satisfies the decrease test, hi does not or
 * lies beyond a minimizer). */
static dln_status zoom(const wolfe_ctx *c, ls_point lo, ls_point hi, ls_point *out, int *ok)
{
    for (int j = 0; j < MAX_ZOOM; j++) {
        if (fabs(hi.t - lo.t) <= 4.0 * DBL_EPSILON * fmax(lo.t, hi.t)) break;
        ls_point p;
        dln_status st = probe(c, interpolate(&lo, &hi), &p);
        if (st != DLN_OK) return st;
        if (!sufficient(c, &p) || higher(c, p.f, lo.f)) {
            hi = p;
            continue;
        }
        if (curvature(c, &p)) {
            *out = p, *ok = 1;
            return DLN_OK;
        }
        if (p.dphi * (hi.t - lo.t) >= 0.0) hi = lo;
        lo = p;
    }
    /* No point met both conditions: settle for the best point with
     * sufficient decrease, if any (the gradient is re-evaluated there). */
    if (lo.t > 0.0) {
        dln_status st = probe(c, lo.t, out);
        *ok = st == DLN_OK && isfinite(out->f);
        return st;
    }
    return DLN_OK;
}

dln_status dlni_wolfe(dln_opt *opt, dln_loss *loss, dln_net *net, const double *d, double slope,
                      double *t, double *f, double *g, int *ok)
{
    const wolfe_ctx c = {opt,   loss, net, d, g, opt->f, slope, opt->o.wolfe_c1, opt->o.wolfe_c2,
                         NOISE * fabs(opt->f)};
    ls_point prev = {0.0, opt->f, slope}, p, acc = {0.0, 0.0, 0.0};
    double tt = *t;
    dln_status st = DLN_OK;
    *ok = 0;
    for (int i = 0; i < MAX_BRACKET && st == DLN_OK && !*ok; i++, tt *= 4.0) {
        if ((st = probe(&c, tt, &p)) != DLN_OK) break;
        if (!sufficient(&c, &p) || (i > 0 && higher(&c, p.f, prev.f))) {
            st = zoom(&c, prev, p, &acc, ok);
            break;
        }
        if (curvature(&c, &p)) {
            acc = p, *ok = 1;
            break;
        }
        if (p.dphi >= 0.0) {
            st = zoom(&c, p, prev, &acc, ok);
            break;
        }
        prev = p;
    }
    if (st != DLN_OK) return st;
    if (!*ok) {
        dlni_opt_move(opt, net, 0.0, d); /* back to prev */
        return DLN_OK;
    }
    /* the accepted point is always the last one probed: net and g hold it */
    *t = acc.t, *f = acc.f;
    return DLN_OK;
}
