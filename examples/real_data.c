/* real_data.c - a deep linear regression on Fashion-MNIST (60000 images of
 * 28 x 28 pixels -> 10 classes), read from the Debian package
 * dataset-fashion-mnist (/usr/share/datasets/fashion-mnist, gzipped IDX files).
 *
 * Inputs x in [0, 1]^784 (pixels / 255, no centering: a linear network has
 * no bias), targets the one-hot labels y in R^10, network 784 -> 16 -> 16 -> 10
 * (L = 3), mean squared loss F = 1/(2m) sum_s ||W3 W2 W1 x_s - y_s||^2.
 *
 *  1. Summarize once: the training images are read through a `gzip -dcf`
 *     pipe (popen: no zlib dependency; plain IDX files work too) and streamed
 *     block by block into dln_loss_create_data() / dln_loss_add_samples()
 *     (a streamed QR of [X^T Y^T]); the samples are never stored.
 *  2. An iteration costs the same for all m samples as for a 1000-sample
 *     subset: the loss works on the 784 x 784 summary, whatever m is.
 *  3. Train with L-BFGS (progress on stderr), then classify the point with
 *     dln_landscape_classify(). The raw pixels are badly conditioned
 *     (sigma_min/sigma_max of the summary R ~ 3e-5 with all samples; with a
 *     small subset X X^T is even singular), so after a bounded run the point
 *     is close to the optimal value f* but not yet critical to the library's
 *     tolerance: the report says so and gives the relative gradient.
 *  4. The same regression on whitened inputs. The summary (dln_loss_summary():
 *     R, C, r0 with F = 1/2 ||P R^T - C||^2 + r0/2) factors the data as
 *     X = R^T Z with (1/m) Z Z^T = I (Z is sqrt(m) times the Q factor of the
 *     QR of X^T) and (1/m) Y Z^T = C. On the whitened inputs Z the loss is the
 *     target loss 1/2 ||W3 W2 W1 - C||^2 plus the constant r0/2; with weight
 *     decay lam the regularized theory applies (docs/landscape.md), L-BFGS
 *     converges, and the point reached is certified a global minimum, with
 *     its distance to the critical set and the error-bound ratio.
 * Test accuracy (10000 images of t10k, argmax of the 10 outputs) is printed
 * for both models (the whitened one maps raw pixels with P = Q R^{-T}, which
 * needs X X^T invertible: all samples, not a small subset).
 *
 * Usage: real_data [--dir DIR] [--samples N] [--iters K] [--csv FILE]
 *   --samples N  use the first N training images (default: all 60000)
 *   --iters K    L-BFGS iterations on the raw inputs (default 1000)
 *   --csv FILE   training histories: part,k,loss,grad_norm
 * Without the data set the program prints "skipped: ..." and exits with 0. */
#define _POSIX_C_SOURCE 200809L /* popen, pclose, clock_gettime */
#include <dlnet.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_DIR "/usr/share/datasets/fashion-mnist"
enum { D0 = 784, DL = 10, HID = 16, BLOCK = 4096, SUBSET = 1000 };
#define LAMBDA 1e-3 /* weight decay of the whitened model */

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int ok(dln_status st, const char *what, const char *detail)
{
    if (st != DLN_OK) fprintf(stderr, "real_data: %s: %s (%s)\n", what, dln_strerror(st), detail);
    return st == DLN_OK;
}

/* ---- IDX files (big-endian header, then unsigned bytes) ---- */

static uint32_t be32(const unsigned char *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | (uint32_t)b[3];
}

/* Open DIR/NAME through `gzip -dcf` (which also passes uncompressed files)
 * and check its header: magic 0x803 (images of 28 x 28) or 0x801 (labels).
 * Returns the item count, 0 on failure. */
static size_t idx_open(FILE **f, const char *dir, const char *name, uint32_t magic)
{
    char path[4096], cmd[4200];
    unsigned char h[16];
    size_t len = magic == 0x803 ? 16 : 8;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (strchr(path, '\'')) return 0; /* keep the shell quoting trivial */
    snprintf(cmd, sizeof cmd, "gzip -dcf '%s'", path);
    if (!(*f = popen(cmd, "r"))) return 0;
    if (fread(h, 1, len, *f) != len || be32(h) != magic || (magic == 0x803 && be32(h + 8) * be32(h + 12) != D0)) {
        fprintf(stderr, "real_data: %s: not an IDX file of 28 x 28 images or labels\n", path);
        return 0;
    }
    return be32(h + 4);
}

