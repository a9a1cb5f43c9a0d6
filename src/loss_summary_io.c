/* loss_summary_io.c - the binary encoding of a data loss's summary, in a
 * buffer or a file (format: docs/summary_format.md, version 1).
 *
 * Everything is written byte by byte in little-endian order, so the format
 * does not depend on the host. The reader checks the header, then the total
 * size against the header, then the CRC-32, then the entries, and only then
 * allocates the loss: a file can make it allocate no more than its own size
 * promises and read nothing beyond the bytes it was given. */
#include "internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define HEADER 48
#define TRAILER 4
#define VERSION 1u
#define FLAG_MEAN 1u
static const unsigned char MAGIC[8] = {'D', 'L', 'N', 'S', 'U', 'M', 'R', 'Y'};

typedef struct header {
    uint32_t version, flags;
    uint64_t d0, dL, m, count;
} header;

static void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static void put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static uint32_t get_u32(const unsigned char *p)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) v |= (uint32_t)p[i] << (8 * i);
    return v;
}
static uint64_t get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* zlib's crc32 takes 32-bit lengths: feed it in pieces. */
static uint32_t crc_update(uint32_t crc, const unsigned char *p, size_t n)
{
    while (n > 0) {
        uInt k = n > (1u << 30) ? (1u << 30) : (uInt)n;
        crc = (uint32_t)crc32(crc, p, k);
        p += k, n -= k;
    }
    return crc;
}

/* Entries of the packed upper triangle of order na; total bytes of the encoding. */
static int sizes(uint64_t na, uint64_t *count, size_t *total)
{
    if (na > UINT32_MAX) return 0; /* na (na + 1) / 2 then fits 64 bits */
    *count = na * (na + 1) / 2;
    if (*count > (SIZE_MAX - HEADER - TRAILER) / 8) return 0;
    *total = HEADER + TRAILER + (size_t)*count * 8;
    return 1;
}

size_t dln_loss_encoded_size(const dln_loss *loss)
{
    uint64_t count;
    size_t total;
    if (!loss || loss->kind != DLN_LOSS_DATA || !sizes(loss->na, &count, &total)) return 0;
    return total;
}

/* The encoding goes through a sink (memory or file) a column at a time, with the CRC. */
typedef struct sink {
    int (*put)(struct sink *s, const unsigned char *p, size_t n);
    unsigned char *buf; /* memory sink: next byte */
    FILE *f;            /* file sink */
    uint32_t crc;
} sink;

static int put_mem(sink *s, const unsigned char *p, size_t n)
{
    memcpy(s->buf, p, n);
    s->buf += n;
    return 1;
}
static int put_file(sink *s, const unsigned char *p, size_t n) { return fwrite(p, 1, n, s->f) == n; }

static int emit(sink *s, const unsigned char *p, size_t n)
{
    s->crc = crc_update(s->crc, p, n);
    return s->put(s, p, n);
}

/* Header, columns of the factor (col: scratch of 8 na bytes), CRC. 0 if the sink failed. */
static int encode(const dln_loss *loss, sink *s, unsigned char *col)
{
    size_t na = loss->na;
    uint64_t count = 0;
    size_t total = 0;
    sizes(na, &count, &total); /* checked by the callers */
    unsigned char h[HEADER], t[TRAILER];
    memcpy(h, MAGIC, 8);
    put_u32(h + 8, VERSION), put_u32(h + 12, loss->mean ? FLAG_MEAN : 0);
    put_u64(h + 16, loss->d0), put_u64(h + 24, loss->dL), put_u64(h + 32, loss->m);
    put_u64(h + 40, count);
    s->crc = (uint32_t)crc32(0L, Z_NULL, 0);
    if (!emit(s, h, HEADER)) return 0;
    for (size_t j = 0; j < na; j++) {
        for (size_t i = 0; i <= j; i++) {
            uint64_t bits;
            memcpy(&bits, &loss->sum[dlni_summary_index(loss->d0, loss->dL, i, j)], 8);
            put_u64(col + 8 * i, bits);
        }
        if (!emit(s, col, 8 * (j + 1))) return 0;
    }
    put_u32(t, s->crc);
    return s->put(s, t, TRAILER);
}

