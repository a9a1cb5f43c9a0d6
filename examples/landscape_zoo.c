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
 * agreement. Class codes: GLOBAL, LOCAL (spurious), STRICT, NONSTRICT.
 *
 * Slices (--slices FILE): the scalar L = 3 problem (all widths 1, lam_l = 1)
 * along the balanced line W_1 = W_2 = W_3 = w,
 *
 *     F(w, w, w) = 1/2 (w^3 - y)^2 + 3 lam/2 w^2,
 *
 * for y below the double-root threshold y* = 1.7548, at it, between y* and
 * yhat = 2, and above yhat, evaluated with dln_loss_value(); the critical
 * points on the line (0, s_-, s_+ or the double root s*) come from
 * dln_landscape_roots() and are classified with dln_landscape_classify().
 *
 * Usage: landscape_zoo [--csv FILE] [--slices FILE]. Without options the
 * tables are printed; --csv writes them as CSV (problem,orbit,structure,
 * extra,theory,numerical,value,min_eig,max_eig,agree; ';' inside the
 * structure), --slices writes
 * case,y,w,F,F_minus_F0,point,class (point: "curve" for the samples of the
 * line, else the critical point "0", "s-", "s+" or "s*"). Plot: gnuplot
 * docs/plots/landscape_slices.gp. */
#include <dlnet.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Build one critical point, classify it both ways and print a row (or
 * write it to csv). */
static int row(dln_landscape *ls, dln_net *net, size_t idx, const int *pat, const int *extras,
               const char *tag, const double *vals, int unreg, FILE *csv)
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
    if (csv) { /* ';' separates the matched values inside the structure field */
        for (char *c = what; *c; c++)
            if (*c == ',') *c = ';';
        fprintf(csv, "%s,%zu,%s,%s,%s,%s,%.17g,%.17g,%.17g,%s\n", unreg ? "unregularized" : "regularized",
                idx, what, tag, code(rep.theory_class), code(rep.numerical_class), rep.value, clean(rep.hess_min, sc),
                clean(rep.hess_max, sc), rep.agree == 1 ? "yes" : "no");
        return 1;
    }
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

static int regularized(FILE *csv)
{
    const size_t w[4] = {2, 2, 2, 2};
    const double Phi[4] = {3.0, 0.0, 0.0, 1.9};
    problem p = {0};
    int ok = check(dln_loss_create_target(&p.loss, 2, 2, Phi, 2), "loss") &&
             check(dln_loss_set_l2_uniform(p.loss, 1.0), "l2") && open_problem(&p, 3, w);
    if (ok && !csv) {
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
             row(p.ls, p.net, k, pat, NULL, "-", p.vals, 0, csv);
    }
    close_problem(&p);
    return ok;
}

static int unregularized(FILE *csv)
{
    const size_t w[4] = {3, 2, 2, 2};
    const double X[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1}, Y[6] = {3, 0, 0, 1, 0, 0};
    const int zero[3] = {DLN_EXTRA_ZERO, DLN_EXTRA_ZERO, DLN_EXTRA_ZERO};
    const int loose[3] = {DLN_EXTRA_ZERO, DLN_EXTRA_IDENTITY, DLN_EXTRA_ZERO};
    problem p = {0};
    int ok = check(dln_loss_create_data(&p.loss, 3, 2, 3, X, 3, Y, 2), "loss") && open_problem(&p, 3, w);
    if (ok && !csv) {
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
        ok = ok && row(p.ls, p.net, idx++, pat, zero, "zero", p.vals, 1, csv);
        if (ok && (size_t)r < p.info.rank_max) ok = row(p.ls, p.net, idx++, pat, loose, "loose", p.vals, 1, csv);
    }
    close_problem(&p);
    return ok;
}

/* One slice: F(w, w, w) on a grid of w, then the critical points on the
 * balanced line with their class (theory and numerics must agree). */
static int slice(FILE *f, const char *name, double y)
{
    const size_t w[4] = {1, 1, 1, 1};
    const double phi = y;
    problem p = {0};
    int ok = check(dln_loss_create_target(&p.loss, 1, 1, &phi, 1), "loss") &&
             check(dln_loss_set_l2_uniform(p.loss, 1.0), "l2") && open_problem(&p, 3, w);
    double F0 = 0.5 * y * y, th[3];
    for (int i = 0; ok && i <= 340; i++) {
        double v = -0.2 + 0.005 * i, F;
        th[0] = th[1] = th[2] = v;
        ok = check(dln_net_set_params(p.net, th), "set") && check(dln_loss_value(p.loss, p.net, &F), "value");
        if (ok) fprintf(f, "%s,%.17g,%.17g,%.17g,%.17g,curve,\n", name, y, v, F, F - F0);
    }
    dln_root_info r;
    memset(&r, 0, sizeof r);
    r.struct_size = sizeof r;
    ok = ok && check(dln_landscape_roots(p.ls, 0, &r), "roots");
    /* the critical points on the line: 0, then s_+ (or s*) and s_- */
    double pts[3] = {0.0, r.s[0], r.s[1]};
    const char *lab[3] = {"0", r.is_double ? "s*" : "s+", "s-"};
    for (int i = 0; ok && i < 1 + r.count; i++) {
        double F;
        dln_class_report rep;
        memset(&rep, 0, sizeof rep);
        rep.struct_size = sizeof rep;
        th[0] = th[1] = th[2] = pts[i];
        ok = check(dln_net_set_params(p.net, th), "set") && check(dln_loss_value(p.loss, p.net, &F), "value") &&
             check(dln_landscape_classify(p.ls, p.net, DLN_METHOD_BOTH, &rep, NULL, NULL), "classify");
        if (ok && rep.agree != 1) ok = check(DLN_E_RANGE, "slice: theory and numerics disagree");
        if (ok) fprintf(f, "%s,%.17g,%.17g,%.17g,%.17g,%s,%s\n", name, y, pts[i], F, F - F0, lab[i], code(rep.cls));
    }
    close_problem(&p);
    return ok;
}

static int slices(const char *path)
{
    double ystar;
    if (!check(dln_critical_thresholds(3, 1.0, &ystar, NULL, NULL, NULL), "thresholds")) return 0;
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        return 0;
    }
    fprintf(f, "case,y,w,F,F_minus_F0,point,class\n");
    int ok = slice(f, "below", 1.5) && slice(f, "at", ystar) && slice(f, "between", 1.9) && slice(f, "above", 2.5);
    return fclose(f) == 0 && ok;
}

int main(int argc, char **argv)
{
    const char *csv_path = NULL, *slices_path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--csv") == 0 && i + 1 < argc) csv_path = argv[++i];
        else if (strcmp(argv[i], "--slices") == 0 && i + 1 < argc) slices_path = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--csv FILE] [--slices FILE]\n", argv[0]);
            return 2;
        }
    }
    if (slices_path && !slices(slices_path)) return EXIT_FAILURE;
    if (slices_path && !csv_path) return EXIT_SUCCESS;
    FILE *csv = NULL;
    if (csv_path) {
        if (!(csv = fopen(csv_path, "w"))) {
            perror(csv_path);
            return EXIT_FAILURE;
        }
        fprintf(csv, "problem,orbit,structure,extra,theory,numerical,value,min_eig,max_eig,agree\n");
    }
    int ok = regularized(csv);
    if (ok && !csv) printf("\n");
    ok = ok && unregularized(csv);
    if (csv && fclose(csv) != 0) ok = 0;
    return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