/* Read b samples: images scaled to [0, 1] into X (D0 x b), one-hot labels into Y
 * (DL x b), the raw bytes into img/lab if they are not NULL. */
static int read_block(FILE *fi, FILE *fl, size_t b, unsigned char *img, unsigned char *lab, double *X, double *Y)
{
    if (fread(img, D0, b, fi) != b || fread(lab, 1, b, fl) != b) return 0;
    for (size_t s = 0; s < b; s++) {
        for (size_t j = 0; j < D0; j++) X[j + s * D0] = img[j + s * D0] / 255.0;
        for (size_t i = 0; i < DL; i++) Y[i + s * DL] = lab[s] == i ? 1.0 : 0.0;
    }
    return 1;
}

/* The data: training summaries (all samples and the first SUBSET) and the test set in bytes. */
typedef struct data {
    dln_loss *loss, *subset;
    size_t m, m_test;
    unsigned char *test_img, *test_lab;
    double seconds, mean_pixel; /* time of the summary, mean of all training pixels */
} data;

/* Stream the first m training samples (all if m = 0) into the summaries. */
static int load_train(data *d, const char *dir, size_t m)
{
    FILE *fi = NULL, *fl = NULL;
    size_t ni = idx_open(&fi, dir, "train-images-idx3-ubyte.gz", 0x803);
    size_t nl = ni ? idx_open(&fl, dir, "train-labels-idx1-ubyte.gz", 0x801) : 0;
    unsigned char *img = malloc((size_t)BLOCK * D0), *lab = malloc(BLOCK);
    double *X = malloc((size_t)BLOCK * D0 * sizeof *X), *Y = malloc((size_t)BLOCK * DL * sizeof *Y);
    int good = ni && ni == nl && img && lab && X && Y;
    d->m = m && m < ni ? m : ni;
    double t0 = now();
    for (size_t done = 0; good && done < d->m;) {
        size_t b = d->m - done < BLOCK ? d->m - done : BLOCK;
        good = read_block(fi, fl, b, img, lab, X, Y);
        for (size_t j = 0; good && j < b * D0; j++) d->mean_pixel += X[j];
        if (good && !d->loss)
            good = ok(dln_loss_create_data(&d->loss, D0, DL, b, X, D0, Y, DL), "summary", "") &&
                   ok(dln_loss_create_data(&d->subset, D0, DL, b < SUBSET ? b : SUBSET, X, D0, Y, DL), "subset", "");
        else if (good)
            good = ok(dln_loss_add_samples(d->loss, b, X, D0, Y, DL), "add samples", dln_loss_errmsg(d->loss));
        done += b;
    }
    d->seconds = now() - t0;
    d->mean_pixel /= (double)d->m * D0;
    good = good && ok(dln_loss_set_mean(d->loss, 1), "mean", dln_loss_errmsg(d->loss)) &&
           ok(dln_loss_set_mean(d->subset, 1), "mean", dln_loss_errmsg(d->subset));
    if (fi) pclose(fi);
    if (fl) pclose(fl);
    free(img), free(lab), free(X), free(Y);
    return good;
}

/* The 10000 test images and labels, kept as bytes (7.8 MB). */
static int load_test(data *d, const char *dir)
{
    FILE *fi = NULL, *fl = NULL;
    size_t ni = idx_open(&fi, dir, "t10k-images-idx3-ubyte.gz", 0x803);
    size_t nl = ni ? idx_open(&fl, dir, "t10k-labels-idx1-ubyte.gz", 0x801) : 0;
    d->test_img = malloc(ni * D0 + 1), d->test_lab = malloc(ni + 1);
    int good = ni && ni == nl && d->test_img && d->test_lab && fread(d->test_img, D0, ni, fi) == ni &&
               fread(d->test_lab, 1, ni, fl) == ni;
    d->m_test = ni;
    if (fi) pclose(fi);
    if (fl) pclose(fl);
    return good;
}