dln_status dln_loss_encode(const dln_loss *loss, void *buf, size_t size)
{
    if (!loss || !buf) return DLN_E_NULL;
    if (loss->kind != DLN_LOSS_DATA) return DLN_E_UNSUPPORTED;
    size_t total = dln_loss_encoded_size(loss);
    if (total == 0 || size < total) return DLN_E_RANGE;
    unsigned char *col = malloc(8 * loss->na);
    if (!col) return DLN_E_NOMEM;
    sink s = {put_mem, buf, NULL, 0};
    encode(loss, &s, col);
    free(col);
    return DLN_OK;
}

static void set_msg(char *msg, size_t msgsize, const char *err)
{
    if (msg && msgsize) snprintf(msg, msgsize, "%s", err);
}

/* Check the header of size available bytes; *total is the size it implies. */
static dln_status parse_header(const unsigned char *p, size_t size, header *h, size_t *total,
                               char *err)
{
    if (size < HEADER)
        return dlni_fail(err, DLN_E_FORMAT, "truncated: %zu bytes, the header alone has %d",
                         size, HEADER);
    if (memcmp(p, MAGIC, 8) != 0)
        return dlni_fail(err, DLN_E_FORMAT, "not a libdlnet summary (no DLNSUMRY magic)");
    h->version = get_u32(p + 8), h->flags = get_u32(p + 12);
    h->d0 = get_u64(p + 16), h->dL = get_u64(p + 24), h->m = get_u64(p + 32);
    h->count = get_u64(p + 40);
    if (h->version != VERSION)
        return dlni_fail(err, DLN_E_FORMAT, "format version %u, this library reads version %u",
                         (unsigned)h->version, VERSION);
    if (h->flags & ~FLAG_MEAN)
        return dlni_fail(err, DLN_E_FORMAT, "unknown flags 0x%x", (unsigned)h->flags);
    if (h->d0 == 0 || h->dL == 0 || h->m == 0)
        return dlni_fail(err, DLN_E_FORMAT, "zero size in the header (d_0 %llu, d_L %llu, m %llu)",
                         (unsigned long long)h->d0, (unsigned long long)h->dL,
                         (unsigned long long)h->m);
    uint64_t count;
    if (h->d0 > SIZE_MAX || h->dL > SIZE_MAX || h->m > SIZE_MAX ||
        dlni_loss_check_shape((size_t)h->d0, (size_t)h->dL) != DLN_OK ||
        !sizes(h->d0 + h->dL, &count, total))
        return dlni_fail(err, DLN_E_OVERFLOW, "sizes d_0 = %llu, d_L = %llu are beyond range",
                         (unsigned long long)h->d0, (unsigned long long)h->dL);
    if (h->count != count)
        return dlni_fail(err, DLN_E_FORMAT, "header lists %llu entries, d_0 + d_L = %llu needs %llu",
                         (unsigned long long)h->count, (unsigned long long)(h->d0 + h->dL),
                         (unsigned long long)count);
    if (size != *total)
        return dlni_fail(err, DLN_E_FORMAT, "%s: %zu bytes, the header implies %zu",
                         size < *total ? "truncated" : "trailing bytes", size, *total);
    return DLN_OK;
}

static dln_status decode(dln_loss **out, const unsigned char *p, size_t size, char *err)
{
    header h;
    size_t total;
    dln_status st = parse_header(p, size, &h, &total, err);
    if (st != DLN_OK) return st;
    uint32_t crc = crc_update((uint32_t)crc32(0L, Z_NULL, 0), p, total - TRAILER);
    if (crc != get_u32(p + total - TRAILER))
        return dlni_fail(err, DLN_E_FORMAT, "checksum mismatch (corrupted data)");
    dln_loss *loss = dlni_loss_alloc(DLN_LOSS_DATA, (size_t)h.d0, (size_t)h.dL);
    if (!loss) return dlni_fail(err, DLN_E_NOMEM, "out of memory");
    size_t na = loss->na;
    const unsigned char *q = p + HEADER;
    for (size_t j = 0; j < na; j++)
        for (size_t i = 0; i <= j; i++, q += 8) {
            uint64_t bits = get_u64(q);
            double *e = &loss->sum[dlni_summary_index(loss->d0, loss->dL, i, j)];
            memcpy(e, &bits, 8);
            if (!isfinite(*e)) {
                dln_loss_free(loss);
                return dlni_fail(err, DLN_E_FORMAT, "entry (%zu, %zu) is not finite", i, j);
            }
        }
    loss->m = (size_t)h.m, loss->mean = (h.flags & FLAG_MEAN) != 0;
    dlni_loss_refresh(loss);
    *out = loss;
    return DLN_OK;
}

