/* linear_convergence.c - the error bound and the rate theory of the
 * regularized loss in numbers, along plain gradient descent
 * W <- W - eta grad F (regularized.md 5, 6).
 *
 *  1. Linear run: L = 3, widths 3-4-4-3, lam_l = 0.5, target with singular
 *     values 3, 2.5, 0.5 (y* = 1.043 is not among them: the error bound
 *     holds). From a random start GD reaches the global minimum; ||grad F||,
 *     dist and F - F* fall on straight lines of slopes log rho and 2 log rho
 *     on a log scale, rho = rho(eta) predicted from the block Hessian
 *     spectrum of the limit orbit, and the ratio dist/||grad F|| settles at
 *     kappa = 1/mu_min^+.
 *  2. Threshold run: L = 3, widths 2-2-2-2, lam_l = 1, target diag(y*, 0.5),
 *     started 10% above the double root s*: the error bound fails, GD
 *     converges sublinearly, ||grad F_k|| ~ k^-2, dist ~ 1/k, and the ratio
 *     grows like eta k.
 *
 * Usage: linear_convergence [--csv FILE]. Without --csv a summary is printed;
 * with it the CSV columns are run,k,F_minus_Fstar,grad_norm,dist,ratio,kappa,
 * rho_pred,grad_pred,flags (grad_pred: ||grad F_K|| rho^(k-K), anchored at the
 * first iterate K of the linear run with ||grad F|| < 1e-7). Plot: gnuplot docs/plots/linear_convergence.gp. */
#include <dlnet.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ROWS 4096

/* One recorded iterate. */
typedef struct row {
    size_t k;
    double excess, grad, dist, ratio, kappa, rho;
    unsigned flags;
} row;

/* A depth-3 problem: diagonal target, uniform lam, landscape, net, F*. */
typedef struct problem {
    dln_loss *loss;
    dln_landscape *ls;
    dln_net *net;
    double fstar;
} problem;

static int ok(dln_status st, const char *what)
{
    if (st != DLN_OK) fprintf(stderr, "linear_convergence: %s: %s\n", what, dln_strerror(st));
    return st == DLN_OK;
}

static int setup(problem *p, const size_t *w, const double *phi, double lam)
{
    size_t d0 = w[0], dL = w[3];
    memset(p, 0, sizeof *p);
    dln_landscape_info info;
    info.struct_size = sizeof info;
    return ok(dln_loss_create_target(&p->loss, dL, d0, phi, dL), "loss") &&
           ok(dln_loss_set_l2_uniform(p->loss, lam), "l2") &&
           ok(dln_landscape_create(&p->ls, p->loss, 3, w), "landscape") &&
           ok(dln_net_create(&p->net, 3, w), "net") && ok(dln_landscape_get_info(p->ls, &info), "info") &&
           (p->fstar = info.global_value, 1);
}

static void teardown(problem *p)
{
    dln_net_free(p->net);
    dln_landscape_free(p->ls);
    dln_loss_free(p->loss);
}

/* Record iterate k: F - F*, the distance report and the predicted rate at the
 * nearest orbit. */
static int record(problem *p, size_t k, double eta, row *r, int *pattern)
{
    dln_dist_report d;
    dln_rate_report q;
    d.struct_size = sizeof d, q.struct_size = sizeof q;
    if (!ok(dln_landscape_distance(p->ls, p->net, &d, pattern, NULL), "distance") ||
        !ok(dln_landscape_rate(p->ls, pattern, eta, &q), "rate"))
        return 0;
    r->k = k, r->excess = d.value - p->fstar, r->grad = d.grad_norm, r->dist = d.dist;
    r->ratio = d.ratio, r->kappa = d.kappa, r->rho = q.rho, r->flags = d.flags;
    return 1;
}

/* GD for at most iters steps (stop when ||grad|| < gtol); records the iterates
 * with record_at(k) into rows. Returns the number of rows (0 on error). */
