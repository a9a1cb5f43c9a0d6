/* quickstart.c - libdlnet in one screen.
 *
 * The main job, start to finish: data, a deep linear network, the loss and
 * its exact derivatives (each checked against an independent oracle), two
 * training runs (gradient descent and L-BFGS), the classification of the
 * point reached, and the error bound dist(W, Crit F) <= kappa ||grad F||.
 * Everything is seeded: the output is the same on every run.
 *
 * Why whitened data and l2 regularization? The closed-form landscape theory
 * of the regularized loss (Chen, Jiang & Wang; docs/landscape.md) needs every
 * lam_l > 0 and inputs with X X^T = c I. Whitening the inputs, as the papers
 * on deep linear networks assume, makes (1/m) X X^T = I. The library can then
 * say *which* critical point training reached (global minimum, spurious local
 * minimum, saddle) from the closed form, cross-checked by the Hessian, and how
 * far the weights are from the critical set.
 *
 *   make demo                 (builds the library and runs this program)
 *   quickstart [--csv FILE]   (FILE: both training histories, one row per iterate)
 *   cc quickstart.c $(pkg-config --cflags --libs dlnet) -lm    (installed library)
 */
#include <dlnet.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { M = 200, D0 = 6, H = 20, DL = 3 }; /* samples, input, hidden and output widths */
#define LAMBDA 0.1                        /* l2 coefficient of every layer */
#define ETA 0.05                          /* step of GD (first trial step of L-BFGS) */
#define GRAD_TOL 1e-10                    /* stop test |grad F| <= GRAD_TOL */
#define MAX_ITER 20000                    /* iteration cap of each training run */

/* A tiny seeded N(0,1) generator (splitmix64 + Box-Muller), so that the
 * example needs nothing but libdlnet and libm. */
static double randn(uint64_t *state)
{
    double u[2];
    for (int i = 0; i < 2; i++) {
        uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        u[i] = ((double)((z ^ (z >> 31)) >> 11) + 0.5) * 0x1.0p-53; /* in (0, 1) */
    }
    return sqrt(-2.0 * log(u[0])) * cos(6.283185307179586 * u[1]);
}

/* Stop with the library's explanation when a call fails. */
static void check(dln_status st, const char *what, const char *detail)
{
    if (st == DLN_OK) return;
    fprintf(stderr, "quickstart: %s failed: %s (%s)\n", what, dln_strerror(st), detail);
    exit(EXIT_FAILURE);
}

static double dot(size_t n, const double *a, const double *b)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

/* theta + t v into out */
static void step(size_t n, const double *theta, double t, const double *v, double *out)
{
    for (size_t i = 0; i < n; i++) out[i] = theta[i] + t * v[i];
}

/* Whiten the samples x[s] in place so that (1/M) sum_s x[s] x[s]^T = I:
 * with the Cholesky factor S = G G^T of the second-moment matrix S, each
 * sample becomes G^{-1} x[s] (forward substitution). */
static void whiten(double x[][D0])
{
    double G[D0][D0] = {{0}};
    for (int i = 0; i < D0; i++)
        for (int j = 0; j <= i; j++) {
            double s = 0.0;
            for (int k = 0; k < M; k++) s += x[k][i] * x[k][j];
            s /= M;
            for (int p = 0; p < j; p++) s -= G[i][p] * G[j][p];
            G[i][j] = i == j ? sqrt(s) : s / G[j][j];
        }
    for (int k = 0; k < M; k++)
        for (int i = 0; i < D0; i++) {
            double s = x[k][i];
            for (int p = 0; p < i; p++) s -= G[i][p] * x[k][p];
            x[k][i] = s / G[i][i];
        }
}

/* Part 1: loss, gradient, HVP and extreme Hessian eigenvalues at the random
 * start, each with its check. x and y are the data (rows of C arrays). */
