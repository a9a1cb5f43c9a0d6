/* quickstart.c - libdlnet in one page.
 *
 * Makes a small regression data set, builds a 3-layer linear network, and
 * evaluates the loss, its gradient, a Hessian-vector product and the extreme
 * eigenvalues of the Hessian. Each derivative is checked against finite
 * differences, so the output shows both the numbers and how much to trust
 * them. Everything is seeded: the output is the same on every run.
 *
 *   make demo            (builds the library and runs this program)
 *   cc quickstart.c $(pkg-config --cflags --libs dlnet) -lm    (installed)
 */
#include <dlnet.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { M = 200, D0 = 6, H = 20, DL = 3 }; /* samples, input, hidden and output widths */

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

int main(void)
{
    uint64_t rng = 2024;

    /* 1. Data in the usual C layout, one sample per row: x[i] in R^6, y[i] in
     * R^3, y = A x + noise. A row-major M x D0 array is exactly the
     * column-major D0 x M matrix X (one sample per column) with ld = D0,
     * which is what libdlnet expects: no copy or transpose is needed. */
    static double x[M][D0], y[M][DL];
    double A[DL][D0];
    for (int i = 0; i < DL; i++)
        for (int j = 0; j < D0; j++) A[i][j] = randn(&rng);
    for (int s = 0; s < M; s++) {
        for (int j = 0; j < D0; j++) x[s][j] = randn(&rng);
        for (int i = 0; i < DL; i++) {
            y[s][i] = 0.1 * randn(&rng);
            for (int j = 0; j < D0; j++) y[s][i] += A[i][j] * x[s][j];
        }
    }

    /* 2. The loss F(W) = 1/2 ||W3 W2 W1 X - Y||^2. The data are summarized once
     * (a QR factorization); afterwards no call touches the M samples again. */
    dln_loss *loss = NULL;
    check(dln_loss_create_data(&loss, D0, DL, M, &x[0][0], D0, &y[0][0], DL),
          "dln_loss_create_data", "");

    /* 3. A network 6 -> 20 -> 20 -> 3 with small random weights. */
    const size_t widths[4] = {D0, H, H, DL};
    dln_net *net = NULL, *probe = NULL;
    check(dln_net_create(&net, 3, widths), "dln_net_create", "");
    check(dln_net_init_gaussian(net, 0.4, 7), "dln_net_init_gaussian", dln_net_errmsg(net));
    check(dln_net_copy(&probe, net), "dln_net_copy", "");
    const size_t n = dln_net_num_params(net);
    double *theta = malloc(n * sizeof *theta), *grad = malloc(n * sizeof *grad);
    double *v = malloc(n * sizeof *v), *hv = malloc(n * sizeof *hv);
    double *tmp = malloc(n * sizeof *tmp), *gp = malloc(n * sizeof *gp);
    double *gm = malloc(n * sizeof *gm), *pred = malloc((size_t)M * DL * sizeof *pred);
    if (!theta || !grad || !v || !hv || !tmp || !gp || !gm || !pred) check(DLN_E_NOMEM, "malloc", "");
    check(dln_net_get_params(net, theta), "dln_net_get_params", "");

    printf("libdlnet %s quickstart\n", dln_version_string());
    printf("data:      %d samples, %d inputs -> %d outputs (rows of a C array, ld = %d)\n", M,
           D0, DL, D0);
    printf("network:   3 layers, widths %d -> %d -> %d -> %d, %zu parameters\n", D0, H, H, DL, n);

    /* 4. Loss and gradient; the loss is checked against a direct forward pass. */
    double f;
    check(dln_loss_grad(loss, net, &f, grad), "dln_loss_grad", dln_loss_errmsg(loss));
    check(dln_net_forward(net, M, &x[0][0], D0, pred, DL), "dln_net_forward", "");
    double direct = 0.0;
    for (int s = 0; s < M; s++)
        for (int i = 0; i < DL; i++) direct += 0.5 * pow(pred[s * DL + i] - y[s][i], 2);
    printf("loss:      F = %.10g\n", f);
    printf("loss check: rel err = %.2e (against 1/2 ||P X - Y||^2 from dln_net_forward)\n",
           fabs(f - direct) / direct);
    printf("gradient:  |grad F| = %.6g\n", sqrt(dot(n, grad, grad)));

    /* 5. Gradient check by central differences along a random unit direction v. */
    for (size_t i = 0; i < n; i++) v[i] = randn(&rng);
    double vn = sqrt(dot(n, v, v)), fp, fm, h = 1e-5;
    for (size_t i = 0; i < n; i++) v[i] /= vn;
    step(n, theta, h, v, tmp);
    check(dln_net_set_params(probe, tmp), "dln_net_set_params", dln_net_errmsg(probe));
    check(dln_loss_grad(loss, probe, &fp, gp), "dln_loss_grad", dln_loss_errmsg(loss));
    step(n, theta, -h, v, tmp);
    check(dln_net_set_params(probe, tmp), "dln_net_set_params", dln_net_errmsg(probe));
    check(dln_loss_grad(loss, probe, &fm, gm), "dln_loss_grad", dln_loss_errmsg(loss));
    double dfd = (fp - fm) / (2 * h), dg = dot(n, grad, v);
    printf("grad check: rel err = %.2e (<grad F, v> = %.10g, central difference %.10g)\n",
           fabs(dfd - dg) / fabs(dg), dg, dfd);

    /* 6. Hessian-vector product H v, checked against the difference of gradients. */
    check(dln_loss_hvp(loss, net, v, hv), "dln_loss_hvp", dln_loss_errmsg(loss));
    double err = 0.0;
    for (size_t i = 0; i < n; i++) {
        double fd = (gp[i] - gm[i]) / (2 * h);
        err += (fd - hv[i]) * (fd - hv[i]);
    }
    double q = dot(n, v, hv);
    printf("hvp:       |H v| = %.6g, curvature along v: <v, H v> = %.6g\n", sqrt(dot(n, hv, hv)), q);
    printf("hvp check: rel err = %.2e (against (grad F(W + h v) - grad F(W - h v)) / 2h)\n",
           sqrt(err / dot(n, hv, hv)));

    /* 7. The extreme eigenvalues of the Hessian, from Hessian-vector products
     * (n = 580 parameters: the iterative solver; small nets use a dense path). */
    double lmin, lmax;
    dln_eig_report lo = {sizeof lo, 0, 0, 0, 0, 0, 0}, hi = {sizeof hi, 0, 0, 0, 0, 0, 0};
    check(dln_loss_hessian_eigs(loss, net, DLN_EIG_SMALLEST, 1, 0.0, 0, 11, &lmin, NULL, n, &lo),
          "dln_loss_hessian_eigs (smallest)", dln_loss_errmsg(loss));
    check(dln_loss_hessian_eigs(loss, net, DLN_EIG_LARGEST, 1, 0.0, 0, 11, &lmax, NULL, n, &hi),
          "dln_loss_hessian_eigs (largest)", dln_loss_errmsg(loss));
    printf("hessian:   largest eigenvalue  = %.8g\n", lmax);
    printf("           smallest eigenvalue = %.8g%s\n", lmin,
           lmin < 0 ? "  (negative: these weights are not a local minimum)" : "");
    printf("eigs check: residual = %.1e, converged = %s, %zu Hessian-vector products (%s)\n",
           fmax(lo.max_residual, hi.max_residual), lo.converged && hi.converged ? "yes" : "no",
           lo.hvps + hi.hvps, lo.dense ? "dense Hessian" : "block Lanczos");
    printf("rayleigh check: smallest <= <v, H v> <= largest: %s\n",
           lmin <= q && q <= lmax ? "yes" : "no");

    free(theta), free(grad), free(v), free(hv), free(tmp), free(gp), free(gm), free(pred);
    dln_net_free(probe);
    dln_net_free(net);
    dln_loss_free(loss);
    return EXIT_SUCCESS;
}
