/* saddle_escape.c - gradient descent stalls near a strict saddle; L-BFGS with
 * negative-curvature escapes (DLN_OPT_LBFGS_ESCAPE) leaves it at once.
 *
 * Two strict saddles, built exactly with dln_landscape_build() and then
 * perturbed by a random vector of norm 1e-6 (the same for every method):
 *
 *  1. regularized (regularized.md 10.1): L = 3, widths 2-2-2-2, lam_l = 1,
 *     target diag(3, 1.9); the orbit {3:-} (the value 3 matched with the
 *     smaller root s_-), F = 6.361268282892, lambda_min(H) = -0.9609991092;
 *  2. unregularized (unregularized.md 13, point E3): X = I_3,
 *     Y = [[3,0,0],[0,1,0]], widths 3-2-2-2; S = {1} with an identity middle
 *     layer, F = 0.5, lambda_min(H) = -1.
 *
 * Near a strict saddle W_s with smallest Hessian eigenvalue mu < 0, GD with
 * step eta multiplies the component c_k of W_k - W_s along the eigenvector by
 * (1 + eta |mu|) per step while the other components shrink, and
 * F_k - F(W_s) ~ mu/2 c_k^2. So GD needs about
 *
 *     k_pred = ln(2 dF / (|mu| c_0^2)) / (2 ln(1 + eta |mu|))
 *
 * iterations before F has dropped by dF below the saddle value: the smaller
 * the perturbation, the longer the stall (the measured k is within a few
 * iterations of k_pred). Plain L-BFGS leaves sooner (its long quasi-Newton
 * steps amplify the unstable component) but, like GD, goes wherever the
 * random perturbation points: in the regularized problem both end in the
 * spurious local minimum W = 0. L-BFGS with escapes computes the smallest
 * Hessian eigenpair as soon as the gradient is small, steps along the
 * eigenvector to the side with the lower loss, and reaches the global
 * minimum; dln_landscape_classify() certifies every final point (theory and
 * Hessian).
 *
 * Usage: saddle_escape [--csv FILE]. CSV columns: problem,method,k,loss,
 * grad_norm,escape (1 on the iterate an escape produced),F_minus_Fstar,
 * saddle_minus_Fstar (F(W_s) - F*, constant per problem). Plot:
 * gnuplot docs/plots/saddle_escape.gp. */
#include <dlnet.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EPS 1e-6      /* norm of the perturbation of the saddle point */
#define DROP 1e-3     /* "left the saddle": F below F(W_s) - DROP */
#define MAX_ITER 3000 /* iteration cap of every run */
#define MAX_N 16      /* parameters of the nets below */

static int ok(dln_status st, const char *what, const char *detail)
{
    if (st != DLN_OK) fprintf(stderr, "saddle_escape: %s: %s (%s)\n", what, dln_strerror(st), detail);
    return st == DLN_OK;
}

/* A saddle problem: loss, landscape, the saddle point, GD step. */
typedef struct problem {
    const char *name;  /* CSV key */
    const char *title; /* one line for the summary */
    dln_loss *loss;
    dln_landscape *ls;
    dln_net *saddle;
    double eta;
} problem;

/* The seeded perturbation direction: splitmix64 uniforms in [-1, 1]. */
static void random_unit(size_t n, uint64_t seed, double *v)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        uint64_t z = (seed += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        v[i] = 2.0 * (double)((z ^ (z >> 31)) >> 11) * 0x1.0p-53 - 1.0;
        s += v[i] * v[i];
    }
    for (size_t i = 0; i < n; i++) v[i] /= sqrt(s);
}

/* First iterate with F below the saddle value minus DROP (MAX_ITER + 1 if none). */
static size_t left_at(const double *loss, size_t rows, double fs)
{
    for (size_t k = 0; k < rows; k++)
        if (loss[k] < fs - DROP) return k;
    return MAX_ITER + 1;
}

/* One run of @p kind from the perturbed saddle @p start. Prints a summary
 * line and the class of the point reached, or writes the CSV rows. */