static void derivatives(dln_loss *loss, const dln_net *net, double x[][D0], double y[][DL],
                        uint64_t *rng)
{
    const size_t n = dln_net_num_params(net);
    dln_net *probe = NULL;
    check(dln_net_copy(&probe, net), "dln_net_copy", "");
    double *theta = malloc(n * sizeof *theta), *grad = malloc(n * sizeof *grad);
    double *v = malloc(n * sizeof *v), *hv = malloc(n * sizeof *hv);
    double *tmp = malloc(n * sizeof *tmp), *gp = malloc(n * sizeof *gp);
    double *gm = malloc(n * sizeof *gm), *pred = malloc((size_t)M * DL * sizeof *pred);
    if (!theta || !grad || !v || !hv || !tmp || !gp || !gm || !pred) check(DLN_E_NOMEM, "malloc", "");
    check(dln_net_get_params(net, theta), "dln_net_get_params", "");

    /* Loss and gradient; the loss is checked against a direct forward pass
     * (mean form plus the l2 term). */
    double f;
    check(dln_loss_grad(loss, net, &f, grad), "dln_loss_grad", dln_loss_errmsg(loss));
    check(dln_net_forward(net, M, &x[0][0], D0, pred, DL), "dln_net_forward", "");
    double direct = 0.0;
    for (int s = 0; s < M; s++)
        for (int i = 0; i < DL; i++) direct += 0.5 / M * pow(pred[s * DL + i] - y[s][i], 2);
    direct += 0.5 * LAMBDA * dot(n, theta, theta);
    printf("start:     F = %.10g, |grad F| = %.6g (random weights, scale 0.3)\n", f,
           sqrt(dot(n, grad, grad)));
    printf("loss check: rel err = %.2e (against dln_net_forward + the l2 term)\n",
           fabs(f - direct) / direct);

    /* Gradient check by central differences along a random unit direction v. */
    for (size_t i = 0; i < n; i++) v[i] = randn(rng);
    double vn = sqrt(dot(n, v, v)), fp, fm, h = 1e-5;
    for (size_t i = 0; i < n; i++) v[i] /= vn;
    step(n, theta, h, v, tmp);
    check(dln_net_set_params(probe, tmp), "dln_net_set_params", dln_net_errmsg(probe));
    check(dln_loss_grad(loss, probe, &fp, gp), "dln_loss_grad", dln_loss_errmsg(loss));
    step(n, theta, -h, v, tmp);
    check(dln_net_set_params(probe, tmp), "dln_net_set_params", dln_net_errmsg(probe));
    check(dln_loss_grad(loss, probe, &fm, gm), "dln_loss_grad", dln_loss_errmsg(loss));
    double dfd = (fp - fm) / (2 * h), dg = dot(n, grad, v);
    printf("grad check: rel err = %.2e (<grad F, v> against a central difference)\n",
           fabs(dfd - dg) / fabs(dg));

    /* Hessian-vector product H v, checked against the difference of gradients. */
    check(dln_loss_hvp(loss, net, v, hv), "dln_loss_hvp", dln_loss_errmsg(loss));
    double err = 0.0;
    for (size_t i = 0; i < n; i++) {
        double fd = (gp[i] - gm[i]) / (2 * h);
        err += (fd - hv[i]) * (fd - hv[i]);
    }
    double q = dot(n, v, hv);
    printf("hvp check: rel err = %.2e (H v against a difference of gradients)\n",
           sqrt(err / dot(n, hv, hv)));

    /* The extreme eigenvalues of the Hessian, from Hessian-vector products
     * (n = 580 parameters: the iterative solver; small nets use a dense path). */
    double lmin, lmax;
    dln_eig_report lo = {sizeof lo, 0, 0, 0, 0, 0, 0}, hi = {sizeof hi, 0, 0, 0, 0, 0, 0};
    check(dln_loss_hessian_eigs(loss, net, DLN_EIG_SMALLEST, 1, 0.0, 0, 11, &lmin, NULL, n, &lo),
          "dln_loss_hessian_eigs (smallest)", dln_loss_errmsg(loss));
    check(dln_loss_hessian_eigs(loss, net, DLN_EIG_LARGEST, 1, 0.0, 0, 11, &lmax, NULL, n, &hi),
          "dln_loss_hessian_eigs (largest)", dln_loss_errmsg(loss));
    printf("hessian:   largest eigenvalue = %.8g, smallest eigenvalue = %.8g\n", lmax, lmin);
    printf("eigs check: residual = %.1e, converged = %s, %zu HVPs (%s), rayleigh: %s\n",
           fmax(lo.max_residual, hi.max_residual), lo.converged && hi.converged ? "yes" : "no",
           lo.hvps + hi.hvps, lo.dense ? "dense Hessian" : "block Lanczos",
           lmin <= q && q <= lmax ? "yes" : "no");

    free(theta), free(grad), free(v), free(hv), free(tmp), free(gp), free(gm), free(pred);
    dln_net_free(probe);
}

/* Where training stopped: the class by the closed form and by the Hessian,
 * the distance to the critical set with the ratio dist / |grad F| against its
 * predicted limit kappa = 1/mu_min^+, and the rate rho(eta) = max |1 - eta mu|
 * of GD at the orbit reached. Here the slowest direction normal to the global
 * minimum is plain weight decay (hidden directions that the rank-3 target does
 * not use): mu_min^+ = lam, so kappa = 1/lam = 10 and rho = 1 - eta lam = 0.995.
 * GD aligns with that mode and its ratio settles at kappa; L-BFGS does not,
 * and its ratio stays below kappa, as the error bound says. */
