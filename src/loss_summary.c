/* loss_summary.c - the kernel of the data summary: samples -> R_aug, by
 * blocks, in the library's own threads.
 *
 * The summary is the upper triangular R_aug (na x na, na = d_0 + d_L) with
 * R_aug^T R_aug = sum over samples of a a^T, a = [x; y]; the loss holds
 * it as its blocks (dlni_summary_pack), the workers in the na x na form.
 * Samples are columns of X and Y, so a block of b samples packed as
 * A = [X_b; Y_b] (na x b) is a column copy; it is packed one cache-sized
 * panel at a time. Each block takes one of two paths:
 *
 * Fast path: a Cholesky update preconditioned by the factor so far. With
 * Z = R_aug^{-T} A,  R_aug^T R_aug + A A^T = R_aug^T (I + Z Z^T) R_aug, and
 * with I + Z Z^T = U^T U the new factor is U R_aug. The data meet BLAS-3 on
 * the wide block only: a TRMM by R_aug^{-1} (inverted once per block) and a
 * SYRK. No Gram matrix of the data is ever formed and the factor changes by
 * a well-conditioned multiplication, so nothing is obtained by subtraction:
 * r0 = ||T||^2 stays relatively accurate. Rounding enters through Z: the
 * computed Z is the exact Z of data perturbed by about eps * cond(R_aug D)
 * |A| (D any column scaling; Z does not change with it). Hence the path is
 * taken only when the column-equilibrated R_aug is well conditioned
 * (FAST_COND_MAX) and the block is not large against the samples before it
 * (trace Z Z^T <= FAST_GROWTH_MAX * na, which bounds cond(I + Z Z^T)).
 *
 * Householder path (TSQR, LAPACK dtpqrt on the transposed block): the first
 * block, rank-deficient or ill-conditioned data, near-exact fits (T, hence
 * R_aug, nearly singular): exactly the cases where only the QR is accurate.
 *
 * Threads: the samples are cut into one contiguous range per thread; each
 * thread summarizes its range into its own factor (worker 0 continues the
 * loss's factor) and the factors are merged in thread order by a TSQR
 * combine, so the same thread count gives the same bits. */
#include "internal.h"
#include "linalg.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FAST_COND_MAX 1e4     /* largest cond_1 of the equilibrated R_aug for the fast path */
#define FAST_GROWTH_MAX 4.0   /* largest trace(Z Z^T) / na for the fast path */
#define BLOCK_MIN 512         /* samples per block at least... */
#define BLOCK_PER_NA 16       /* ...and 16 na: the O(na^3) work per block stays ~5% */
#define PANEL_DOUBLES (1 << 17) /* 1 MiB: a packed panel stays in the 2 MiB L2 */
#define PANEL_MIN 64
#define BLOCKS_PER_THREAD 2   /* fewer threads when a range would have fewer blocks */

size_t dlni_summary_block(size_t na)
{
    return na > BLOCK_MIN / BLOCK_PER_NA ? BLOCK_PER_NA * na : BLOCK_MIN;
}

/* Samples per panel: a block is packed, multiplied and folded into
 * I + Z Z^T one panel at a time, so that the packed samples are read from
 * the cache, not from memory, by the TRMM and the SYRK. */
static size_t panel_size(size_t na, size_t b)
{
    size_t p = PANEL_DOUBLES / na > PANEL_MIN ? PANEL_DOUBLES / na : PANEL_MIN;
    return p < b ? p : b;
}

typedef struct worker {
    size_t d0, dL, na, b, panel; /* widths, samples per block and per panel */
    const double *X, *Y;     /* this worker's first sample */
    size_t ldx, ldy, m, first; /* m samples, columns first.. of the call */
    double *ra;              /* na x na factor (upper; zeros below) */
    double *a;               /* panel: na x panel packed, or panel x na (Householder path) */
    double *inv, *s, *work;  /* R_aug^{-1} or its equilibrated copy; I + Z Z^T; LAPACK */
    size_t m_acc;            /* samples in ra */
    size_t bad, bad_last;    /* columns (of the call) of a non-finite block; SIZE_MAX: none */
    int rc;                  /* LA_OK or the first failing LAPACK code */
} worker;

/* 1 if the column-equilibrated factor is well conditioned enough. */
static int fast_cond_ok(worker *w)
{
    size_t na = w->na;
    la_copy(na, na, w->ra, na, w->inv, na);
    for (size_t j = 0; j < na; j++) {
        double c = la_nrm2(j + 1, w->inv + j * na);
        if (c == 0.0) return 0;
        la_scal(j + 1, 1.0 / c, w->inv + j * na);
    }
    double rcond = 0.0;
    return la_trcon_upper(na, w->inv, na, &rcond, w->work) == LA_OK &&
           rcond * FAST_COND_MAX >= 1.0;
}

/* Fast path on samples s..s+bb-1 of the worker, packed panel by panel.
 * 0 (ra unchanged) when the block must take the Householder path, which
 * also catches NaN and Inf: they reach the diagonal of Z Z^T (the diagonal
 * of R_aug^{-1} is nonzero), so the growth test fails on them. */
