/* landscape_classify.c - classification of a point: criticality test, dispatch to the
 * closed-form rules (landscape_reg.c, landscape_unreg.c) and the numerical
 * method (Hessian eigenvalues, descent probe, global value), cross-check.
 *
 * Tolerances (docs/landscape.md "Tolerances"):
 *  - criticality: grad_rel = max_l ||grad_l||_F / g_l <= DLN_TOL_GRAD with
 *    g_l the size of the terms that cancel in grad_l plus a floor at the
 *    natural gradient scale ||Syx||_2 a^{L-1}, a = (||Syx||/||Sxx||)^{1/L};
 *  - point-dependent decisions: tau = max(DLN_TOL_RANK, sqrt(grad_rel)):
 *    the distance of an approximately critical point to the critical set is
 *    O(grad_rel) near Morse-Bott orbits and O(sqrt(grad_rel)) near the
 *    degenerate ones; a quantity within a factor 10 of its threshold makes
 *    the verdict UNDETERMINED instead of guessing;
 *  - Hessian: eigenvalues within htol = max(DLN_TOL_HESS, sqrt(grad_rel)) *
 *    max(|mu|, Hnat) count as zero, Hnat = ||Sxx|| a^{2L-2} + max lam_l. */
#include "landscape.h"
#include "linalg.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DENSE_MAX 1500   /* largest n for the dense Hessian and the descent probe */
#define PROBE_DIRS 8     /* null-space eigenvectors and random combinations tried */
#define PROBE_STEPS 6    /* step lengths t_max 3^{-k} */
#define PROBE_NEWTON 8   /* Newton corrections on the range of H per trial */

const char *dln_class_name(dln_class cls)
{
    switch (cls) {
    case DLN_CLASS_UNDETERMINED: return "undetermined";
    case DLN_CLASS_NOT_CRITICAL: return "not critical";
    case DLN_CLASS_GLOBAL_MIN: return "global minimum";
    case DLN_CLASS_LOCAL_MIN: return "local minimum (not global)";
    case DLN_CLASS_STRICT_SADDLE: return "strict saddle";
    case DLN_CLASS_NONSTRICT_SADDLE: return "non-strict saddle";
    case DLN_CLASS_MINIMUM: return "local minimum (global value unknown)";
    }
    return "unknown class";
}

/* ---- numerical method ---------------------------------------------------- */

typedef struct probe {
    dlni_cls *cls;        /* failures other than overflow at a trial point go here */
    dln_landscape *ls;
    dln_net *x;           /* trial point */
    const double *theta0; /* the point W */
    const double *Zr, *mur; /* range eigenvectors (n x nr) and eigenvalues */
    size_t nr;
    double *g, *c;        /* scratch: gradient (n), coefficients (nr) */
    double F0, thr0, gn0; /* value at W, noise floor, ||grad F(W)|| */
} probe;

/* A trial point may overflow (NaN: not a decrease); any other failure is the
 * classification's. */
static int trial_failed(probe *p, dln_status st)
{
    if (st != DLN_E_NONFINITE) dlni_cls_failed(p->cls, dlni_from_loss(p->ls, st));
    return st != DLN_OK;
}

/* F at W + t v after Newton corrections on the range of H; returns the decrease
 * F - F0 (NaN if the correction left the neighbourhood); *step = ||x - W||. */