static void report_point(dln_opt_kind kind, const dln_opt_report *rep, dln_landscape *ls, const dln_net *net)
{
    dln_class_report cls;
    dln_dist_report d;
    dln_rate_report r;
    memset(&cls, 0, sizeof cls), memset(&d, 0, sizeof d), memset(&r, 0, sizeof r);
    cls.struct_size = sizeof cls, d.struct_size = sizeof d, r.struct_size = sizeof r;
    int pattern[DL];
    check(dln_landscape_classify(ls, net, DLN_METHOD_BOTH, &cls, pattern, NULL), "dln_landscape_classify",
          dln_landscape_errmsg(ls));
    check(dln_landscape_distance(ls, net, &d, NULL, NULL), "dln_landscape_distance", dln_landscape_errmsg(ls));
    check(dln_landscape_rate(ls, pattern, ETA, &r), "dln_landscape_rate", dln_landscape_errmsg(ls));

    char label[16];
    snprintf(label, sizeof label, "%s:", dln_opt_kind_name(kind));
    printf("%-10s stop = %s after %zu iterations, F = %.12f, |grad F| = %.2e\n", label,
           dln_stop_name(rep->stop), rep->iterations, rep->loss, rep->grad_norm);
    printf("%-10s observed rate = %.6f", "", rep->rate);
    if (kind == DLN_OPT_GD) printf(", predicted rho(eta) = %.6f", r.rho);
    printf("\n%-10s class = %s (theory: %s, numerical: %s), F - F* = %.1e\n", "", dln_class_name(cls.cls),
           dln_class_name(cls.theory_class), dln_class_name(cls.numerical_class), cls.value - cls.global_value);
    printf("%-10s dist = %.3e, ratio = dist/|grad F| = %.6f, kappa = %.6f, flags = %u\n", "", d.dist, d.ratio,
           d.kappa, d.flags);
}

/* History columns of the training runs (written with --csv). */
static const dln_metric metrics[] = {DLN_METRIC_LOSS, DLN_METRIC_GRAD_NORM, DLN_METRIC_DIST,
                                     DLN_METRIC_EB_RATIO};
enum { NCOL = sizeof metrics / sizeof metrics[0] };

/* Part 2: train a copy of @p start with one method. Without csv, print the
 * run report and report_point(); with csv, write the history there instead
 * (dist and ratio cost one projection per row, so they are only recorded
 * when asked for). */