/* Fraction of test images whose largest output P x is the label (P: DL x D0). */
static double accuracy(const data *d, const double *P)
{
    size_t hits = 0;
    for (size_t s = 0; s < d->m_test; s++) {
        const unsigned char *x = d->test_img + s * D0;
        double best = -INFINITY;
        size_t arg = 0;
        for (size_t i = 0; i < DL; i++) {
            double v = 0.0;
            for (size_t j = 0; j < D0; j++) v += P[i + j * DL] * (x[j] / 255.0);
            if (v > best) best = v, arg = i;
        }
        hits += arg == d->test_lab[s];
    }
    return (double)hits / (double)d->m_test;
}

/* ---- training ---- */

static int progress(const dln_progress *p, void *user)
{
    fprintf(stderr, "real_data: %s k = %5zu  F = %.10f  |grad| = %.3e  %.1f s\n", (const char *)user, p->iteration,
            p->loss, p->grad_norm, p->elapsed);
    return 0;
}

/* Seconds per GD iteration on @p loss from @p start (20 iterations; the
 * weights change every iteration, so nothing is reused between them). */
static double seconds_per_iteration(dln_loss *loss, const dln_net *start)
{
    dln_opt *opt = NULL;
    dln_net *net = NULL;
    dln_opt_report rep;
    memset(&rep, 0, sizeof rep);
    rep.struct_size = sizeof rep;
    int good = ok(dln_net_copy(&net, start), "copy", "") && ok(dln_opt_create(&opt, DLN_OPT_GD), "opt", "") &&
               ok(dln_opt_set_step(opt, 1e-3), "step", "") && ok(dln_opt_set_max_iter(opt, 20), "iters", "") &&
               ok(dln_opt_run(opt, loss, net, &rep), "run", dln_opt_errmsg(opt));
    dln_opt_free(opt);
    dln_net_free(net);
    return good && rep.iterations ? rep.elapsed / (double)rep.iterations : NAN;
}

/* L-BFGS on @p loss from the weights of @p net (updated), at most @p iters
 * iterations, history to csv as part @p part. */
static int train(const char *part, dln_loss *loss, dln_net *net, size_t iters, double grad_tol, FILE *csv,
                 dln_opt_report *rep)
{
    dln_opt *opt = NULL;
    double *hist = csv ? malloc((iters + 1) * 2 * sizeof *hist) : NULL;
    memset(rep, 0, sizeof *rep);
    rep->struct_size = sizeof *rep;
    int good = (!csv || hist) && ok(dln_opt_create(&opt, DLN_OPT_LBFGS), "opt", "") &&
               ok(dln_opt_set_max_iter(opt, iters), "max_iter", dln_opt_errmsg(opt)) &&
               ok(dln_opt_set_grad_tol(opt, grad_tol), "grad_tol", dln_opt_errmsg(opt)) &&
               ok(dln_opt_set_callback(opt, progress, (void *)part, 100), "callback", dln_opt_errmsg(opt)) &&
               ok(dln_opt_run_history(opt, loss, net, hist, iters + 1, csv ? iters + 1 : 0, rep), "run",
                  dln_opt_errmsg(opt));
    for (size_t k = 0; good && k < rep->history_rows; k++)
        fprintf(csv, "%s,%zu,%.17g,%.17g\n", part, k, hist[k], hist[k + iters + 1]);
    free(hist);
    dln_opt_free(opt);
    return good;
}

static void print_run(const char *part, const dln_opt_report *rep)
{
    printf("%-6s L-BFGS stop = %s after %zu iterations (%.2f s), F = %.10f, |grad F| = %.3e\n", part,
           dln_stop_name(rep->stop), rep->iterations, rep->elapsed, rep->loss, rep->grad_norm);
}

static int classify(const char *part, dln_landscape *ls, const dln_net *net, dln_method method, dln_class_report *c)
{
    memset(c, 0, sizeof *c);
    c->struct_size = sizeof *c;
    if (!ok(dln_landscape_classify(ls, net, method, c, NULL, NULL), "classify", dln_landscape_errmsg(ls))) return 0;
    printf("%-6s class = %s, relative gradient = %.2e (critical if <= %.0e)\n", part, dln_class_name(c->cls),
           c->grad_rel, c->tol_grad);
    return 1;
}