static double probe_trial(probe *p, const double *v, double t, double *step)
{
    size_t n = p->ls->n;
    double *x = p->x->theta, F = NAN;
    for (size_t i = 0; i < n; i++) x[i] = p->theta0[i] + t * v[i];
    for (int it = 0; it < PROBE_NEWTON && p->nr; it++) {
        if (trial_failed(p, dln_loss_grad(p->ls->loss, p->x, NULL, p->g))) return NAN;
        la_gemm(LA_T, LA_N, p->nr, 1, n, 1.0, p->Zr, n, p->g, n, 0.0, p->c, p->nr);
        for (size_t i = 0; i < p->nr; i++) p->c[i] /= p->mur[i];
        double cn = la_nrm2(p->nr, p->c);
        if (!(cn <= fabs(t))) return NAN; /* correction larger than the step: not local */
        la_gemm(LA_N, LA_N, n, 1, p->nr, -1.0, p->Zr, n, p->c, p->nr, 1.0, x, n);
        if (cn <= 1e-14 * fabs(t)) break;
    }
    if (trial_failed(p, dln_loss_value(p->ls->loss, p->x, &F))) return NAN;
    double s2 = 0.0;
    for (size_t i = 0; i < n; i++) s2 += (x[i] - p->theta0[i]) * (x[i] - p->theta0[i]);
    *step = sqrt(s2);
    return F - p->F0;
}

/* Look for F(W') < F(W) near W along the numerical null space Z[:, 0..nn) of a
 * PSD Hessian (Lyapunov-Schmidt: the range part is minimized by Newton).
 * Returns 1 and the unit direction in best if a decrease beyond noise is found. */
static int descent_probe(dlni_cls *c, const double *Z, const double *mu, size_t nn, double *best,
                         double *dec, double *stp)
{
    dln_landscape *ls = c->ls;
    size_t n = ls->n;
    *dec = NAN, *stp = NAN;
    if (nn == 0) return 0;
    probe p = {c,      ls, NULL, c->net->theta, Z + nn * n, mu + nn, n - nn, dlni_alloc(n),
               dlni_alloc(n), 0, 0, 0};
    double *v = dlni_alloc(n), wscale = ls->ascale;
    dlni_rng rng;
    dlni_rng_seed(&rng, 0x5eedULL);
    int found = 0;
    if (!p.g || !p.c || !v) dlni_cls_nomem(c);
    else dlni_cls_failed(c, dln_net_copy(&p.x, c->net));
    for (size_t l = 1; l <= ls->L && c->st == DLN_OK; l++) {
        double s = 0.0;
        const double *W = dlni_layer(c->net, l);
        dlni_cls_failed(c, dlni_norm2(ls->err, ls->d[l], ls->d[l - 1], W, ls->d[l], &s));
        wscale = fmax(wscale, s);
    }
    if (c->st == DLN_OK) {
        p.F0 = c->rep->value;
        p.thr0 = 1e3 * DBL_EPSILON * (fabs(p.F0) + ls->fzero);
        p.gn0 = c->rep->grad_norm;
        *dec = 0.0;
        for (size_t trial = 0; trial < 2 * PROBE_DIRS && !found && c->st == DLN_OK; trial++) {
            if (trial < PROBE_DIRS && trial < nn) memcpy(v, Z + trial * n, n * sizeof *v);
            else if (trial < PROBE_DIRS) continue;
            else { /* random unit combination of the null space */
                memset(v, 0, n * sizeof *v);
                for (size_t j = 0; j < nn; j++) la_axpy(n, dlni_rng_normal(&rng), Z + j * n, v);
                la_scal(n, 1.0 / la_nrm2(n, v), v);
            }
            for (int k = 0; k < PROBE_STEPS && !found; k++)
                for (int sg = -1; sg <= 1 && !found; sg += 2) {
                    double t = sg * 0.1 * wscale * pow(3.0, -k), st = 0.0, d = probe_trial(&p, v, t, &st);
                    if (!(d < *dec)) continue;
                    *dec = d, *stp = st;
                    if (d < -(p.thr0 + p.gn0 * st)) {
                        found = 1;
                        for (size_t i = 0; i < n; i++) best[i] = (p.x->theta[i] - p.theta0[i]) / st;
                    }
                }
        }
    }
    dln_net_free(p.x);
    free(p.g), free(p.c), free(v);
    return found;
}

