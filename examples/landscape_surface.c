/* landscape_surface.c - the loss on a plane through a spurious local
 * minimum, a strict saddle and the global minimum (loss-landscape slices).
 *
 * The problem of regularized.md 10.1: L = 3, widths 2-2-2-2, lam_l = 1,
 * target diag(3, 1.9). Built with dln_landscape_build() (canonical frames),
 * three of its critical points differ only in the (2,2) entries of the
 * layers, all equal to a root s of the value 1.9:
 *
 *   spurious local minimum {3:+, 1.9:+}  s = s_+,  F = 4.753957800483
 *   strict saddle          {3:+, 1.9:-}  s = s_-,  F = 4.814779824664
 *   global minimum         {3:+}          s = 0,    F = 4.661759633103
 *
 * The plane is W(a, b) = W_s + a D_1 + b D_2 with W_s the spurious minimum,
 * D_1 = W_g - W_s (the balanced line to the global minimum, through the
 * saddle at a = 1 - s_-/s_+) and D_2 an unbalancing direction (+E22 in W_1,
 * -E22 in W_3, scaled by s_+). Along D_1 the saddle is a maximum: the
 * eigenvector of its negative Hessian eigenvalue (dln_loss_slice_directions,
 * DLN_SLICE_HESSIAN_BOTTOM) is parallel to D_1; across it, a minimum.
 *
 * On the line, F(W_s + t D_1) is the degree-6 polynomial of
 * dln_loss_line_coeffs(), exact from the products of the layers; the
 * example checks it against dln_loss_slice_line() and finds the saddle as
 * its maximum on (0, 1).
 *
 * Usage: landscape_surface [--csv FILE]. CSV columns a,b,F (rows of one b,
 * blocks separated by a blank line, as gnuplot's splot expects). Plot:
 * gnuplot docs/plots/landscape_surface.gp (make plots). */
#include <dlnet.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 12         /* parameters: 3 layers of 2 x 2 */
#define NA 73        /* grid in a: [-0.4, 1.4] */
#define NB 49        /* grid in b: [-0.6, 0.6] */
#define NLINE 1001   /* points on the line search for the maximum */

static int ok(dln_status st, const char *what)
{
    if (st != DLN_OK) fprintf(stderr, "landscape_surface: %s: %s\n", what, dln_strerror(st));
    return st == DLN_OK;
}

/* Build the critical point of a pattern into net and print its value and class. */
static int point(dln_landscape *ls, dln_loss *loss, const char *name, int p0, int p1, dln_net *net)
{
    const int pattern[2] = {p0, p1};
    dln_class_report rep = {.struct_size = sizeof rep};
    double f;
    if (!ok(dln_landscape_build(ls, pattern, NULL, DLN_FRAMES_CANONICAL, 0, net), "build") ||
        !ok(dln_loss_value(loss, net, &f), "value") ||
        !ok(dln_landscape_classify(ls, net, DLN_METHOD_BOTH, &rep, NULL, NULL), "classify"))
        return 0;
    printf("point: %-9s F = %.12f  class = %s\n", name, f, dln_class_name(rep.cls));
    return 1;
}

static double poly(const double *c, int deg, double t)
{
    double v = 0.0;
    for (int k = deg; k >= 0; k--) v = v * t + c[k];
    return v;
}

