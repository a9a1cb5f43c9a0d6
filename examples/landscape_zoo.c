/* landscape_zoo.c - every critical orbit of two small deep linear networks,
 * built, classified by the closed-form theory and numerically, and tabulated.
 *
 *  1. Regularized (Chen-Jiang-Wang): L = 3, widths 2-2-2-2, lam_l = 1,
 *     target Ybar = diag(3, 1.9) (regularized.md 10.1): 9 orbit types,
 *     including a spurious local minimum at W = 0 and one that fits 1.9 < yhat.
 *  2. Unregularized (Achour-Malgouyres-Gerchinovitz): X = I_3,
 *     Y = [[3,0,0],[0,1,0]], widths 3-2-2-2 (unregularized.md 13): each index
 *     set S, and below the maximal rank two extra chains: all zero
 *     (non-strict) and an identity middle layer (strict, witness (1,3)).
 *
 * Columns: orbit, matched structure, class by theory and numerically (dense
 * Hessian + descent probe), loss value, extreme Hessian eigenvalues,
 * agreement. Class codes: GLOBAL, LOCAL (spurious), STRICT, NONSTRICT. */
#include <dlnet.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static const char *code(dln_class c)
{
    switch (c) {
    case DLN_CLASS_GLOBAL_MIN: return "GLOBAL";
    case DLN_CLASS_LOCAL_MIN: return "LOCAL";
    case DLN_CLASS_STRICT_SADDLE: return "STRICT";
    case DLN_CLASS_NONSTRICT_SADDLE: return "NONSTRICT";
    case DLN_CLASS_MINIMUM: return "MINIMUM";
    case DLN_CLASS_NOT_CRITICAL: return "NOTCRIT";
    default: return "UNDET";
    }
}

static int check(dln_status st, const char *what)
{
    if (st != DLN_OK) fprintf(stderr, "landscape_zoo: %s: %s\n", what, dln_strerror(st));
    return st == DLN_OK;
}

/* "{3:+,1.9:-}" or "S={1,2}" */
static void describe(const int *pat, const double *vals, size_t nv, int unreg, char *buf, size_t sz)
{
    static const char lab[] = "?+-*";
    int k = snprintf(buf, sz, unreg ? "S={" : "{"), first = 1;
    for (size_t i = 0; i < nv && k > 0 && (size_t)k < sz; i++) {
        if (pat[i] == DLN_MATCH_NONE) continue;
        if (unreg) k += snprintf(buf + k, sz - (size_t)k, "%s%zu", first ? "" : ",", i + 1);
        else k += snprintf(buf + k, sz - (size_t)k, "%s%g:%c", first ? "" : ",", vals[i], lab[pat[i] & 3]);
        first = 0;
    }
    if (k > 0 && (size_t)k < sz) snprintf(buf + k, sz - (size_t)k, "}");
}

/* Rounding noise around a zero eigenvalue is printed as 0. */
static double clean(double v, double scale) { return fabs(v) <= 1e-12 * scale ? 0.0 : v; }

/* Build one critical point, classify it both ways and print a row. */
static int row(dln_landscape *ls, dln_net *net, size_t idx, const int *pat, const int *extras,
               const char *tag, const double *vals, int unreg)
{
    char what[64];
    /* regularized: Haar-random hidden frames (the spectrum is constant on the orbit);
     * unregularized: canonical frames, so that the points are those of the spec */
    dln_frames frames = unreg ? DLN_FRAMES_CANONICAL : DLN_FRAMES_RANDOM;
    if (!check(dln_landscape_build(ls, pat, extras, frames, 1000 + idx, net), "build")) return 0;
    dln_class_report rep;
    rep.struct_size = sizeof rep;
    if (!check(dln_landscape_classify(ls, net, DLN_METHOD_BOTH, &rep, NULL, NULL), "classify")) return 0;
    describe(pat, vals, dln_landscape_num_values(ls), unreg, what, sizeof what);
    double sc = fmax(fabs(rep.hess_min), fabs(rep.hess_max));
    printf("%-5zu %-12s %-5s %-10s %-10s %15.12f %14.10f %14.10f %s\n", idx, what, tag,
           code(rep.theory_class), code(rep.numerical_class), rep.value, clean(rep.hess_min, sc),
           clean(rep.hess_max, sc), rep.agree == 1 ? "yes" : "NO");
    return 1;
}