static int fast_update(worker *w, size_t s, size_t bb)
{
    size_t na = w->na;
    if (w->m_acc < na || !fast_cond_ok(w)) return 0;
    la_copy(na, na, w->ra, na, w->inv, na);
    if (la_trtri_upper(na, w->inv, na) != LA_OK) return 0;
    la_set_identity(na, na, w->s, na);
    for (size_t p = s, pb; p < s + bb; p += pb) {
        pb = s + bb - p < w->panel ? s + bb - p : w->panel;
        la_copy(w->d0, pb, w->X + p * w->ldx, w->ldx, w->a, na);
        la_copy(w->dL, pb, w->Y + p * w->ldy, w->ldy, w->a + w->d0, na);
        la_trmm_left_upper(LA_T, na, pb, 1.0, w->inv, na, w->a, na); /* Z of the panel */
        la_syrk(na, pb, w->a, na, 1.0, w->s, na);
    }
    double growth = 0.0;
    for (size_t j = 0; j < na; j++) growth += w->s[j + j * na] - 1.0;
    if (!(growth <= FAST_GROWTH_MAX * (double)na)) return 0;
    if (la_potrf_upper(na, w->s, na) != LA_OK) return 0;
    la_trmm_left_upper(LA_N, na, na, 1.0, w->s, na, w->ra, na); /* U R_aug */
    return 1;
}

/* Householder path on samples s..s+bb-1, panel by panel, each packed as
 * pb x na (the transpose, in cache tiles). 0 if the block has a NaN or Inf
 * (then ra is spoiled: the caller discards the worker's factor). */
static int householder_update(worker *w, size_t s, size_t bb)
{
    size_t na = w->na;
    for (size_t p = s, pb; p < s + bb && w->rc == LA_OK; p += pb) {
        pb = s + bb - p < w->panel ? s + bb - p : w->panel;
        la_copy_t(w->d0, pb, w->X + p * w->ldx, w->ldx, w->a, pb);
        la_copy_t(w->dL, pb, w->Y + p * w->ldy, w->ldy, w->a + w->d0 * pb, pb);
        if (!la_all_finite(pb * na, 1, w->a, pb * na)) return 0;
        w->rc = la_tpqrt(pb, na, w->ra, na, w->a, pb, w->work);
    }
    return 1;
}

/* Samples in the next block: b, but at first no more than the factor has
 * seen (the first block 2 na), so that the fast path's growth test passes
 * on data whose blocks look alike and the Householder warm-up stays short. */
static size_t block_size(const worker *w, size_t left)
{
    size_t bb = w->b;
    if (w->m_acc < bb) bb = w->m_acc > 2 * w->na ? w->m_acc : 2 * w->na;
    if (bb > w->b) bb = w->b;
    return bb < left ? bb : left;
}

static void *run(void *arg)
{
    worker *w = arg;
    for (size_t s = 0, bb; s < w->m && w->rc == LA_OK; s += bb) {
        bb = block_size(w, w->m - s);
        if (!fast_update(w, s, bb) && !householder_update(w, s, bb)) {
            w->bad = w->first + s, w->bad_last = w->first + s + bb - 1;
            break;
        }
        w->m_acc += bb;
    }
    return NULL;
}

/* Doubles per worker: inv, s and ra (na x na each), a panel, LAPACK work. */
static size_t worker_doubles(size_t na, size_t panel)
{
    size_t ws = 2 * la_tpqrt_nb(na) * na, wc = la_trcon_wsize(na);
    return 3 * na * na + na * panel + (ws > wc ? ws : wc);
}

/* Threads to use for m samples: each range gets BLOCKS_PER_THREAD blocks. */
static size_t thread_count(size_t nthreads, size_t m, size_t b)
{
    size_t t = m / (BLOCKS_PER_THREAD * b);
    if (t > nthreads) t = nthreads;
    return t ? t : 1;
}

/* Workers for m samples: ranges of whole blocks, one allocation each; worker
 * 0 continues the factor in sum (m_prev samples). 0 on allocation failure. */
static int workers_init(worker *ws, size_t nt, const worker *proto, const double *sum,
                        size_t m_prev)
{
    size_t na = proto->na, m = proto->m, b = proto->b, panel = proto->panel;
    size_t per = (m / nt + b - 1) / b * b;
    for (size_t t = 0; t < nt; t++) {
        worker *w = &ws[t];
        size_t first = t * per < m ? t * per : m;
        *w = *proto;
        w->X += first * w->ldx, w->Y += first * w->ldy, w->first = first;
        w->m = t + 1 == nt || per > m - first ? m - first : per;
        w->m_acc = t == 0 ? m_prev : 0;
        double *mem = dlni_alloc(worker_doubles(na, panel));
        if (!mem) return 0;
        w->inv = mem, w->s = mem + na * na, w->ra = mem + 2 * na * na, w->a = mem + 3 * na * na;
        w->work = w->a + na * panel;
        if (t == 0)
            dlni_summary_unpack(proto->d0, proto->dL, sum, w->ra);
        else
            memset(w->ra, 0, na * na * sizeof *w->ra);
    }
    return 1;
}