static void train(dln_opt_kind kind, dln_loss *loss, dln_landscape *ls, const dln_net *start, FILE *csv)
{
    dln_opt *opt = NULL;
    dln_net *net = NULL;
    check(dln_net_copy(&net, start), "dln_net_copy", "");
    check(dln_opt_create(&opt, kind), "dln_opt_create", "");
    check(dln_opt_set_step(opt, ETA), "dln_opt_set_step", dln_opt_errmsg(opt));
    check(dln_opt_set_grad_tol(opt, GRAD_TOL), "dln_opt_set_grad_tol", dln_opt_errmsg(opt));
    check(dln_opt_set_max_iter(opt, MAX_ITER), "dln_opt_set_max_iter", dln_opt_errmsg(opt));
    double *hist = NULL;
    size_t rows = csv ? MAX_ITER + 1 : 0;
    if (csv) {
        check(dln_opt_set_metrics(opt, NCOL, metrics), "dln_opt_set_metrics", dln_opt_errmsg(opt));
        if (!(hist = malloc(rows * NCOL * sizeof *hist))) check(DLN_E_NOMEM, "malloc", "");
    }
    dln_opt_report rep;
    memset(&rep, 0, sizeof rep);
    rep.struct_size = sizeof rep;
    check(dln_opt_run_history(opt, loss, net, hist, rows ? rows : 1, rows, &rep), "dln_opt_run",
          dln_opt_errmsg(opt));
    for (size_t k = 0; k < rep.history_rows; k++) {
        fprintf(csv, "%s,%zu", dln_opt_kind_name(kind), k);
        for (size_t c = 0; c < NCOL; c++) fprintf(csv, ",%.17g", hist[k + c * rows]);
        fprintf(csv, "\n");
    }
    if (!csv) report_point(kind, &rep, ls, net);
    free(hist);
    dln_opt_free(opt);
    dln_net_free(net);
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
    uint64_t rng = 2024;

    /* 1. Data in the usual C layout, one sample per row: x[s] in R^6 (whitened),
     * y[s] in R^3, y = A x + noise. A row-major M x D0 array is exactly the
     * column-major D0 x M matrix X (one sample per column) with ld = D0,
     * which is what libdlnet expects: no copy or transpose is needed. */
    static double x[M][D0], y[M][DL];
    double A[DL][D0];
    for (int i = 0; i < DL; i++)
        for (int j = 0; j < D0; j++) A[i][j] = randn(&rng);
    for (int s = 0; s < M; s++)
        for (int j = 0; j < D0; j++) x[s][j] = randn(&rng);
    whiten(x);
    for (int s = 0; s < M; s++)
        for (int i = 0; i < DL; i++) {
            y[s][i] = 0.1 * randn(&rng);
            for (int j = 0; j < D0; j++) y[s][i] += A[i][j] * x[s][j];
        }

    /* 2. The loss F(W) = 1/(2M) ||W3 W2 W1 X - Y||^2 + LAMBDA/2 sum_l ||W_l||^2.
     * The data are summarized once (a QR factorization); afterwards no call
     * touches the M samples again. */
    dln_loss *loss = NULL;
    check(dln_loss_create_data(&loss, D0, DL, M, &x[0][0], D0, &y[0][0], DL), "dln_loss_create_data", "");
    check(dln_loss_set_mean(loss, 1), "dln_loss_set_mean", dln_loss_errmsg(loss));
    check(dln_loss_set_l2_uniform(loss, LAMBDA), "dln_loss_set_l2_uniform", dln_loss_errmsg(loss));

    /* 3. A network 6 -> 20 -> 20 -> 3 with small random weights. */
    const size_t widths[4] = {D0, H, H, DL};
    dln_net *net = NULL;
    check(dln_net_create(&net, 3, widths), "dln_net_create", "");
    check(dln_net_init_gaussian(net, 0.3, 7), "dln_net_init_gaussian", dln_net_errmsg(net));

    /* 4. The landscape of this loss and shape: which theory applies, the
     * singular values y_k of the effective target Ybar = Y X^T / M and the
     * threshold y* at which the error bound would fail. */
    dln_landscape *ls = NULL;
    dln_landscape_info info;
    double yv[DL];
    memset(&info, 0, sizeof info);
    info.struct_size = sizeof info;
    check(dln_landscape_create(&ls, loss, 3, widths), "dln_landscape_create", "");
    check(dln_landscape_get_info(ls, &info), "dln_landscape_get_info", dln_landscape_errmsg(ls));
    check(dln_landscape_values(ls, yv), "dln_landscape_values", dln_landscape_errmsg(ls));

    if (!path) {
        printf("libdlnet %s quickstart\n", dln_version_string());
        printf("data:      %d samples, %d whitened inputs ((1/m) X X^T = I) -> %d outputs\n", M, D0, DL);
        printf("network:   3 layers, widths %d -> %d -> %d -> %d, %zu parameters\n", D0, H, H, DL,
               dln_net_num_params(net));
        printf("loss:      F = 1/(2m) ||W3 W2 W1 X - Y||^2 + lam/2 sum_l ||W_l||^2, lam = %g\n", LAMBDA);
        derivatives(loss, net, x, y, &rng);
        /* the reason's lam is that of the reduced problem: prod_l lam_l / c = 0.1^3 */
        printf("theory:    %s\n", dln_landscape_reason(ls));
        printf("           y = %.6f %.6f %.6f, y* = %.6f, error bound holds = %s, F* = %.12f\n", yv[0], yv[1],
               yv[2], info.ystar, info.error_bound ? "yes" : "no", info.global_value);
        printf("training:  from the start above, step eta = %g, until |grad F| <= %g\n", ETA, GRAD_TOL);
    }

    /* 5. Train from the same start with gradient descent (fixed step) and
     * L-BFGS, classify where each stopped and measure the error bound. */
    FILE *csv = NULL;
    if (path) {
        if (!(csv = fopen(path, "w"))) {
            perror(path);
            return EXIT_FAILURE;
        }
        fprintf(csv, "method,k,loss,grad_norm,dist,eb_ratio\n");
    }
    train(DLN_OPT_GD, loss, ls, net, csv);
    train(DLN_OPT_LBFGS, loss, ls, net, csv);
    if (csv) fclose(csv);

    dln_landscape_free(ls);
    dln_net_free(net);
    dln_loss_free(loss);
    return EXIT_SUCCESS;
}
