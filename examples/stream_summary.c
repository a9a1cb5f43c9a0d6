/* stream_summary.c - summarize a data set larger than memory, streamed from
 * disk in chunks, with progress, a checkpoint file and constant memory.
 *
 * The data file holds samples one per row: d_0 inputs then d_L targets,
 * each a float64 in the machine's byte order (numpy.tofile of an
 * N x (d_0 + d_L) array). Read as column-major with ld = d_0 + d_L, a chunk
 * of rows is X (d_0 x rows) and Y (d_L x rows) without a copy
 * (docs/conventions.md §2). Memory: one chunk buffer plus the summary,
 * O((d_0 + d_L)^2), whatever the number of samples N.
 *
 *  1. The first chunk creates the loss; the others go through
 *     dln_loss_add_samples_progress(), which reports after every block of
 *     samples (printed as a percentage of the whole file).
 *  2. The summary is saved (dln_loss_save(), docs/summary_format.md) and
 *     read back: the reloaded loss gives the same values, bit for bit.
 *  3. Everything after the summary costs the same for any N: the loss at
 *     W = 0 and at the least-squares optimum (F* = r0/2, mean form) and a
 *     short L-BFGS run of a depth-2 network.
 *
 * Usage: stream_summary FILE D0 DL [--chunk ROWS] [--block ROWS] [--save PATH]
 *        stream_summary --write FILE N D0 DL SEED   (synthetic data:
 *            y = A x + 0.1 noise, x and A standard normal, written in chunks) */
#include <dlnet.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WRITE_CHUNK 4096

static int die(const char *what, dln_status st, const char *detail)
{
    fprintf(stderr, "stream_summary: %s: %s (%s)\n", what, dln_strerror(st), detail ? detail : "");
    return 1;
}

/* Seeded normal numbers (xorshift64* and Box-Muller): reproducible data. */
static double normal(uint64_t *s)
{
    double u[2];
    for (int k = 0; k < 2; k++) {
        *s ^= *s >> 12, *s ^= *s << 25, *s ^= *s >> 27;
        u[k] = ((double)((*s * 2685821657736338717ull) >> 11) + 0.5) / 9007199254740992.0;
    }
    return sqrt(-2.0 * log(u[0])) * cos(6.283185307179586 * u[1]);
}

static int write_data(const char *path, size_t n, size_t d0, size_t dL, uint64_t seed)
{
    size_t w = d0 + dL;
    double *A = malloc(dL * d0 * sizeof *A), *row = malloc(WRITE_CHUNK * w * sizeof *row);
    FILE *f = fopen(path, "wb");
    uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
    int bad = !A || !row || !f;
    for (size_t t = 0; !bad && t < dL * d0; t++) A[t] = normal(&s);
    for (size_t done = 0; !bad && done < n;) {
        size_t rows = n - done < WRITE_CHUNK ? n - done : WRITE_CHUNK;
        for (size_t r = 0; r < rows; r++) {
            double *x = row + r * w, *y = x + d0;
            for (size_t j = 0; j < d0; j++) x[j] = normal(&s);
            for (size_t i = 0; i < dL; i++) {
                y[i] = 0.1 * normal(&s);
                for (size_t j = 0; j < d0; j++) y[i] += A[i + j * dL] * x[j];
            }
        }
        bad = fwrite(row, sizeof *row * w, rows, f) != rows;
        done += rows;
    }
    if (f && fclose(f) != 0) bad = 1;
    free(A), free(row);
    if (bad) fprintf(stderr, "stream_summary: cannot write %s\n", path);
    else printf("wrote %zu samples of %zu + %zu values to %s\n", n, d0, dL, path);
    return bad;
}

typedef struct progress_ctx {
    size_t file_samples, before; /* samples in the file; in the loss before this chunk */
} progress_ctx;

static int on_block(const dln_summary_progress *p, void *user)
{
    const progress_ctx *c = user;
    size_t now = c->before + p->samples_done;
    printf("progress: %zu / %zu samples (%.1f%%)\n", now, c->file_samples,
           100.0 * (double)now / (double)c->file_samples);
    return 0; /* a nonzero return would stop here, keeping the samples so far */
}

