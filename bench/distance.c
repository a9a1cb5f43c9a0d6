/* distance.c - dln_landscape_distance in units of one gradient at the same
 * point, on a regularized target loss (L = 3, square widths d, weight decay
 * 0.05, Phi Gaussian of scale 1), at two kinds of points:
 *   near    a constructed global minimizer (every value whose root s_+ lowers
 *           F is matched, random frames) with every weight moved by 1e-6
 *           relative (the tail of a gradient-descent run)
 *   random  Gaussian weights of scale 1/sqrt(d) (far from the critical set)
 * Times are the best of a few runs (seconds, wall clock, the BLAS threads the
 * environment gives), the sweeps and candidates of the last call and its dist.
 * Prints measurements, never judges. */
#define _POSIX_C_SOURCE 199309L
#include "timing.h"

#include <math.h>

typedef struct ctx {
    dln_loss *loss;
    dln_landscape *ls;
    dln_net *net;
    double *g;
    dln_dist_report rep; /* of the last call */
} ctx;

static void grad(void *p)
{
    ctx *c = p;
    double f;
    if (dln_loss_grad(c->loss, c->net, &f, c->g)) exit(1);
}

static void dist(void *p)
{
    ctx *c = p;
    c->rep.struct_size = sizeof c->rep;
    if (dln_landscape_distance(c->ls, c->net, &c->rep, NULL, NULL)) exit(1);
}

/* The global minimizers' type: every value whose root s_+ lowers F (phi < 0). */
static int global_pattern(const dln_landscape *ls, size_t nv, int *pat)
{
    for (size_t k = 0; k < nv; k++) {
        dln_root_info ri = {.struct_size = sizeof ri};
        if (dln_landscape_roots(ls, k, &ri)) return 1;
        pat[k] = ri.count > 0 && ri.phi[0] < 0.0 ? DLN_MATCH_PLUS : DLN_MATCH_NONE;
    }
    return 0;
}

static double best(bench_fn fn, void *c, int reps)
{
    double b = INFINITY;
    for (int i = 0; i < reps; i++) {
        double t0 = bench_now();
        fn(c);
        double t = bench_now() - t0;
        if (t < b) b = t;
    }
    return b;
}

int main(int argc, char **argv)
{
    size_t dmax = argc > 1 ? (size_t)atol(argv[1]) : 256;
    printf("%6s %8s %12s %12s %10s %7s %5s %12s\n", "d", "point", "gradient_s", "distance_s", "gradients",
           "sweeps", "cand", "dist");
    for (size_t d = 32; d <= dmax; d *= 2) {
        size_t w[4] = {d, d, d, d};
        double *Phi = malloc(d * d * sizeof *Phi);
        uint64_t s = 12345;
        for (size_t i = 0; i < d * d; i++) { /* Box-Muller on a 64-bit LCG */
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            double u1 = ((s >> 11) + 0.5) / 9007199254740992.0;
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            double u2 = ((s >> 11) + 0.5) / 9007199254740992.0;
            Phi[i] = sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
        }
        ctx c = {0};
        if (dln_loss_create_target(&c.loss, d, d, Phi, d) || dln_loss_set_l2_uniform(c.loss, 0.05) ||
            dln_landscape_create(&c.ls, c.loss, 3, w) || dln_net_create(&c.net, 3, w))
            return 1;
        size_t n = dln_net_num_params(c.net);
        c.g = malloc(n * sizeof *c.g);
        double *th = malloc(n * sizeof *th);
        for (int kind = 0; kind < 2; kind++) {
            if (kind == 0) {
                int *pat = malloc(d * sizeof *pat);
                if (global_pattern(c.ls, d, pat) ||
                    dln_landscape_build(c.ls, pat, NULL, DLN_FRAMES_RANDOM, 3, c.net))
                    return 1;
                free(pat);
                dln_net_get_params(c.net, th);
                for (size_t i = 0; i < n; i++) th[i] *= 1.0 + 1e-6 * cos((double)i);
                dln_net_set_params(c.net, th);
            } else if (dln_net_init_gaussian(c.net, 1.0 / sqrt((double)d), 5)) {
                return 1;
            }
            double tg = best(grad, &c, 5), td = best(dist, &c, d >= 256 ? 1 : 3);
            printf("%6zu %8s %12.3e %12.3e %10.1f %7zu %5zu %12.6e\n", d, kind ? "random" : "near", tg, td,
                   td / tg, c.rep.sweeps, c.rep.candidates, c.rep.dist);
            fflush(stdout);
        }
        free(th), free(c.g), free(Phi);
        dln_net_free(c.net), dln_landscape_free(c.ls), dln_loss_free(c.loss);
    }
    return 0;
}