/* A loss with its landscape, a net of its widths, its summary and values. */
typedef struct problem {
    dln_loss *loss;
    dln_landscape *ls;
    dln_net *net;
    dln_landscape_info info;
    double vals[2];
} problem;

static int open_problem(problem *p, size_t L, const size_t *w)
{
    p->info.struct_size = sizeof p->info;
    return check(dln_landscape_create(&p->ls, p->loss, L, w), "landscape") &&
           check(dln_net_create(&p->net, L, w), "net") &&
           check(dln_landscape_get_info(p->ls, &p->info), "info") &&
           check(dln_landscape_values(p->ls, p->vals), "values");
}

static void close_problem(problem *p)
{
    dln_net_free(p->net);
    dln_landscape_free(p->ls);
    dln_loss_free(p->loss);
}

static void table_header(const char *what, const char *tag)
{
    printf("%-5s %-12s %-5s %-10s %-10s %15s %14s %14s %s\n", "orbit", what, tag, "theory",
           "numerical", "value", "min_eig", "max_eig", "agree");
}

static int regularized(void)
{
    const size_t w[4] = {2, 2, 2, 2};
    const double Phi[4] = {3.0, 0.0, 0.0, 1.9};
    problem p = {0};
    int ok = check(dln_loss_create_target(&p.loss, 2, 2, Phi, 2), "loss") &&
             check(dln_loss_set_l2_uniform(p.loss, 1.0), "l2") && open_problem(&p, 3, w);
    if (ok) {
        printf("# regularized: L = 3, widths 2-2-2-2, lam = 1, Ybar = diag(3, 1.9)\n");
        printf("# %s\n", dln_landscape_reason(p.ls));
        printf("# ystar %.12f yhat %.12f Fstar %.12f orbits %zu error_bound %d strict_saddle %d\n",
               p.info.ystar, p.info.yhat, p.info.global_value, p.info.num_orbits,
               p.info.error_bound, p.info.strict_saddle);
        table_header("matched", "-");
    }
    for (size_t k = 0; ok && k < p.info.num_orbits; k++) {
        int pat[2];
        ok = check(dln_landscape_orbit(p.ls, k, pat), "orbit") &&
             row(p.ls, p.net, k, pat, NULL, "-", p.vals, 0);
    }
    close_problem(&p);
    return ok;
}

static int unregularized(void)
{
    const size_t w[4] = {3, 2, 2, 2};
    const double X[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1}, Y[6] = {3, 0, 0, 1, 0, 0};
    const int zero[3] = {DLN_EXTRA_ZERO, DLN_EXTRA_ZERO, DLN_EXTRA_ZERO};
    const int loose[3] = {DLN_EXTRA_ZERO, DLN_EXTRA_IDENTITY, DLN_EXTRA_ZERO};
    problem p = {0};
    int ok = check(dln_loss_create_data(&p.loss, 3, 2, 3, X, 3, Y, 2), "loss") && open_problem(&p, 3, w);
    if (ok) {
        printf("# unregularized: X = I_3, Y = [[3,0,0],[0,1,0]], widths 3-2-2-2\n");
        printf("# %s\n", dln_landscape_reason(p.ls));
        printf("# gamma %.12f %.12f fstar %.12f index_sets %zu r_max %zu\n", p.vals[0], p.vals[1],
               p.info.global_value, p.info.num_orbits, p.info.rank_max);
        table_header("index_set", "extra");
    }
    size_t idx = 0;
    for (size_t k = 0; ok && k < p.info.num_orbits; k++) {
        int pat[2], r = 0;
        ok = check(dln_landscape_orbit(p.ls, k, pat), "orbit");
        for (int i = 0; i < 2; i++) r += pat[i] == DLN_MATCH_SELECTED;
        ok = ok && row(p.ls, p.net, idx++, pat, zero, "zero", p.vals, 1);
        if (ok && (size_t)r < p.info.rank_max) ok = row(p.ls, p.net, idx++, pat, loose, "loose", p.vals, 1);
    }
    close_problem(&p);
    return ok;
}

int main(void)
{
    int ok = regularized();
    if (ok) printf("\n");
    ok = ok && unregularized();
    return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