/* Global-value test for a PSD point without descent. */
static dln_class by_value(dlni_cls *c)
{
    dln_landscape *ls = c->ls;
    dln_class_report *rep = c->rep;
    if (!isfinite(ls->gstar)) return DLN_CLASS_MINIMUM;
    double gap = rep->gap_global, tau = c->tau;
    if (gap < -10.0 * tau) {
        rep->flags |= DLN_CF_INCONSISTENT; /* below the global value: tolerance problem */
        return DLN_CLASS_UNDETERMINED;
    }
    if (gap <= tau) return DLN_CLASS_GLOBAL_MIN;
    if (gap < 10.0 * tau || ls->theory == DLN_THEORY_CONVEX) {
        rep->flags |= ls->theory == DLN_THEORY_CONVEX ? DLN_CF_INCONSISTENT : DLN_CF_TOLERANCE;
        return DLN_CLASS_UNDETERMINED;
    }
    int unreg = 1;
    for (size_t l = 0; l < ls->L; l++) unreg &= ls->lam[l] == 0.0;
    if (unreg && ls->theory == DLN_THEORY_UNREGULARIZED) {
        rep->flags |= DLN_CF_NO_SPURIOUS;
        return DLN_CLASS_NONSTRICT_SADDLE;
    }
    if (unreg) { /* no spurious minima is guaranteed only under H1-H3 */
        rep->flags |= DLN_CF_ASSUMPTIONS;
        return DLN_CLASS_UNDETERMINED;
    }
    return DLN_CLASS_LOCAL_MIN;
}

/* Extreme eigenpairs: dense (all pairs, n <= DENSE_MAX) or Lanczos (a few). */
static dln_status hessian_eigs(dlni_cls *c, double *mu, double *Z, int *dense)
{
    dln_landscape *ls = c->ls;
    size_t n = ls->n;
    *dense = n <= DENSE_MAX;
    if (*dense) {
        double *H = dlni_alloc(n * n);
        if (!H) return dlni_fail(ls->err, DLN_E_NOMEM, "out of memory for the dense Hessian");
        dln_status st = dlni_from_loss(ls, dln_loss_hessian(ls->loss, c->net, H, n));
        if (st == DLN_OK) st = dlni_la_status(ls->err, la_syev(n, H, n, mu, Z, n), "Hessian eigenvalues");
        free(H);
        return st;
    }
    dln_eig_report er = {sizeof er, 0, 0, 0, 0, 0, 0};
    double top;
    dln_status st = dln_loss_hessian_eigs(ls->loss, c->net, DLN_EIG_SMALLEST, 1, 0.0, 0, 1, mu, Z, n, &er);
    if (st == DLN_E_NOCONV) c->rep->flags |= DLN_CF_NOCONV, st = DLN_OK;
    if (st == DLN_OK) st = dln_loss_hessian_eigs(ls->loss, c->net, DLN_EIG_LARGEST, 1, 0.0, 0, 2, &top, NULL, n, NULL);
    if (st == DLN_E_NOCONV) c->rep->flags |= DLN_CF_NOCONV, st = DLN_OK;
    if (st == DLN_OK) mu[n - 1] = top; /* top is unset when the second solve failed */
    return dlni_from_loss(ls, st);
}

