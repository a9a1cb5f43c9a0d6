/* landscape_roots.c - the scalar critical equation of the regularized loss
 * (regularized.md 2.3-2.4, recipe 9(a) step 4).
 *
 * A matched value y and the common singular value s of the rescaled layers
 * satisfy h(s) = s^L + lam s^{2-L} = sqrt(lam) y. In t = ln s and divided by
 * sqrt(lam) y this is
 *     H(t) = e^{Lt - A} + e^{(2-L)t + B} - 1 = 0,   A = ln(sqrt(lam) y), B = ln(sqrt(lam)/y),
 * a convex function of t (a sum of exponentials), minimal at t* = ln s*.
 * Newton started where one exponential equals 1 (H > 0 on the far side of
 * each root) moves monotonically towards the root, so it cannot overshoot.
 * Everything is evaluated from log(lam) so that lam from 1e-300 to 1e300
 * and depths up to hundreds neither overflow nor underflow. A final Newton
 * step in s (not t) removes the eps*|t| granularity of t. */
#include "landscape.h"

#include <float.h>
#include <math.h>

#define MAX_NEWTON 200
#define MAX_BISECT 200

void dlni_thresholds(size_t L, double loglam, double *ystar, double *yhat, double *sstar,
                     double *pstar)
{
    if (L == 2) {
        *ystar = *yhat = exp(0.5 * loglam);
        *sstar = *pstar = NAN;
        return;
    }
    double Ld = (double)L, a = 1.0 / (2.0 * Ld - 2.0);
    *ystar = exp(a * loglam + log((2.0 * Ld - 2.0) / Ld) + (Ld - 2.0) * a * log(Ld / (Ld - 2.0)));
    *yhat = exp(log(Ld - 1.0) - (Ld - 2.0) * a * log(Ld - 2.0) + a * loglam);
    *sstar = exp(a * (log(Ld - 2.0) + loglam - log(Ld)));
    *pstar = *ystar * (Ld - 2.0) / (2.0 * Ld - 2.0);
}

/* p = s^L/sqrt(lam): pow keeps full relative accuracy (exp of a long log sum
 * would lose eps * |L ln s|). */
static double p_of_s(size_t L, double loglam, double s) { return pow(s, (double)L) * exp(-0.5 * loglam); }

double dlni_phi(size_t L, double loglam, double y, double s)
{
    if (s == 0.0) return 0.0;
    double p = p_of_s(L, loglam, s);
    return 0.5 * p * p - y * p + 0.5 * (double)L * s * s;
}

double dlni_y_of_s(size_t L, double loglam, double s)
{
    double sl = exp(0.5 * loglam);
    return p_of_s(L, loglam, s) + sl * pow(s, 2.0 - (double)L);
}

/* H(t) and H'(t) of the file comment. */
static double H(double t, double Ld, double A, double B, double *dH)
{
    double e1 = exp(Ld * t - A), e2 = exp((2.0 - Ld) * t + B);
    *dH = Ld * e1 + (2.0 - Ld) * e2;
    return e1 + e2 - 1.0;
}

/* One root from t0 (H(t0) > 0) towards tstar; dir = -1 for s_+ (t decreases),
 * +1 for s_- (t increases). Returns t; *its counts the iterations. */
static double solve(double t0, double tstar, int dir, double Ld, double A, double B, int *its)
{
    double t = t0, dH;
    int it = 0, done = 0;
    while (it < MAX_NEWTON && !done) {
        double h = H(t, Ld, A, B, &dH);
        it++;
        if (h <= 0.0 || dH == 0.0) break; /* reached the root (to rounding) */
        double tn = t - h / dH;
        if ((tn - t) * dir <= 0.0) break; /* no progress: converged */
        done = fabs(tn - t) <= 4.0 * DBL_EPSILON * fmax(1.0, fabs(tn));
        t = tn;
    }
    if (!done && it >= MAX_NEWTON) { /* linear convergence near the double root: bisect */
        double lo = dir < 0 ? tstar : t, hi = dir < 0 ? t : tstar; /* H(t) > 0 side kept */
        for (int k = 0; k < MAX_BISECT && hi - lo > 2.0 * DBL_EPSILON * fmax(1.0, fabs(lo)); k++) {
            double mid = 0.5 * (lo + hi), hm = H(mid, Ld, A, B, &dH);
            int positive_side = hm > 0.0;
            if ((dir < 0) == positive_side) hi = mid; else lo = mid;
            it++;
        }
        t = 0.5 * (lo + hi);
    }
    *its = it;
    return t;
}