dln_status dln_loss_decode(dln_loss **out, const void *buf, size_t size, char *msg,
                           size_t msgsize)
{
    char err[DLNI_MSG] = "";
    dln_status st = !out || !buf ? dlni_fail(err, DLN_E_NULL, "out or buf is NULL")
                                 : decode(out, buf, size, err);
    if (st != DLN_OK) set_msg(msg, msgsize, err);
    return st;
}

static dln_status save(const dln_loss *loss, const char *path, char *err)
{
    if (!loss || !path) return dlni_fail(err, DLN_E_NULL, "loss or path is NULL");
    if (loss->kind != DLN_LOSS_DATA)
        return dlni_fail(err, DLN_E_UNSUPPORTED, "a target loss has no data summary to save");
    unsigned char *col = malloc(8 * loss->na);
    if (!col) return dlni_fail(err, DLN_E_NOMEM, "out of memory");
    dln_status st = DLN_OK;
    FILE *f = fopen(path, "wb");
    if (!f) {
        st = dlni_fail(err, DLN_E_IO, "cannot create %s: %s", path, strerror(errno));
    } else {
        sink s = {put_file, NULL, f, 0};
        int ok = encode(loss, &s, col);
        int e = errno;
        if (fclose(f) != 0 && ok) ok = 0, e = errno;
        if (!ok) st = dlni_fail(err, DLN_E_IO, "cannot write %s: %s", path, strerror(e));
    }
    free(col);
    return st;
}

dln_status dln_loss_save(const dln_loss *loss, const char *path, char *msg, size_t msgsize)
{
    char err[DLNI_MSG] = "";
    dln_status st = save(loss, path, err);
    if (st != DLN_OK) set_msg(msg, msgsize, err);
    return st;
}

/* The file's size, its header checked against it, then all of it decoded. */
static dln_status load(dln_loss **out, const char *path, char *err)
{
    if (!out || !path) return dlni_fail(err, DLN_E_NULL, "out or path is NULL");
    FILE *f = fopen(path, "rb");
    if (!f) return dlni_fail(err, DLN_E_IO, "cannot open %s: %s", path, strerror(errno));
    dln_status st = DLN_OK;
    unsigned char h[HEADER], *buf = NULL;
    long end = -1;
    if (fseek(f, 0, SEEK_END) != 0 || (end = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
        st = dlni_fail(err, DLN_E_IO, "cannot seek in %s", path);
    size_t size = end < 0 ? 0 : (size_t)end, got = 0, total = 0;
    header hd;
    if (st == DLN_OK) {
        got = fread(h, 1, size < HEADER ? size : HEADER, f);
        if (got != (size < HEADER ? size : HEADER))
            st = dlni_fail(err, DLN_E_IO, "cannot read %s", path);
        else
            st = parse_header(h, size, &hd, &total, err);
    }
    if (st == DLN_OK && !(buf = malloc(total)))
        st = dlni_fail(err, DLN_E_NOMEM, "out of memory");
    if (st == DLN_OK) {
        memcpy(buf, h, HEADER);
        if (fread(buf + HEADER, 1, total - HEADER, f) != total - HEADER)
            st = dlni_fail(err, DLN_E_IO, "cannot read %s (changed while reading?)", path);
        else
            st = decode(out, buf, total, err);
    }
    free(buf);
    fclose(f);
    return st;
}

dln_status dln_loss_load(dln_loss **out, const char *path, char *msg, size_t msgsize)
{
    char err[DLNI_MSG] = "";
    dln_status st = load(out, path, err);
    if (st != DLN_OK) set_msg(msg, msgsize, err);
    return st;
}