static size_t descend(problem *p, double eta, size_t iters, double gtol, int (*record_at)(size_t),
                      row *rows, int *pattern)
{
    size_t n = dln_net_num_params(p->net), nr = 0;
    double *th = malloc(n * sizeof *th), *g = malloc(n * sizeof *g);
    int good = th && g && ok(dln_net_get_params(p->net, th), "params");
    for (size_t k = 0; good && k <= iters; k++) {
        double F, gn = 0.0;
        good = ok(dln_loss_grad(p->loss, p->net, &F, g), "gradient");
        for (size_t i = 0; good && i < n; i++) gn += g[i] * g[i];
        int last = sqrt(gn) < gtol || k == iters;
        if (good && (record_at(k) || last) && nr < MAX_ROWS) good = record(p, k, eta, &rows[nr++], pattern);
        if (last) break;
        for (size_t i = 0; good && i < n; i++) th[i] -= eta * g[i];
        good = good && ok(dln_net_set_params(p->net, th), "step");
    }
    free(th), free(g);
    return good ? nr : 0;
}

static int every_step(size_t k)
{
    (void)k;
    return 1;
}
static int log_grid(size_t k) { return k < 64 || (k & (k - 1)) == 0 || k % (k / 64 > 0 ? k / 64 : 1) == 0; }

/* Least-squares slope of log grad over rows with grad in [lo, hi]: exp(slope). */
static double fitted_rate(const row *rows, size_t nr, double lo, double hi)
{
    double sx = 0, sy = 0, sxx = 0, sxy = 0, m = 0;
    for (size_t i = 0; i < nr; i++) {
        if (rows[i].grad < lo || rows[i].grad > hi) continue;
        double x = (double)rows[i].k, y = log(rows[i].grad);
        sx += x, sy += y, sxx += x * x, sxy += x * y, m++;
    }
    return m >= 2 ? exp((m * sxy - sx * sy) / (m * sxx - sx * sx)) : NAN;
}

/* CSV rows; grad_pred = ||grad F|| of the anchor row times rho^(k - k_anchor). */
static void write_rows(FILE *f, const char *run, const row *rows, size_t nr, const row *a)
{
    for (size_t i = 0; i < nr; i++) {
        const row *r = &rows[i];
        double pred = a ? a->grad * pow(a->rho, (double)r->k - (double)a->k) : NAN;
        fprintf(f, "%s,%zu,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%u\n", run, r->k, r->excess, r->grad,
                r->dist, r->ratio, r->kappa, r->rho, pred, r->flags);
    }
}

/* First row with ||grad F|| below g. */
static const row *first_below(const row *rows, size_t nr, double g)
{
    for (size_t i = 0; i < nr; i++)
        if (rows[i].grad < g) return &rows[i];
    return &rows[nr - 1];
}

/* Row of iterate k (the first at or after k). */
static const row *at(const row *rows, size_t nr, size_t k)
{
    for (size_t i = 0; i < nr; i++)
        if (rows[i].k >= k) return &rows[i];
    return &rows[nr - 1];
}