static int run(FILE *csv)
{
    const double Phi[4] = {3, 0, 0, 1.9}, lam[3] = {1, 1, 1};
    const size_t w[4] = {2, 2, 2, 2};
    dln_loss *loss = NULL;
    dln_landscape *ls = NULL;
    dln_net *sp = NULL, *sad = NULL, *glob = NULL;
    int good = ok(dln_loss_create_target(&loss, 2, 2, Phi, 2), "loss") &&
               ok(dln_loss_set_l2(loss, 3, lam), "l2") &&
               ok(dln_landscape_create(&ls, loss, 3, w), "landscape") &&
               ok(dln_net_create(&sp, 3, w), "net") && ok(dln_net_create(&sad, 3, w), "net") &&
               ok(dln_net_create(&glob, 3, w), "net");
    good = good && point(ls, loss, "spurious", DLN_MATCH_PLUS, DLN_MATCH_PLUS, sp) &&
           point(ls, loss, "saddle", DLN_MATCH_PLUS, DLN_MATCH_MINUS, sad) &&
           point(ls, loss, "global", DLN_MATCH_PLUS, DLN_MATCH_NONE, glob);
    double ts[N], tg[N], tsad[N], d1[N], d2[N] = {0}, h1[N], h2[N], ev[2], coef[7];
    good = good && ok(dln_net_get_params(sp, ts), "params") && ok(dln_net_get_params(glob, tg), "params") &&
           ok(dln_net_get_params(sad, tsad), "params");
    if (!good) goto done;
    for (int i = 0; i < N; i++) d1[i] = tg[i] - ts[i];
    double splus = ts[3]; /* W_1(2,2) = s_+ */
    d2[3] = splus, d2[11] = -splus; /* +E22 in W_1, -E22 in W_3 */
    printf("roots: s_+ = %.10f  s_- = %.10f  saddle at a = %.10f\n", splus, tsad[3], 1.0 - tsad[3] / splus);

    /* the exact line polynomial, against direct evaluation and the saddle */
    good = ok(dln_loss_line_coeffs(loss, sp, d1, coef), "line coefficients");
    if (!good) goto done;
    printf("line: coef =");
    for (int k = 0; k <= 6; k++) printf(" %.10g", coef[k]);
    printf("\n");
    double tgrid[NLINE], vals[NLINE], err = 0.0, tmax = 0.0, top = -INFINITY;
    for (int i = 0; i < NLINE; i++) tgrid[i] = (double)i / (NLINE - 1);
    good = ok(dln_loss_slice_line(loss, sp, glob, NLINE, tgrid, vals), "line slice");
    if (!good) goto done;
    for (int i = 0; i < NLINE; i++) {
        err = fmax(err, fabs(poly(coef, 6, tgrid[i]) - vals[i]));
        if (vals[i] > top) top = vals[i], tmax = tgrid[i];
    }
    /* refine the maximum of the polynomial by Newton on p'(t) = 0 */
    double dc[6], ddc[5];
    for (int k = 1; k <= 6; k++) dc[k - 1] = k * coef[k];
    for (int k = 1; k <= 5; k++) ddc[k - 1] = k * dc[k];
    for (int it = 0; it < 50; it++) tmax -= poly(dc, 5, tmax) / poly(ddc, 4, tmax);
    printf("line: max |poly - direct| = %.3e  max at a = %.10f  F = %.12f  F(1) - F(0) = %.12f\n", err,
           tmax, poly(coef, 6, tmax), poly(coef, 6, 1.0) - poly(coef, 6, 0.0));

    /* the Hessian's negative direction at the saddle is the balanced line */
    good = ok(dln_loss_slice_directions(loss, sad, DLN_SLICE_HESSIAN_BOTTOM, 1, h1, h2, ev), "directions");
    if (!good) goto done;
    double c = 0.0, n1 = 0.0;
    for (int i = 0; i < N; i++) c += h1[i] * d1[i], n1 += d1[i] * d1[i];
    printf("hessian: saddle mu_1 = %.10f  mu_2 = %.3e  |cos(v_1, D_1)| = %.12f\n", ev[0], ev[1],
           fabs(c) / sqrt(n1));

    /* the plane */
    static double V[NA * NB];
    double A[NA], B[NB];
    for (int i = 0; i < NA; i++) A[i] = -0.4 + 1.8 * i / (NA - 1);
    for (int j = 0; j < NB; j++) B[j] = -0.6 + 1.2 * j / (NB - 1);
    good = ok(dln_loss_slice_plane(loss, sp, d1, d2, NA, A, NB, B, V, NA), "plane slice");
    if (!good) goto done;
    int im = 0;
    for (int i = 0; i < NA * NB; i++) im = V[i] < V[im] ? i : im;
    printf("plane: %d x %d grid  min F = %.12f at (a, b) = (%.3f, %.3f)  F(0,0) = %.12f  F(1,0) = %.12f\n", NA,
           NB, V[im], A[im % NA], B[im / NA], V[(NA - 1) * 2 / 9 + NA * (NB / 2)],
           V[(NA - 1) * 7 / 9 + NA * (NB / 2)]);
    if (csv) {
        fprintf(csv, "a,b,F\n");
        for (int j = 0; j < NB; j++) {
            for (int i = 0; i < NA; i++) fprintf(csv, "%.6f,%.6f,%.12f\n", A[i], B[j], V[i + NA * j]);
            fprintf(csv, "\n");
        }
    }
done:
    dln_net_free(sp), dln_net_free(sad), dln_net_free(glob);
    dln_landscape_free(ls);
    dln_loss_free(loss);
    return good;
}

int main(int argc, char **argv)
{
    FILE *csv = NULL;
    if (argc == 3 && strcmp(argv[1], "--csv") == 0) {
        csv = fopen(argv[2], "w");
        if (!csv) {
            fprintf(stderr, "landscape_surface: cannot write %s\n", argv[2]);
            return EXIT_FAILURE;
        }
        if (!freopen("/dev/null", "w", stdout)) return EXIT_FAILURE;
    } else if (argc != 1) {
        fprintf(stderr, "usage: %s [--csv FILE]\n", argv[0]);
        return EXIT_FAILURE;
    }
    int good = run(csv);
    if (csv && fclose(csv) != 0) good = 0;
    return good ? EXIT_SUCCESS : EXIT_FAILURE;
}