static dln_class numerical(dlni_cls *c)
{
    dln_landscape *ls = c->ls;
    dln_class_report *rep = c->rep;
    size_t n = ls->n;
    int dense = 0;
    double *mu = dlni_alloc(n), *Z = dlni_alloc(n <= DENSE_MAX ? n * n : n), *best = dlni_alloc(n);
    int failed = !mu || !Z || !best ? dlni_cls_nomem(c)
                                    : dlni_cls_failed(c, hessian_eigs(c, mu, Z, &dense));
    if (failed) {
        free(mu), free(Z), free(best);
        return DLN_CLASS_UNDETERMINED; /* the failure is the call's status */
    }
    double lmax = 0.0;
    for (size_t l = 0; l < ls->L; l++) lmax = fmax(lmax, ls->lam[l]);
    double hnat = ls->sxx * pow(ls->ascale, 2.0 * (double)ls->L - 2.0) + lmax;
    double hs = fmax(fmax(fabs(mu[0]), fabs(mu[n - 1])), hnat);
    double htol = fmax(ls->tol[DLN_TOL_HESS], sqrt(rep->grad_rel)) * hs;
    rep->hess_min = mu[0], rep->hess_max = mu[n - 1], rep->hess_tol = htol;
    size_t nn = 0;
    if (dense) {
        rep->hess_nullity = 0;
        for (size_t i = 0; i < n; i++) rep->hess_nullity += fabs(mu[i]) <= htol;
        while (nn < n && mu[nn] <= htol) nn++;
    } else
        rep->flags |= DLN_CF_TOO_LARGE;
    dln_class cls;
    if (mu[0] < -htol / 10.0) { /* negative curvature (or in the band around -htol) */
        dlni_set_direction(c, Z, mu[0]);
        if (mu[0] > -10.0 * htol) rep->flags |= DLN_CF_TOLERANCE;
        cls = mu[0] <= -10.0 * htol ? DLN_CLASS_STRICT_SADDLE : DLN_CLASS_UNDETERMINED;
    } else if (dense && descent_probe(c, Z, mu, nn, best, &rep->probe_decrease, &rep->probe_step)) {
        double curv = 0.0;
        dlni_cls_failed(c, dlni_curvature(ls, c->net, best, &curv));
        dlni_set_direction(c, best, curv);
        rep->flags |= DLN_CF_DESCENT;
        cls = DLN_CLASS_NONSTRICT_SADDLE;
    } else
        cls = by_value(c);
    free(mu), free(Z), free(best);
    return cls;
}

/* ---- dispatch ------------------------------------------------------------ */

static void report_init(dln_class_report *r, size_t size, const dln_landscape *ls)
{
    memset(r, 0, sizeof *r);
    r->struct_size = size;
    r->theory = ls->theory;
    r->agree = -1;
    r->rank = SIZE_MAX;
    r->witness_h1 = r->witness_h2 = 0;
    r->hess_nullity = SIZE_MAX;
    double nan = NAN;
    r->value = r->grad_norm = r->grad_rel = r->tol_decide = r->balance = nan;
    r->critical_value = r->global_value = r->gap_global = r->gap_match = r->gap_zero = nan;
    r->gap_label = r->gap_threshold = r->gap_defect = r->coupling_margin = nan;
    r->hess_min = r->hess_max = r->hess_tol = r->curvature = r->probe_decrease = r->probe_step = nan;
}

static dln_class theory_verdict(dlni_cls *c)
{
    dln_landscape *ls = c->ls;
    switch (ls->theory) {
    case DLN_THEORY_CONVEX: c->rep->flags |= DLN_CF_CONVEX; return DLN_CLASS_GLOBAL_MIN;
    case DLN_THEORY_REGULARIZED: return dlni_classify_reg(c);
    case DLN_THEORY_UNREGULARIZED: return dlni_classify_unreg(c);
    case DLN_THEORY_NONE: break;
    }
    c->rep->flags |= DLN_CF_NO_THEORY;
    if (ls->limits & (DLN_LIMIT_H1 | DLN_LIMIT_H2 | DLN_LIMIT_H3)) c->rep->flags |= DLN_CF_ASSUMPTIONS;
    return DLN_CLASS_UNDETERMINED;
}

