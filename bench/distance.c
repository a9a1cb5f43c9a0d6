/* distance.c - dln_landscape_distance in units of one gradient at the same
 * point, on a regularized target loss (L = 3, square widths d, weight decay
 * 0.05, Phi Gaussian of scale 1), at two kinds of points:
 *   near    a constructed global minimizer (every value whose root s_+ lowers
 *           F is matched, random frames) with every weight moved by 1e-6
 *           relative (the tail of a gradient-descent run)
 *   random  Gaussian weights of scale 1/sqrt(d) (far from the critical set)
 * Two calls per landscape: "first" on a fresh landscape (it builds the
 * workspace and the block spectrum of the nearest orbit type), then "next"
 * at a second point of the same kind (another perturbation, another seed),
 * as a history row or a repeated call does. Times are the best of a few runs
 * (seconds, wall clock, the BLAS threads the environment gives); sweeps
 * (Procrustes sweeps and Gauss-Newton steps) of the first / next call,
 * candidates and dist of the first. The unit is a gradient repeated at the
 * same weights (gradient_s; the loss keeps the forward products of the last
 * weights): the unit of the earlier rounds. fresh_s is a gradient at new
 * weights (two nets alternately, as an optimizer step pays), and
 * first_fr, next_fr the calls in that unit.
 * Usage: distance [dmax [near|random|both [dmin]]] [--cpu-time] (default 256,
 * both, 32). --cpu-time: process CPU time instead of wall clock, for a shared
 * machine (1 BLAS thread: the calls and the unit are timed alike).
 * Prints measurements, never judges. */
#define _POSIX_C_SOURCE 199309L
#include "timing.h"

#include <math.h>

static void fail(const char *what)
{
    fprintf(stderr, "distance: %s failed\n", what);
    exit(1);
}

/* The global minimizers' type: every value whose root s_+ lowers F (phi < 0). */
static void global_pattern(const dln_landscape *ls, size_t nv, int *pat)
{
    for (size_t k = 0; k < nv; k++) {
        dln_root_info ri = {.struct_size = sizeof ri};
        if (dln_landscape_roots(ls, k, &ri)) fail("dln_landscape_roots");
        pat[k] = ri.count > 0 && ri.phi[0] < 0.0 ? DLN_MATCH_PLUS : DLN_MATCH_NONE;
    }
}

/* Point `which` (0, 1) of a kind: near a global minimizer, or random. */
static void set_point(dln_landscape *ls, dln_net *net, size_t d, int random, int which, double *th)
{
    size_t n = dln_net_num_params(net);
    if (random) {
        if (dln_net_init_gaussian(net, 1.0 / sqrt((double)d), 5 + (uint64_t)which)) fail("init");
        return;
    }
    int *pat = malloc(d * sizeof *pat);
    global_pattern(ls, d, pat);
    if (dln_landscape_build(ls, pat, NULL, DLN_FRAMES_RANDOM, 3, net)) fail("dln_landscape_build");
    free(pat);
    dln_net_get_params(net, th);
    for (size_t i = 0; i < n; i++) th[i] *= 1.0 + 1e-6 * (which ? sin((double)i) : cos((double)i));
    dln_net_set_params(net, th);
}

/* The best of three gradients (seconds). */
static double timed_gradients(dln_loss *loss, const dln_net *net, double *g)
{
    double best = INFINITY, f;
    for (int k = 0; k < 3; k++) {
        double t0 = bench_now();
        if (dln_loss_grad(loss, net, &f, g)) fail("dln_loss_grad");
        best = fmin(best, bench_now() - t0);
    }
    return best;
}

/* The best of six gradients at new weights: net and a copy with every
 * weight moved by 1e-6 relative (the loss reuses products of unchanged
 * layers), alternately (seconds). */
static double timed_fresh(dln_loss *loss, const dln_net *net, dln_net *other, double *th, double *g)
{
    double best = INFINITY, f;
    size_t n = dln_net_num_params(net);
    dln_net_get_params(net, th);
    for (size_t i = 0; i < n; i++) th[i] *= 1.0 + 1e-6;
    dln_net_set_params(other, th);
    for (int k = 0; k < 6; k++) {
        double t0 = bench_now();
        if (dln_loss_grad(loss, k % 2 ? net : other, &f, g)) fail("dln_loss_grad"); /* net was last */
        best = fmin(best, bench_now() - t0);
    }
    return best;
}

static double timed_distance(dln_landscape *ls, const dln_net *net, dln_dist_report *rep)
{
    rep->struct_size = sizeof *rep;
    double t0 = bench_now();
    if (dln_landscape_distance(ls, net, rep, NULL, NULL)) fail("dln_landscape_distance");
    return bench_now() - t0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[argc - 1], "--cpu-time")) bench_use_cpu_time(), argc--;
    size_t dmax = argc > 1 ? (size_t)atol(argv[1]) : 256, dmin = argc > 3 ? (size_t)atol(argv[3]) : 32;
    const char *kinds = argc > 2 ? argv[2] : "both";
    printf("%6s %8s %11s %11s %10s %10s %7s %5s %19s %11s %8s %8s\n", "d", "point", "gradient_s", "first_s",
           "first_gr", "next_gr", "sweeps", "cand", "dist", "fresh_s", "first_fr", "next_fr");
    for (size_t d = dmin; d <= dmax; d *= 2) {
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
        dln_loss *loss;
        dln_net *net, *other;
        if (dln_loss_create_target(&loss, d, d, Phi, d) || dln_loss_set_l2_uniform(loss, 0.05) ||
            dln_net_create(&net, 3, w) || dln_net_create(&other, 3, w))
            fail("setup");
        size_t n = dln_net_num_params(net);
        double *g = malloc(n * sizeof *g), *th = malloc(n * sizeof *th);
        for (int random = 0; random < 2; random++) {
            if (strcmp(kinds, "both") && strcmp(kinds, random ? "random" : "near")) continue;
            int reps = d >= 512 ? 1 : d >= 256 ? 2 : 3;
            double tg = INFINITY, tf = INFINITY, t1 = INFINITY, t2 = INFINITY;
            dln_dist_report rep, rep2;
            for (int r = 0; r < reps; r++) {
                dln_landscape *ls;
                if (dln_landscape_create(&ls, loss, 3, w)) fail("dln_landscape_create");
                set_point(ls, net, d, random, 0, th);
                tg = fmin(tg, timed_gradients(loss, net, g));
                t1 = fmin(t1, timed_distance(ls, net, &rep));
                set_point(ls, net, d, random, 1, th);
                t2 = fmin(t2, timed_distance(ls, net, &rep2));
                tg = fmin(tg, timed_gradients(loss, net, g)); /* before and after: the unit is the least loaded */
                tf = fmin(tf, timed_fresh(loss, net, other, th, g));
                dln_landscape_free(ls);
            }
            printf("%6zu %8s %11.3e %11.3e %10.1f %10.1f %3zu/%-3zu %5zu %19.12e %11.3e %8.1f %8.1f\n", d,
                   random ? "random" : "near", tg, t1, t1 / tg, t2 / tg, rep.sweeps, rep2.sweeps, rep.candidates,
                   rep.dist, tf, t1 / tf, t2 / tf);
            fflush(stdout);
        }
        free(th), free(g), free(Phi);
        dln_net_free(net), dln_net_free(other), dln_loss_free(loss);
    }
    return 0;
}