void dlni_summary_unpack(size_t d0, size_t dL, const double *sum, double *raug)
{
    size_t na = d0 + dL;
    memset(raug, 0, na * na * sizeof *raug);
    for (size_t j = 0; j < na; j++)
        for (size_t i = 0; i <= j; i++) raug[i + j * na] = sum[dlni_summary_index(d0, dL, i, j)];
}

void dlni_summary_pack(size_t d0, size_t dL, const double *raug, double *sum)
{
    size_t na = d0 + dL;
    for (size_t j = 0; j < na; j++)
        for (size_t i = 0; i <= j; i++) sum[dlni_summary_index(d0, dL, i, j)] = raug[i + j * na];
}

/* Run workers 1.. in threads and worker 0 here; a worker whose thread could
 * not start runs here too. */
static void workers_run(worker *ws, size_t nt, pthread_t *tid, int *started)
{
    for (size_t t = 1; t < nt; t++) started[t] = pthread_create(&tid[t], NULL, run, &ws[t]) == 0;
    run(&ws[0]);
    for (size_t t = 1; t < nt; t++) {
        if (started[t])
            pthread_join(tid[t], NULL);
        else
            run(&ws[t]);
    }
}

double dlni_summary_tail_sumsq(const double *T, size_t ldt, size_t dL)
{
    double ss = 0.0;
    for (size_t j = 0; j < dL; j++) {
        double c = la_nrm2(j + 1, T + j * ldt);
        ss += c * c;
    }
    return ss;
}

/* The first failure of the workers, or their factors merged into sum. */
static dln_status workers_finish(worker *ws, size_t nt, double *sum, char *err)
{
    size_t na = ws[0].na, d0 = ws[0].d0, bad = SIZE_MAX, last = 0;
    int rc = LA_OK;
    for (size_t t = 0; t < nt; t++) {
        if (ws[t].bad < bad) bad = ws[t].bad, last = ws[t].bad_last;
        if (rc == LA_OK) rc = ws[t].rc;
    }
    if (bad != SIZE_MAX)
        return dlni_fail(err, DLN_E_NONFINITE,
                         "a sample in columns %zu..%zu of X or Y is NaN or Inf", bad, last);
    for (size_t t = 1; t < nt && rc == LA_OK; t++)
        rc = la_tpqrt_tri(na, ws[0].ra, na, ws[t].ra, na, ws[0].work);
    dln_status st = dlni_la_status(err, rc, "QR update of the data summary");
    const double *ra = ws[0].ra;
    if (st == DLN_OK && !(la_all_finite(na, na, ra, na) &&
                          isfinite(dlni_summary_tail_sumsq(ra + d0 + d0 * na, na, ws[0].dL))))
        st = dlni_fail(err, DLN_E_NONFINITE,
                       "the data summary overflows: sums of squares beyond the double range");
    if (st == DLN_OK) dlni_summary_pack(d0, ws[0].dL, ra, sum);
    return st;
}

dln_status dlni_summary_absorb(double *sum, size_t m_prev, size_t d0, size_t dL, size_t m,
                               const double *X, size_t ldx, const double *Y, size_t ldy,
                               size_t nthreads, char *err)
{
    size_t na = d0 + dL, b = dlni_summary_block(na), nt = thread_count(nthreads, m, b);
    worker proto = {.d0 = d0, .dL = dL, .na = na, .b = b, .panel = panel_size(na, b), .X = X,
                    .Y = Y, .ldx = ldx, .ldy = ldy, .m = m, .bad = SIZE_MAX};
    worker *ws = calloc(nt, sizeof *ws);
    pthread_t *tid = calloc(nt, sizeof *tid);
    int *started = calloc(nt, sizeof *started);
    dln_status st;
    if (ws && tid && started && workers_init(ws, nt, &proto, sum, m_prev)) {
        workers_run(ws, nt, tid, started);
        st = workers_finish(ws, nt, sum, err);
    } else {
        st = dlni_fail(err, DLN_E_NOMEM, "out of memory");
    }
    for (size_t t = 0; ws && t < nt; t++) free(ws[t].inv);
    free(ws), free(tid), free(started);
    return st;
}

dln_status dln_loss_set_threads(dln_loss *loss, size_t nthreads)
{
    if (!loss) return DLN_E_NULL;
    if (nthreads < 1 || nthreads > DLN_THREADS_MAX)
        return dlni_fail(loss->err, DLN_E_RANGE, "nthreads = %zu is outside 1..%d", nthreads,
                         DLN_THREADS_MAX);
    if (loss->kind != DLN_LOSS_DATA)
        return dlni_fail(loss->err, DLN_E_UNSUPPORTED, "library threads need a data loss");
    loss->threads = nthreads;
    return DLN_OK;
}

size_t dln_loss_get_threads(const dln_loss *loss) { return loss ? loss->threads : 0; }