dln_status dln_landscape_classify(dln_landscape *ls, const dln_net *net, dln_method method,
                                  dln_class_report *report, int *pattern, double *direction)
{
    if (!ls) return DLN_E_NULL;
    if (!net) return dlni_fail(ls->err, DLN_E_NULL, "net is NULL");
    dln_status st0 = dlni_report_check(ls->err, report, DLN_CLASS_REPORT_V1_SIZE, "report");
    if (st0 != DLN_OK) return st0;
    if ((int)method < (int)DLN_METHOD_AUTO || (int)method > (int)DLN_METHOD_BOTH)
        return dlni_fail(ls->err, DLN_E_RANGE, "method = %d is not a dln_method", (int)method);
    if (net->nres) return dlni_fail(ls->err, DLN_E_UNSUPPORTED, DLNI_RESIDUAL_MSG);
    if (!dlni_same_widths(net, ls->L, ls->d))
        return dlni_fail(ls->err, DLN_E_DIM, "the net's widths differ from the landscape's");
    dln_class_report rep;
    report_init(&rep, sizeof rep, ls);
    int *pat = ls->nv ? malloc(ls->nv * sizeof *pat) : NULL;
    double *grad = dlni_alloc(ls->n), *dir = dlni_alloc(ls->n);
    if ((ls->nv && !pat) || !grad || !dir) {
        free(pat), free(grad), free(dir);
        return dlni_fail(ls->err, DLN_E_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < ls->nv; i++) pat[i] = DLN_MATCH_NONE;
    dlni_cls c = {ls, net, &rep, pat, dir, 0.0, DLN_OK};
    dln_status st = dlni_grad_rel(ls, net, grad, &rep.value, &rep.grad_norm, &rep.grad_rel);
    if (st == DLN_OK) {
        rep.tol_grad = ls->tol[DLN_TOL_GRAD];
        rep.tol_decide = c.tau = fmax(ls->tol[DLN_TOL_RANK], sqrt(rep.grad_rel));
        rep.global_value = ls->gstar;
        rep.gap_global = (rep.value - ls->gstar) / fmax(ls->fzero, DBL_MIN);
        int theory = ls->theory != DLN_THEORY_NONE;
        int run_t = method == DLN_METHOD_THEORY || method == DLN_METHOD_BOTH ||
                    (method == DLN_METHOD_AUTO && theory);
        int run_n = method == DLN_METHOD_NUMERICAL || method == DLN_METHOD_BOTH ||
                    (method == DLN_METHOD_AUTO && !theory);
        if (!(rep.grad_rel <= rep.tol_grad)) {
            rep.cls = DLN_CLASS_NOT_CRITICAL;
            rep.decided_by = run_t ? DLN_METHOD_THEORY : DLN_METHOD_NUMERICAL;
        } else {
            if (run_t) rep.theory_class = theory_verdict(&c);
            if (method == DLN_METHOD_AUTO && run_t && rep.theory_class == DLN_CLASS_UNDETERMINED)
                run_n = 1; /* the closed form could not decide: fall back */
            if (run_n) rep.numerical_class = numerical(&c);
            int t_decided = run_t && rep.theory_class != DLN_CLASS_UNDETERMINED;
            if (t_decided && run_n && rep.numerical_class != DLN_CLASS_UNDETERMINED) {
                rep.agree = rep.theory_class == rep.numerical_class;
                if (!rep.agree) rep.flags |= DLN_CF_DISAGREE;
            }
            /* the theory decides when it could; the numerical method otherwise */
            int use_t = t_decided || !run_n;
            rep.decided_by = use_t ? DLN_METHOD_THEORY : DLN_METHOD_NUMERICAL;
            rep.cls = use_t ? rep.theory_class : rep.numerical_class;
            if (rep.flags & DLN_CF_DISAGREE) rep.cls = DLN_CLASS_UNDETERMINED;
        }
        st = c.st; /* a step that failed (no memory) decides nothing */
    }
    if (st == DLN_OK) {
        dlni_report_put(report, &rep, sizeof rep);
        if (pattern && ls->nv) memcpy(pattern, pat, ls->nv * sizeof *pat); /* pat NULL if nv = 0 */
        if (direction && (rep.flags & DLN_CF_DIRECTION)) memcpy(direction, dir, ls->n * sizeof *dir);
    }
    free(pat), free(grad), free(dir);
    return st;
}