/* Newton step in s on h(s)/(sqrt(lam) y) - 1: removes the granularity of t. */
static double polish(double t, double Ld, double A, double B)
{
    double dH, h = H(t, Ld, A, B, &dH);
    if (dH == 0.0 || !isfinite(h)) return exp(t);
    double s = exp(t), sn = s * (1.0 - h / dH); /* ds = s dt */
    return (sn > 0.0 && isfinite(sn)) ? sn : s;
}

static void fill_root(size_t L, double loglam, double y, int i, double s, dln_root_info *info)
{
    double Ld = (double)L, p = p_of_s(L, loglam, s);
    info->s[i] = s;
    info->p[i] = p;
    info->phi[i] = dlni_phi(L, loglam, y, s);
    /* rescaled form (s^L + lam s^{2-L})/(sqrt(lam) y) - 1: a sum of two positive
     * terms, unlike the product form (y - p) p^{1-2/L}, whose y - p cancels when p ~ y */
    double dH;
    info->residual[i] = fabs(H(log(s), Ld, 0.5 * loglam + log(y), 0.5 * loglam - log(y), &dH));
}

void dlni_roots(size_t L, double loglam, double y, double tau, dln_root_info *info)
{
    double ystar, yhat, sstar, pstar, Ld = (double)L;
    dlni_thresholds(L, loglam, &ystar, &yhat, &sstar, &pstar);
    info->y = y;
    info->delta = (y - ystar) / ystar;
    info->delta_hat = (y - yhat) / yhat;
    info->count = 0;
    info->is_double = 0;
    for (int i = 0; i < 2; i++) {
        info->s[i] = info->p[i] = info->phi[i] = info->residual[i] = NAN;
        info->iterations[i] = 0;
    }
    if (L == 2) {
        if (info->delta > tau) { /* soft thresholding: p = y - sqrt(lam) */
            double sl = exp(0.5 * loglam);
            info->count = 1;
            fill_root(L, loglam, y, 0, sqrt(sl * (y - sl)), info);
        }
        return;
    }
    if (info->delta < -tau) return;
    if (fabs(info->delta) <= tau) {
        info->count = 1;
        info->is_double = 1;
        fill_root(L, loglam, y, 0, sstar, info);
        return;
    }
    double A = 0.5 * loglam + log(y), B = 0.5 * loglam - log(y), tstar = log(sstar);
    int its;
    double tp = solve(A / Ld, tstar, -1, Ld, A, B, &its);
    info->iterations[0] = its + 1;
    fill_root(L, loglam, y, 0, polish(tp, Ld, A, B), info);
    double tm = solve(B / (Ld - 2.0), tstar, +1, Ld, A, B, &its);
    info->iterations[1] = its + 1;
    fill_root(L, loglam, y, 1, polish(tm, Ld, A, B), info);
    info->count = 2;
}

dln_status dln_critical_thresholds(size_t depth, double lam, double *ystar, double *yhat,
                                   double *sstar, double *pstar)
{
    if (depth < 2 || !isfinite(lam) || !(lam > 0.0)) return DLN_E_RANGE;
    double a, b, c, d;
    dlni_thresholds(depth, log(lam), &a, &b, &c, &d);
    if (ystar) *ystar = a;
    if (yhat) *yhat = b;
    if (sstar) *sstar = c;
    if (pstar) *pstar = d;
    return DLN_OK;
}

dln_status dln_critical_roots(size_t depth, double lam, double y, double tau, dln_root_info *info)
{
    dln_status st = dlni_report_check(NULL, info, DLN_ROOT_INFO_V1_SIZE, "info");
    if (st != DLN_OK) return st;
    if (depth < 2 || !isfinite(lam) || !(lam > 0.0) || !isfinite(y) || y < 0.0 ||
        !(tau >= 0.0 && tau < 1.0))
        return DLN_E_RANGE;
    dln_root_info o = {.struct_size = sizeof o};
    dlni_roots(depth, log(lam), y, tau == 0.0 ? 1e-12 : tau, &o);
    dlni_report_put(info, &o, sizeof o);
    return DLN_OK;
}