static int run(problem *p, dln_opt_kind kind, const dln_net *start, double fs, double fstar, FILE *csv)
{
    static double hist[2 * (MAX_ITER + 1)];
    const size_t rows = MAX_ITER + 1;
    const char *name = dln_opt_kind_name(kind);
    dln_opt *opt = NULL;
    dln_net *net = NULL;
    dln_opt_report rep;
    memset(&rep, 0, sizeof rep);
    rep.struct_size = sizeof rep;
    int good = ok(dln_net_copy(&net, start), "copy", "") && ok(dln_opt_create(&opt, kind), "opt", "") &&
               ok(dln_opt_set_step(opt, p->eta), "step", dln_opt_errmsg(opt)) &&
               ok(dln_opt_set_grad_tol(opt, 1e-9), "grad_tol", dln_opt_errmsg(opt)) &&
               ok(dln_opt_set_max_iter(opt, MAX_ITER), "max_iter", dln_opt_errmsg(opt)) &&
               ok(dln_opt_run_history(opt, p->loss, net, hist, rows, rows, &rep), "run", dln_opt_errmsg(opt));
    if (!good) goto out;
    size_t escape_at[DLN_OPT_ESCAPE_LOG], ne = rep.escapes < DLN_OPT_ESCAPE_LOG ? rep.escapes : DLN_OPT_ESCAPE_LOG;
    dln_escape_info e0;
    memset(&e0, 0, sizeof e0);
    for (size_t i = 0; good && i < ne; i++) {
        dln_escape_info e;
        memset(&e, 0, sizeof e);
        e.struct_size = sizeof e;
        good = ok(dln_opt_get_escape_info(opt, i, &e), "escape info", dln_opt_errmsg(opt));
        escape_at[i] = e.iteration;
        if (i == 0) e0 = e;
    }
    if (!good) goto out;
    if (csv) {
        for (size_t k = 0, i = 0; k < rep.history_rows; k++) {
            int esc = i < ne && escape_at[i] == k;
            i += esc;
            fprintf(csv, "%s,%s,%zu,%.17g,%.17g,%d,%.17g,%.17g\n", p->name, name, k, hist[k], hist[k + rows], esc,
                    hist[k] - fstar, fs - fstar);
        }
        goto out;
    }
    dln_class_report cls;
    memset(&cls, 0, sizeof cls);
    cls.struct_size = sizeof cls;
    good = ok(dln_landscape_classify(p->ls, net, DLN_METHOD_BOTH, &cls, NULL, NULL), "classify",
              dln_landscape_errmsg(p->ls));
    if (!good) goto out;
    printf("%-13s %-9s %6zu %6zu %7zu %16.12f  %s\n", name, dln_stop_name(rep.stop), rep.iterations,
           left_at(hist, rep.history_rows, fs), rep.escapes, rep.loss, dln_class_name(cls.cls));
    if (rep.escapes)
        printf("  escape 1:  k = %zu, mu = %.10f, |grad| = %.2e, F %.6f -> %.6f\n", e0.iteration, e0.eigenvalue,
               e0.grad_norm, e0.loss_before, e0.loss_after);
out:
    dln_opt_free(opt);
    dln_net_free(net);
    return good;
}

/* Analyse the saddle (class, mu, the component c_0 of the perturbation along
 * the negative eigenspace), predict GD's stall, then run the three methods. */
static int study(problem *p, FILE *csv)
{
    size_t n = dln_net_num_params(p->saddle);
    double th[MAX_N], dir[MAX_N], evals[MAX_N], evecs[MAX_N * MAX_N];
    dln_net *start = NULL;
    dln_class_report cls;
    memset(&cls, 0, sizeof cls);
    cls.struct_size = sizeof cls;
    int good = ok(dln_landscape_classify(p->ls, p->saddle, DLN_METHOD_BOTH, &cls, NULL, NULL), "classify",
                  dln_landscape_errmsg(p->ls)) &&
               ok(dln_loss_hessian_eigs(p->loss, p->saddle, DLN_EIG_SMALLEST, n, 0.0, 0, 1, evals, evecs, n, NULL),
                  "hessian eigs", dln_loss_errmsg(p->loss)) &&
               ok(dln_net_get_params(p->saddle, th), "params", "") && ok(dln_net_copy(&start, p->saddle), "copy", "");
    if (!good) return 0;
    /* start = saddle + EPS u; c_0^2 = squared projection of EPS u on the
     * eigenspace of mu = evals[0] (it may be repeated) */
    random_unit(n, 2025, dir);
    double mu = evals[0], c0sq = 0.0;
    for (size_t j = 0; j < n && evals[j] <= mu + 1e-9 * fabs(mu); j++) {
        double c = 0.0;
        for (size_t i = 0; i < n; i++) c += EPS * dir[i] * evecs[i + j * n];
        c0sq += c * c;
    }
    for (size_t i = 0; i < n; i++) th[i] += EPS * dir[i];
    good = ok(dln_net_set_params(start, th), "perturb", dln_net_errmsg(start));
    double fs = cls.value, growth = 1.0 + p->eta * fabs(mu);
    double k_pred = log(2.0 * DROP / (fabs(mu) * c0sq)) / (2.0 * log(growth));
    if (good && !csv) {
        printf("# %s\n", p->title);
        printf("saddle:  class = %s (theory: %s, numerical: %s)\n", dln_class_name(cls.cls),
               dln_class_name(cls.theory_class), dln_class_name(cls.numerical_class));
        printf("saddle:  F = %.12f, F* = %.12f, mu = %.10f\n", fs, cls.global_value, mu);
        printf("start:   |perturbation| = %.0e, c0 = %.3e, eta = %g, growth = 1 + eta |mu| = %.6f\n", EPS,
               sqrt(c0sq), p->eta, growth);
        printf("predict: GD leaves the saddle (F < F_s - %g) at k_pred = %.1f\n", DROP, k_pred);
        printf("%-13s %-9s %6s %6s %7s %16s  %s\n", "method", "stop", "iters", "left", "escapes", "final F",
               "class of the final point");
    }
    static const dln_opt_kind kinds[] = {DLN_OPT_GD, DLN_OPT_LBFGS, DLN_OPT_LBFGS_ESCAPE};
    for (size_t i = 0; good && i < sizeof kinds / sizeof kinds[0]; i++) good = run(p, kinds[i], start, fs, cls.global_value, csv);
    dln_net_free(start);
    return good;
}