/* ---- the two parts ---- */

/* 2-3: raw pixels. */
static int raw(data *d, const dln_net *start, size_t iters, FILE *csv)
{
    const size_t w[4] = {D0, HID, HID, DL};
    dln_net *net = NULL;
    dln_landscape *ls = NULL;
    dln_landscape_info info;
    dln_opt_report rep;
    dln_class_report c;
    double P[DL * D0];
    memset(&info, 0, sizeof info);
    info.struct_size = sizeof info;
    double t_all = seconds_per_iteration(d->loss, start), t_sub = seconds_per_iteration(d->subset, start);
    if (!csv)
        printf("cost:  one iteration %.2f ms with %zu samples, %.2f ms with %zu (ratio %.2f)\n", 1e3 * t_all, d->m,
               1e3 * t_sub, d->m < SUBSET ? d->m : (size_t)SUBSET, t_all / t_sub);
    int good = t_all > 0 && t_sub > 0 && ok(dln_net_copy(&net, start), "copy", "") &&
               ok(dln_landscape_create(&ls, d->loss, 3, w), "landscape", "") &&
               ok(dln_landscape_get_info(ls, &info), "info", "") && train("raw", d->loss, net, iters, 0.0, csv, &rep);
    if (good && !csv) {
        printf("raw:   %s\n", dln_landscape_reason(ls));
        print_run("raw:", &rep);
        good = classify("raw:", ls, net, DLN_METHOD_AUTO, &c) && ok(dln_net_end_to_end(net, P, DL), "P", "");
        if (good && isfinite(info.global_value))
            printf("raw:   f* = %.10f (optimal value), F - f* = %.3e\n", info.global_value, rep.loss - info.global_value);
        if (good) printf("raw:   test accuracy = %.4f\n", accuracy(d, P));
    }
    dln_landscape_free(ls);
    dln_net_free(net);
    return good;
}

/* 4: whitened inputs, weight decay LAMBDA. The model on Z has end-to-end
 * matrix Q = P R^T; on raw pixels it predicts with P = Q R^{-T}, which needs
 * R invertible (all samples; not a small subset). */
static int whitened(data *d, const dln_net *start, FILE *csv)
{
    const size_t w[4] = {D0, HID, HID, DL};
    double *R = malloc((size_t)D0 * D0 * sizeof *R), C[DL * D0], r0, Q[DL * D0];
    dln_loss *target = NULL;
    dln_landscape *ls = NULL;
    dln_net *net = NULL;
    dln_opt_report rep;
    dln_class_report c;
    dln_dist_report dist;
    memset(&dist, 0, sizeof dist);
    dist.struct_size = sizeof dist;
    int good = R && ok(dln_loss_summary(d->loss, R, D0, C, DL, &r0), "summary", dln_loss_errmsg(d->loss)) &&
               ok(dln_loss_create_target(&target, DL, D0, C, DL), "target", "") &&
               ok(dln_loss_set_l2_uniform(target, LAMBDA), "l2", dln_loss_errmsg(target)) &&
               ok(dln_landscape_create(&ls, target, 3, w), "landscape", "") &&
               ok(dln_net_copy(&net, start), "copy", "") && train("whitened", target, net, 5000, 1e-10, csv, &rep);
    if (good && !csv) {
        printf("white: %s\n", dln_landscape_reason(ls));
        printf("white: F = 1/2 ||W3 W2 W1 - C||^2 + lam/2 sum_l ||W_l||^2 (+ r0/2 = %.10f), lam = %g\n", 0.5 * r0,
               LAMBDA);
        print_run("white:", &rep);
        good = classify("white:", ls, net, DLN_METHOD_AUTO, &c) &&
               ok(dln_landscape_distance(ls, net, &dist, NULL, NULL), "distance", dln_landscape_errmsg(ls)) &&
               ok(dln_net_end_to_end(net, Q, DL), "P", "");
    }
    if (good && !csv) {
        printf("white: F - F* = %.1e, dist = %.3e, dist/|grad F| = %.4f <= kappa = %.4f\n",
               c.value - c.global_value, dist.dist, dist.ratio, dist.kappa);
        /* P = Q R^{-T}: solve R P^T = Q^T by back substitution (R upper triangular) */
        double rmax = 0.0, rmin = INFINITY;
        for (size_t j = 0; j < D0; j++) rmax = fmax(rmax, fabs(R[j + j * D0])), rmin = fmin(rmin, fabs(R[j + j * D0]));
        if (rmin > 1e-12 * rmax) {
            for (size_t i = 0; i < DL; i++)
                for (size_t j = D0; j-- > 0;) {
                    double s = Q[i + j * DL];
                    for (size_t k = j + 1; k < D0; k++) s -= R[j + k * D0] * Q[i + k * DL];
                    Q[i + j * DL] = s / R[j + j * D0];
                }
            printf("white: test accuracy = %.4f (the whitened model applied to raw pixels)\n", accuracy(d, Q));
        } else {
            printf("white: test accuracy not computed: X X^T is singular for %zu samples\n", d->m);
        }
    }
    dln_net_free(net);
    dln_landscape_free(ls);
    dln_loss_free(target);
    free(R);
    return good;
}