static int summarize(const char *path, size_t d0, size_t dL, size_t chunk, size_t block,
                     const char *save)
{
    size_t w = d0 + dL;
    FILE *f = fopen(path, "rb");
    if (!f || fseek(f, 0, SEEK_END) != 0) return die("open", DLN_E_IO, path);
    long bytes = ftell(f);
    rewind(f);
    if (bytes <= 0 || (size_t)bytes % (w * sizeof(double)) != 0) {
        fclose(f);
        return die("size", DLN_E_DIM, "not a whole number of samples");
    }
    progress_ctx ctx = {(size_t)bytes / (w * sizeof(double)), 0};
    printf("data: %s, %zu samples of %zu inputs and %zu targets, chunks of %zu rows\n", path,
           ctx.file_samples, d0, dL, chunk);
    printf("memory: one chunk buffer of %zu doubles + the summary of order %zu\n", chunk * w, w);
    double *buf = malloc(chunk * w * sizeof *buf);
    dln_loss *loss = NULL;
    dln_status st = buf ? DLN_OK : DLN_E_NOMEM;
    size_t rows;
    while (st == DLN_OK && (rows = fread(buf, w * sizeof *buf, chunk, f)) > 0) {
        if (!loss) { /* the first chunk creates the loss, in the mean form */
            st = dln_loss_create_data(&loss, d0, dL, rows, buf, w, buf + d0, w);
            if (st == DLN_OK) st = dln_loss_set_mean(loss, 1);
            if (st == DLN_OK) printf("progress: %zu / %zu samples (%.1f%%)\n", rows,
                                     ctx.file_samples, 100.0 * (double)rows / (double)ctx.file_samples);
        } else {
            ctx.before = dln_loss_num_samples(loss);
            st = dln_loss_add_samples_progress(loss, rows, buf, w, buf + d0, w, block, on_block,
                                               &ctx, NULL);
        }
    }
    fclose(f);
    free(buf);
    if (st != DLN_OK || !loss) {
        int rc = die("summary", st ? st : DLN_E_IO, loss ? dln_loss_errmsg(loss) : path);
        dln_loss_free(loss);
        return rc;
    }
    printf("summary: m = %zu samples, R %zu x %zu, C %zu x %zu\n", dln_loss_num_samples(loss), d0,
           d0, dL, d0);

    /* checkpoint: save, reload, same loss */
    char msg[200];
    dln_loss *back = NULL;
    if ((st = dln_loss_save(loss, save, msg, sizeof msg)) ||
        (st = dln_loss_load(&back, save, msg, sizeof msg))) {
        dln_loss_free(loss);
        return die("checkpoint", st, msg);
    }
    size_t d[3] = {d0, d0 < dL ? d0 : dL, dL};
    dln_net *net = NULL;
    double f0 = 0, f0b = 0, r0 = 0;
    st = dln_net_create(&net, 2, d);
    if (st == DLN_OK) st = dln_loss_value(loss, net, &f0);
    if (st == DLN_OK) st = dln_loss_value(back, net, &f0b);
    if (st == DLN_OK) st = dln_loss_summary(loss, NULL, 0, NULL, 0, &r0);
    printf("checkpoint: %s, %zu bytes, reloaded F(0) %s\n", save, dln_loss_encoded_size(loss),
           memcmp(&f0, &f0b, sizeof f0) == 0 ? "identical" : "DIFFERENT");
    printf("loss: F(W = 0) = %.10f, least-squares optimum F* = r0/2 = %.10f\n", f0, r0 / 2);

    /* a depth-2 network trained on the summary: cost independent of m */
    dln_opt *opt = NULL;
    dln_opt_report rep = {.struct_size = sizeof rep};
    if (st == DLN_OK) st = dln_net_init_gaussian(net, 0.1, 7);
    if (st == DLN_OK) st = dln_opt_create(&opt, DLN_OPT_LBFGS);
    if (st == DLN_OK) st = dln_opt_set_max_iter(opt, 300);
    if (st == DLN_OK) st = dln_opt_run(opt, loss, net, &rep);
    if (st == DLN_OK)
        printf("train: L-BFGS %zu iterations, F = %.10f, F - F* = %.3e\n", rep.iterations,
               rep.loss, rep.loss - r0 / 2);
    else
        die("train", st, opt ? dln_opt_errmsg(opt) : "");
    dln_opt_free(opt);
    dln_net_free(net);
    dln_loss_free(loss), dln_loss_free(back);
    return st != DLN_OK;
}

int main(int argc, char **argv)
{
    if (argc == 7 && strcmp(argv[1], "--write") == 0)
        return write_data(argv[2], strtoull(argv[3], NULL, 10), strtoull(argv[4], NULL, 10),
                          strtoull(argv[5], NULL, 10), strtoull(argv[6], NULL, 10));
    if (argc < 4 || argc % 2) {
        fprintf(stderr, "usage: stream_summary FILE D0 DL [--chunk ROWS] [--block ROWS] [--save PATH]\n"
                        "       stream_summary --write FILE N D0 DL SEED\n");
        return 2;
    }
    size_t chunk = 65536, block = 0;
    const char *save = "stream_summary.dls";
    for (int a = 4; a + 1 < argc; a += 2) {
        if (strcmp(argv[a], "--chunk") == 0) chunk = strtoull(argv[a + 1], NULL, 10);
        else if (strcmp(argv[a], "--block") == 0) block = strtoull(argv[a + 1], NULL, 10);
        else if (strcmp(argv[a], "--save") == 0) save = argv[a + 1];
        else return die("usage", DLN_E_RANGE, argv[a]);
    }
    size_t d0 = strtoull(argv[2], NULL, 10), dL = strtoull(argv[3], NULL, 10);
    if (d0 == 0 || dL == 0 || chunk == 0) return die("usage", DLN_E_DIM, "D0, DL, ROWS >= 1");
    return summarize(argv[1], d0, dL, chunk, block, save);
}