/* Build the saddle of @p pattern (with @p extras) in a net of @p widths. */
static int open_problem(problem *p, size_t depth, const size_t *widths, const int *pattern, const int *extras)
{
    return ok(dln_landscape_create(&p->ls, p->loss, depth, widths), "landscape", "") &&
           ok(dln_net_create(&p->saddle, depth, widths), "net", "") &&
           ok(dln_landscape_build(p->ls, pattern, extras, DLN_FRAMES_CANONICAL, 1, p->saddle), "build",
              dln_landscape_errmsg(p->ls));
}

static void close_problem(problem *p)
{
    dln_net_free(p->saddle);
    dln_landscape_free(p->ls);
    dln_loss_free(p->loss);
}

int main(int argc, char **argv)
{
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--csv") == 0 && i + 1 < argc) path = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--csv FILE]\n", argv[0]);
            return 2;
        }
    }
    FILE *csv = NULL;
    if (path) {
        if (!(csv = fopen(path, "w"))) {
            perror(path);
            return 1;
        }
        fprintf(csv, "problem,method,k,loss,grad_norm,escape,F_minus_Fstar,saddle_minus_Fstar\n");
    }

    /* 1. regularized: the orbit {3:-} */
    const size_t w1[4] = {2, 2, 2, 2};
    const double phi[4] = {3, 0, 0, 1.9};
    const int minus[2] = {DLN_MATCH_MINUS, DLN_MATCH_NONE};
    problem reg = {"regularized",
                   "regularized (regularized.md 10.1): L = 3, widths 2-2-2-2, lam = 1, Ybar = diag(3, 1.9), orbit {3:-}",
                   NULL, NULL, NULL, 0.1};
    int good = ok(dln_loss_create_target(&reg.loss, 2, 2, phi, 2), "loss", "") &&
               ok(dln_loss_set_l2_uniform(reg.loss, 1.0), "l2", dln_loss_errmsg(reg.loss)) &&
               open_problem(&reg, 3, w1, minus, NULL) && study(&reg, csv);
    close_problem(&reg);
    if (good && !csv) printf("\n");

    /* 2. unregularized: E3, S = {1} with an identity middle layer */
    const size_t w2[4] = {3, 2, 2, 2};
    const double X[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1}, Y[6] = {3, 0, 0, 1, 0, 0};
    const int s1[2] = {DLN_MATCH_SELECTED, DLN_MATCH_NONE};
    const int loose[3] = {DLN_EXTRA_ZERO, DLN_EXTRA_IDENTITY, DLN_EXTRA_ZERO};
    problem unreg = {"unregularized",
                     "unregularized (unregularized.md 13, E3): X = I, Y = [[3,0,0],[0,1,0]], widths 3-2-2-2, S = {1}",
                     NULL, NULL, NULL, 0.05};
    good = good && ok(dln_loss_create_data(&unreg.loss, 3, 2, 3, X, 3, Y, 2), "loss", "") &&
           open_problem(&unreg, 3, w2, s1, loose) && study(&unreg, csv);
    close_problem(&unreg);

    if (csv) fclose(csv);
    return good ? 0 : 1;
}
