/* balanced_init.c - Arora, Cohen, Golowich & Hu's convergence theorem for deep
 * linear networks in numbers: balanced initialization with a deficiency
 * margin, an unbalanced one, and the failure without a margin
 * (unregularized.md 11; dln_loss_arora()).
 *
 * Target loss l(W) = 1/2 ||W_3 W_2 W_1 - Phi||^2, Phi = diag(2, 1), widths
 * 2-2-2-2, plain gradient descent W <- W - eta grad l. Runs:
 *  - balanced:   W_j balanced with W_{3:1} = A = 0.8 Phi: margin
 *                c = sigma_min(Phi) - ||A - Phi|| = 1 - 0.2 sqrt(5) > 0, delta = 0;
 *                GD converges linearly;
 *  - unbalanced: the same A, with W_1 <- 10 W_1 and W_2 <- W_2 / 10 (delta
 *                far above the theorem's bound): the same step diverges;
 *  - unbalanced_small: the same start with a 25 times smaller step converges;
 *  - no_margin:  balanced with A = diag(1.6, -0.8): det A < 0 < det Phi, so
 *                c < 0; the balanced flow cannot move det P across 0 and GD
 *                stalls at l = 1/2 with P singular.
 * The theorem's own step bound eta_max is far smaller than the steps used
 * here: its guarantee (l(t) <= eps after T(eps) steps) is reported but does
 * not apply to these steps; the observed rates show what it predicts
 * qualitatively.
 *
 * Usage: balanced_init [--csv FILE]: CSV columns run,k,loss,delta,margin,det_P;
 * plot: gnuplot docs/plots/balanced_init.gp. */
#include <dlnet.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ITERS 400

typedef struct run_spec {
    const char *name;
    double a[2];   /* A = diag(a) */
    double alpha;  /* W_1 <- alpha W_1, W_2 <- W_2 / alpha */
    double eta;
} run_spec;

static int ok(dln_status st, const char *what)
{
    if (st != DLN_OK) fprintf(stderr, "balanced_init: %s: %s\n", what, dln_strerror(st));
    return st == DLN_OK;
}

/* Scale layer l by f. */
static int scale_layer(dln_net *net, size_t l, double f)
{
    double W[4];
    if (!ok(dln_net_get_layer(net, l, W, 2, DLN_COL_MAJOR), "get layer")) return 0;
    for (int i = 0; i < 4; i++) W[i] *= f;
    return ok(dln_net_set_layer(net, l, W, 2, DLN_COL_MAJOR), "set layer");
}

static double det_P(const dln_net *net)
{
    double P[4] = {0, 0, 0, 0};
    dln_net_end_to_end(net, P, 2);
    return P[0] * P[3] - P[1] * P[2];
}

/* One run: prints the theorem's quantities and the outcome (or the CSV rows). */
static int run(dln_loss *loss, const run_spec *rs, FILE *csv)
{
    size_t w[] = {2, 2, 2, 2};
    double A[4] = {rs->a[0], 0, 0, rs->a[1]}, th[12], g[12];
    dln_net *net = NULL;
    int good = ok(dln_net_create(&net, 3, w), "net") &&
               ok(dln_net_init_balanced(net, A, 2, DLN_FRAMES_RANDOM, 5), "balanced init") &&
               scale_layer(net, 1, rs->alpha) && scale_layer(net, 2, 1.0 / rs->alpha) &&
               ok(dln_net_get_params(net, th), "params");
    dln_arora_report ar0, ar, at_max;
    memset(&ar0, 0, sizeof ar0);
    ar0.struct_size = sizeof ar0, ar = at_max = ar0;
    good = good && ok(dln_loss_arora(loss, net, rs->eta, 1e-12, &ar0), "arora") &&
           ok(dln_loss_arora(loss, net, 0.0, 1e-12, &at_max), "arora at eta_max");
    double l0 = 0.5 * ar0.residual * ar0.residual;
    size_t k = 0, converged = 0;
    double l = NAN, l_half = NAN, l_conv = NAN;
    for (; good && k <= ITERS; k++) {
        good = ok(dln_loss_grad(loss, net, &l, g), "gradient") && ok(dln_loss_arora(loss, net, rs->eta, 1e-12, &ar), "arora");
        if (!good) break;
        if (csv) fprintf(csv, "%s,%zu,%.17g,%.17g,%.17g,%.17g\n", rs->name, k, l, ar.delta, ar.margin, det_P(net));
        if (!converged && l <= 1e-24) converged = k, l_conv = l;
        if (k == ITERS / 2) l_half = l;
        if (!(l < 1e6) || k == ITERS) break; /* diverged, or done */
        for (int i = 0; i < 12; i++) th[i] -= rs->eta * g[i];
        good = ok(dln_net_set_params(net, th), "step");
    }
    if (good && !csv) {
        printf("%s: eta = %g margin = %.6f margin_ok = %d delta = %.6g delta_max = %.6g delta_ok = %d "
               "eta_max = %.6g guarantee = %d\n",
               rs->name, rs->eta, ar0.margin, ar0.margin_ok, ar0.delta, ar0.delta_max, ar0.delta_ok,
               ar0.eta_max_lib, ar0.guarantee);
        if (at_max.guarantee)
            printf("%s: theorem at eta_max: rate = %.6g T(1e-12) = %.6g iterations\n", rs->name, at_max.rate,
                   at_max.iterations);
        if (!(l < 1e6)) printf("%s: outcome = diverged at k = %zu (loss %.3g)\n", rs->name, k, l);
        else if (converged)
            printf("%s: outcome = converged at k = %zu (loss <= 1e-24) observed factor = %.6f "
                   "theorem factor at this step = %.6f\n",
                   rs->name, converged, pow(l_conv / l0, 1.0 / (double)converged), 1.0 - ar0.rate);
        else
            printf("%s: outcome = stalled: loss = %.12f (at k = %d: %.12f) det_P = %.3g margin = %.3g\n", rs->name,
                   l, ITERS / 2, l_half, det_P(net), ar.margin);
    }
    dln_net_free(net);
    return good;
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
    static const run_spec runs[] = {
        {"balanced", {1.6, 0.8}, 1.0, 0.05},
        {"unbalanced", {1.6, 0.8}, 10.0, 0.05},
        {"unbalanced_small", {1.6, 0.8}, 10.0, 0.002},
        {"no_margin", {1.6, -0.8}, 1.0, 0.05},
    };
    double Phi[4] = {2, 0, 0, 1};
    dln_loss *loss = NULL;
    if (!ok(dln_loss_create_target(&loss, 2, 2, Phi, 2), "loss")) return 1;
    FILE *csv = NULL;
    if (path) {
        if (!(csv = fopen(path, "w"))) {
            perror(path);
            return 1;
        }
        fprintf(csv, "run,k,loss,delta,margin,det_P\n");
    } else {
        printf("# Arora et al.: l = 1/2 ||W_3 W_2 W_1 - Phi||^2, Phi = diag(2, 1), widths 2-2-2-2\n");
    }
    int good = 1;
    for (size_t i = 0; good && i < sizeof runs / sizeof runs[0]; i++) good = run(loss, &runs[i], csv);
    if (csv) fclose(csv);
    dln_loss_free(loss);
    return good ? 0 : 1;
}