int main(int argc, char **argv)
{
    const char *dir = DEFAULT_DIR, *path = NULL;
    size_t samples = 0, iters = 1000;
    for (int i = 1; i < argc; i++) {
        char *end = NULL;
        if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) dir = argv[++i];
        else if (strcmp(argv[i], "--csv") == 0 && i + 1 < argc) path = argv[++i];
        else if (strcmp(argv[i], "--samples") == 0 && i + 1 < argc && (samples = strtoul(argv[++i], &end, 10), !*end))
            continue;
        else if (strcmp(argv[i], "--iters") == 0 && i + 1 < argc && (iters = strtoul(argv[++i], &end, 10), !*end))
            continue;
        else {
            fprintf(stderr, "usage: %s [--dir DIR] [--samples N] [--iters K] [--csv FILE]\n", argv[0]);
            return 2;
        }
    }
    char probe[4096];
    snprintf(probe, sizeof probe, "%s/train-images-idx3-ubyte.gz", dir);
    FILE *f = fopen(probe, "rb");
    if (!f) {
        printf("skipped: Fashion-MNIST not found in %s (Debian package dataset-fashion-mnist)\n", dir);
        return 0;
    }
    fclose(f);

    data d;
    memset(&d, 0, sizeof d);
    if (!load_train(&d, dir, samples) || !load_test(&d, dir)) return 1;
    FILE *csv = NULL;
    if (path) {
        if (!(csv = fopen(path, "w"))) {
            perror(path);
            return 1;
        }
        fprintf(csv, "part,k,loss,grad_norm\n");
    } else {
        printf("data:  Fashion-MNIST, %zu training images of 784 pixels -> 10 classes (one-hot), %zu test images\n",
               d.m, d.m_test);
        printf("data:  summarized once in %.2f s (streamed QR); network 784 -> %d -> %d -> 10, %d parameters\n",
               d.seconds, HID, HID, D0 * HID + HID * HID + HID * DL);
    }
    const size_t w[4] = {D0, HID, HID, DL};
    dln_net *start = NULL;
    double f0 = NAN;
    /* F at W = 0 is 1/2 mean ||y||^2 = 1/2 for one-hot targets */
    int good = ok(dln_net_create(&start, 3, w), "net", "") &&
               ok(dln_loss_value(d.loss, start, &f0), "value", dln_loss_errmsg(d.loss));
    if (good && !csv) printf("data:  mean pixel = %.9f, F(W = 0) = %.10f\n", d.mean_pixel, f0);
    good = good && ok(dln_net_init_orthogonal(start, 0.5, 1), "init", "") && raw(&d, start, iters, csv) &&
           whitened(&d, start, csv);
    if (csv) fclose(csv);
    dln_net_free(start);
    dln_loss_free(d.loss);
    dln_loss_free(d.subset);
    free(d.test_img), free(d.test_lab);
    return good ? 0 : 1;
}