int main(int argc, char **argv)
{
    const char *csv = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--csv") == 0 && i + 1 < argc) csv = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--csv FILE]\n", argv[0]);
            return 2;
        }
    }
    row *lin = malloc(MAX_ROWS * sizeof *lin), *thr = malloc(MAX_ROWS * sizeof *thr);
    if (!lin || !thr) return 1;

    /* 1. linear run */
    size_t w1[] = {3, 4, 4, 3};
    double phi1[9] = {3, 0, 0, 0, 2.5, 0, 0, 0, 0.5}, eta1 = 0.1;
    problem p;
    int pattern[3];
    if (!setup(&p, w1, phi1, 0.5) || !ok(dln_net_init_orthogonal(p.net, 1.2, 7), "init")) return 1;
    size_t n1 = descend(&p, eta1, 5000, 1e-12, every_step, lin, pattern);
    if (!n1) return 1;
    const row *e = &lin[n1 - 1];
    /* the fit and the ratio where the iterates have aligned, above rounding */
    double rho_meas = fitted_rate(lin, n1, 1e-10, 1e-7);
    const row *mid = first_below(lin, n1, 1e-7);
    dln_landscape_info info;
    info.struct_size = sizeof info;
    if (!ok(dln_landscape_get_info(p.ls, &info), "info")) return 1;
    if (!csv) {
        printf("# linear run: L = 3, widths 3-4-4-3, lam = 0.5, Ybar = diag(3, 2.5, 0.5), eta = %g\n", eta1);
        printf("# ystar = %.10f error_bound = %d gap = %.6f Fstar = %.12f\n", info.ystar, info.error_bound,
               info.error_bound_gap, info.global_value);
        printf("linear: iterations = %zu final grad = %.3e final F-F* = %.3e pattern = %d%d%d\n", e->k, e->grad,
               e->excess, pattern[0], pattern[1], pattern[2]);
        printf("linear: rho predicted = %.12f measured = %.12f\n", e->rho, rho_meas);
        printf("linear: kappa = %.12f ratio = %.12f (at grad %.1e)\n", mid->kappa, mid->ratio, mid->grad);
    }
    teardown(&p);

    /* 2. threshold run: y_1 = y* exactly */
    double ystar, eta2 = 0.1;
    if (!ok(dln_critical_thresholds(3, 1.0, &ystar, NULL, NULL, NULL), "thresholds")) return 1;
    size_t w2[] = {2, 2, 2, 2};
    double phi2[4] = {ystar, 0, 0, 0.5}, th[12];
    int dbl[2] = {DLN_MATCH_DOUBLE, DLN_MATCH_NONE};
    if (!setup(&p, w2, phi2, 1.0) || !ok(dln_landscape_build(p.ls, dbl, NULL, DLN_FRAMES_RANDOM, 3, p.net), "build") ||
        !ok(dln_net_get_params(p.net, th), "params"))
        return 1;
    for (size_t i = 0; i < 12; i++) th[i] *= 1.1; /* balanced, 10% above s* */
    if (!ok(dln_net_set_params(p.net, th), "start")) return 1;
    size_t n2 = descend(&p, eta2, 16384, 0.0, log_grid, thr, pattern);
    if (!n2) return 1;
    if (!csv) {
        const row *a = at(thr, n2, 4096), *b = at(thr, n2, 16384);
        printf("# threshold run: L = 3, widths 2-2-2-2, lam = 1, Ybar = diag(y*, 0.5), eta = %g\n", eta2);
        printf("threshold: flags = %u (EB_FAILS %d, DEGENERATE %d) kappa = %g\n", b->flags,
               (b->flags & DLN_EB_FAILS) != 0, (b->flags & DLN_EB_DEGENERATE) != 0, b->kappa);
        printf("threshold: k = %zu grad*k^2 = %.6f dist*k = %.6f ratio/(eta k) = %.6f\n", a->k,
               a->grad * (double)a->k * (double)a->k, a->dist * (double)a->k, a->ratio / (eta2 * (double)a->k));
        printf("threshold: k = %zu grad*k^2 = %.6f dist*k = %.6f ratio/(eta k) = %.6f\n", b->k,
               b->grad * (double)b->k * (double)b->k, b->dist * (double)b->k, b->ratio / (eta2 * (double)b->k));
    } else {
        FILE *f = fopen(csv, "w");
        if (!f) {
            perror(csv);
            return 1;
        }
        fprintf(f, "run,k,F_minus_Fstar,grad_norm,dist,ratio,kappa,rho_pred,grad_pred,flags\n");
        write_rows(f, "linear", lin, n1, mid);
        write_rows(f, "threshold", thr, n2, NULL);
        fclose(f);
    }
    teardown(&p);
    free(lin), free(thr);
    return 0;
}
