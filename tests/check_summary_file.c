/* check_summary_file.c - the binary summary format (suite "summary_file",
 * docs/summary_format.md): the bytes of a small summary written out by
 * hand, round trips through buffers and files bit for bit, and a reader
 * that rejects every truncation, every single-bit corruption, a wrong
 * version, mismatched sizes and non-finite entries with a status and a
 * message, leaving *out alone. */
#define _POSIX_C_SOURCE 200809L
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

static void le(unsigned char *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static void le_double(unsigned char *p, double x)
{
    uint64_t b;
    memcpy(&b, &x, 8);
    le(p, b, 8);
}

/* Re-seal a modified encoding with a valid CRC (to reach the checks behind it). */
static void reseal(unsigned char *p, size_t size)
{
    le(p + size - 4, crc32(0L, p, (uInt)(size - 4)), 4);
}

static dln_loss *random_loss(tu_rng *r, size_t d0, size_t dL, size_t m, int mean)
{
    double *X = tu_padded(r, d0, m, d0), *Y = tu_padded(r, dL, m, dL);
    dln_loss *loss = NULL;
    ck_assert_ok(dln_loss_create_data(&loss, d0, dL, m, X, d0, Y, dL));
    ck_assert_ok(dln_loss_set_mean(loss, mean));
    free(X), free(Y);
    return loss;
}

/* Same effective summary, sample count and weighting, bit for bit. */
static void assert_same_loss(const dln_loss *a, const dln_loss *b)
{
    size_t d0 = dln_loss_input_dim(a), dL = dln_loss_output_dim(a);
    ck_assert_uint_eq(dln_loss_input_dim(b), d0);
    ck_assert_uint_eq(dln_loss_output_dim(b), dL);
    ck_assert_uint_eq(dln_loss_num_samples(a), dln_loss_num_samples(b));
    ck_assert_int_eq(dln_loss_get_mean(a), dln_loss_get_mean(b));
    double *Ra = malloc(d0 * d0 * sizeof *Ra), *Rb = malloc(d0 * d0 * sizeof *Rb);
    double *Ca = malloc(dL * d0 * sizeof *Ca), *Cb = malloc(dL * d0 * sizeof *Cb), ra, rb;
    ck_assert_ok(dln_loss_summary(a, Ra, d0, Ca, dL, &ra));
    ck_assert_ok(dln_loss_summary(b, Rb, d0, Cb, dL, &rb));
    ck_assert(memcmp(Ra, Rb, d0 * d0 * sizeof *Ra) == 0);
    ck_assert(memcmp(Ca, Cb, dL * d0 * sizeof *Ca) == 0);
    ck_assert(memcmp(&ra, &rb, sizeof ra) == 0);
    free(Ra), free(Rb), free(Ca), free(Cb);
}

START_TEST(bytes_of_a_small_summary)
{
    /* d_0 = d_L = 1, m = 3, mean form: raug = [[3, 2], [0, 4]] (sum form),
     * i.e. R = 3, C = 2, r0 = 16 summed, 1/3 of the squares in the mean form. */
    double R = 3.0 / sqrt(3.0), C = 2.0 / sqrt(3.0), r0 = 16.0 / 3.0;
    dln_loss *loss = NULL;
    ck_assert_ok(dln_loss_create_summary(&loss, 1, 1, 3, &R, 1, &C, 1, r0, 1));
    unsigned char want[76] = {'D', 'L', 'N', 'S', 'U', 'M', 'R', 'Y'};
    le(want + 8, 1, 4);  /* version */
    le(want + 12, 1, 4); /* flags: mean */
    le(want + 16, 1, 8), le(want + 24, 1, 8), le(want + 32, 3, 8), le(want + 40, 3, 8);
    double raug[3] = {3.0, 2.0, 4.0}; /* column 0: R; column 1: C, T */
    ck_assert_uint_eq(dln_loss_encoded_size(loss), 76);
    unsigned char buf[80];
    memset(buf, 0xAB, sizeof buf);
    ck_assert_ok(dln_loss_encode(loss, buf, sizeof buf));
    ck_assert(buf[76] == 0xAB && buf[79] == 0xAB); /* nothing beyond the encoding */
    ck_assert(memcmp(buf, want, 48) == 0);
    for (int i = 0; i < 3; i++) { /* little-endian entries; sqrt(3) (x / sqrt(3)) is x to an ulp */
        uint64_t bits = 0;
        for (int k = 0; k < 8; k++) bits |= (uint64_t)buf[48 + 8 * i + k] << (8 * k);
        double x;
        memcpy(&x, &bits, 8);
        ck_assert_msg(fabs(x - raug[i]) <= 4e-16 * raug[i], "entry %d: %.17g", i, x);
        le_double(want + 48 + 8 * i, x);
    }
    le(want + 72, crc32(0L, want, 72), 4);
    ck_assert(memcmp(buf, want, 76) == 0);
    /* the CRC is the standard CRC-32: check value of "123456789" */
    ck_assert_uint_eq(crc32(0L, (const unsigned char *)"123456789", 9), 0xCBF43926u);
    dln_loss_free(loss);
}
END_TEST

START_TEST(round_trips_bit_for_bit)
{
    tu_rng r;
    tu_seed(&r, 141);
    char dir[] = "/tmp/dlnet_summary_XXXXXX", path[64];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/s.dls", dir);
    for (int i = 0; i < tu_cases(12); i++) {
        size_t d0 = tu_int(&r, 1, 9), dL = tu_int(&r, 1, 5), m = tu_int(&r, 1, 700);
        dln_loss *a = random_loss(&r, d0, dL, m, i % 2), *b = NULL, *c = NULL;
        ck_assert_ok(dln_loss_set_l2_uniform(a, 0.5)); /* an option, not stored */
        size_t size = dln_loss_encoded_size(a), na = d0 + dL;
        ck_assert_uint_eq(size, 52 + 8 * na * (na + 1) / 2);
        unsigned char *buf = malloc(size);
        ck_assert_ok(dln_loss_encode(a, buf, size));
        ck_assert_ok(dln_loss_decode(&b, buf, size, NULL, 0));
        assert_same_loss(a, b);
        double lam = -1;
        ck_assert_ok(dln_loss_get_l2(b, 1, &lam));
        ck_assert(lam == 0.0);
        ck_assert_ok(dln_loss_save(a, path, NULL, 0));
        ck_assert_ok(dln_loss_load(&c, path, NULL, 0));
        assert_same_loss(a, c);
        /* the file holds exactly the encoding; a re-encoding of the decoded loss too */
        FILE *f = fopen(path, "rb");
        unsigned char *fb = malloc(size + 1);
        ck_assert_uint_eq(fread(fb, 1, size + 1, f), size);
        fclose(f);
        ck_assert(memcmp(fb, buf, size) == 0);
        ck_assert_ok(dln_loss_encode(c, fb, size));
        ck_assert(memcmp(fb, buf, size) == 0);
        free(fb), free(buf);
        /* a loss made from a summary encodes and decodes bit for bit too */
        double *R = malloc(d0 * d0 * sizeof *R), *C = malloc(dL * d0 * sizeof *C), r0;
        dln_loss *s1 = NULL, *s2 = NULL;
        ck_assert_ok(dln_loss_summary(a, R, d0, C, dL, &r0));
        ck_assert_ok(dln_loss_create_summary(&s1, d0, dL, m, R, d0, C, dL, r0, i % 2));
        buf = malloc(size);
        ck_assert_ok(dln_loss_encode(s1, buf, size));
        ck_assert_ok(dln_loss_decode(&s2, buf, size, NULL, 0));
        assert_same_loss(s1, s2);
        free(R), free(C), free(buf);
        dln_loss_free(s1), dln_loss_free(s2);
        dln_loss_free(a), dln_loss_free(b), dln_loss_free(c);
    }
    unlink(path);
    rmdir(dir);
}
END_TEST

/* decode must fail with a message and leave *out alone. */
static dln_status rejects(const unsigned char *buf, size_t size)
{
    dln_loss *sentinel = (dln_loss *)&sentinel, *out = sentinel;
    char msg[200] = "";
    dln_status st = dln_loss_decode(&out, buf, size, msg, sizeof msg);
    ck_assert_msg(st != DLN_OK, "accepted %zu bytes", size);
    ck_assert_ptr_eq(out, sentinel);
    ck_assert_msg(strlen(msg) > 0, "no message for status %d", (int)st);
    return st;
}

static void expect_format(unsigned char *buf, size_t size, const char *needle)
{
    char msg[200] = "";
    dln_loss *out = NULL;
    ck_assert_int_eq(dln_loss_decode(&out, buf, size, msg, sizeof msg), DLN_E_FORMAT);
    ck_assert_msg(strstr(msg, needle) != NULL, "message \"%s\" lacks \"%s\"", msg, needle);
    ck_assert_ptr_null(out);
}

START_TEST(reader_rejects_bad_data)
{
    tu_rng r;
    tu_seed(&r, 142);
    dln_loss *a = random_loss(&r, 3, 2, 20, 0);
    size_t size = dln_loss_encoded_size(a);
    unsigned char *buf = malloc(size + 1), *bad = malloc(size + 1);
    ck_assert_ok(dln_loss_encode(a, buf, size));
    /* every truncation and one trailing byte */
    for (size_t n = 0; n < size; n++) {
        unsigned char *exact = malloc(n ? n : 1); /* exactly n bytes: asan sees any overread */
        memcpy(exact, buf, n);
        ck_assert_int_eq(rejects(exact, n), DLN_E_FORMAT);
        free(exact);
    }
    memcpy(bad, buf, size);
    bad[size] = 0;
    expect_format(bad, size + 1, "trailing");
    expect_format(buf, size - 1, "truncated");
    /* every single-bit corruption */
    for (size_t k = 0; k < 8 * size; k++) {
        memcpy(bad, buf, size);
        bad[k / 8] ^= (unsigned char)(1u << (k % 8));
        rejects(bad, size);
    }
    /* sealed corruptions reach the checks behind the CRC */
    memcpy(bad, buf, size), bad[8] = 2, reseal(bad, size);
    expect_format(bad, size, "version 2");
    memcpy(bad, buf, size), bad[0] = 'X', reseal(bad, size);
    expect_format(bad, size, "magic");
    memcpy(bad, buf, size), bad[13] = 1, reseal(bad, size);
    expect_format(bad, size, "flags");
    memcpy(bad, buf, size), le(bad + 24, 3, 8), reseal(bad, size); /* d_L 3: 21 entries */
    expect_format(bad, size, "needs 21");
    memcpy(bad, buf, size), le(bad + 40, 14, 8), reseal(bad, size);
    expect_format(bad, size, "lists 14");
    memcpy(bad, buf, size), le(bad + 32, 0, 8), reseal(bad, size);
    expect_format(bad, size, "zero size");
    memcpy(bad, buf, size), le_double(bad + 48 + 8 * 4, NAN), reseal(bad, size);
    expect_format(bad, size, "not finite");
    memcpy(bad, buf, size), bad[size - 1] ^= 1;
    expect_format(bad, size, "checksum");
    /* a header that promises 2^40 features: rejected before any allocation */
    memcpy(bad, buf, size), le(bad + 16, (uint64_t)1 << 40, 8), reseal(bad, size);
    ck_assert_int_eq(rejects(bad, size), DLN_E_OVERFLOW);
    memcpy(bad, buf, size), le(bad + 16, 100000, 8), le(bad + 40, (uint64_t)100002 * 100003 / 2, 8);
    reseal(bad, size);
    expect_format(bad, size, "truncated");
    /* NULLs; a message buffer of size 1 holds just the terminator */
    dln_loss *out = NULL;
    char one[1] = {'x'};
    ck_assert_int_eq(dln_loss_decode(NULL, buf, size, NULL, 0), DLN_E_NULL);
    ck_assert_int_eq(dln_loss_decode(&out, NULL, size, one, 1), DLN_E_NULL);
    ck_assert(one[0] == '\0');
    ck_assert_ptr_null(out);
    free(buf), free(bad);
    dln_loss_free(a);
}
END_TEST

START_TEST(file_and_encode_errors)
{
    tu_rng r;
    tu_seed(&r, 143);
    dln_loss *a = random_loss(&r, 2, 2, 5, 1), *t = NULL, *out = NULL;
    double phi[4] = {1, 2, 3, 4};
    ck_assert_ok(dln_loss_create_target(&t, 2, 2, phi, 2));
    char msg[200];
    ck_assert_int_eq(dln_loss_load(&out, "/nonexistent/dir/s.dls", msg, sizeof msg), DLN_E_IO);
    ck_assert_ptr_nonnull(strstr(msg, "/nonexistent/dir/s.dls"));
    ck_assert_int_eq(dln_loss_save(a, "/nonexistent/dir/s.dls", msg, sizeof msg), DLN_E_IO);
    ck_assert_ptr_nonnull(strstr(msg, "cannot create"));
    ck_assert_int_eq(dln_loss_load(&out, "/", msg, sizeof msg) != DLN_OK, 1); /* a directory */
    ck_assert_int_eq(dln_loss_save(t, "/tmp/x.dls", msg, sizeof msg), DLN_E_UNSUPPORTED);
    ck_assert_int_eq(dln_loss_save(NULL, "/tmp/x.dls", NULL, 0), DLN_E_NULL);
    ck_assert_int_eq(dln_loss_save(a, NULL, NULL, 0), DLN_E_NULL);
    ck_assert_int_eq(dln_loss_load(NULL, "/tmp/x.dls", NULL, 0), DLN_E_NULL);
    ck_assert_int_eq(dln_loss_load(&out, NULL, NULL, 0), DLN_E_NULL);
    /* a truncated file */
    char dir[] = "/tmp/dlnet_summary_XXXXXX", path[64];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/t.dls", dir);
    size_t size = dln_loss_encoded_size(a);
    unsigned char *buf = malloc(size);
    ck_assert_ok(dln_loss_encode(a, buf, size));
    FILE *f = fopen(path, "wb");
    ck_assert_uint_eq(fwrite(buf, 1, size - 8, f), size - 8);
    fclose(f);
    ck_assert_int_eq(dln_loss_load(&out, path, msg, sizeof msg), DLN_E_FORMAT);
    ck_assert_ptr_nonnull(strstr(msg, "truncated"));
    ck_assert_ptr_null(out);
    unlink(path);
    rmdir(dir);
    /* encode: sizes, NULLs, target */
    ck_assert_uint_eq(dln_loss_encoded_size(NULL), 0);
    ck_assert_uint_eq(dln_loss_encoded_size(t), 0);
    memset(buf, 0xAB, size);
    ck_assert_int_eq(dln_loss_encode(a, buf, size - 1), DLN_E_RANGE);
    ck_assert(buf[0] == 0xAB);
    ck_assert_int_eq(dln_loss_encode(NULL, buf, size), DLN_E_NULL);
    ck_assert_int_eq(dln_loss_encode(a, NULL, size), DLN_E_NULL);
    ck_assert_int_eq(dln_loss_encode(t, buf, size), DLN_E_UNSUPPORTED);
    ck_assert_str_eq(dln_strerror(DLN_E_IO), "file could not be opened, read or written");
    ck_assert_ptr_nonnull(strstr(dln_strerror(DLN_E_FORMAT), "corrupted"));
    free(buf);
    dln_loss_free(a), dln_loss_free(t);
}
END_TEST

Suite *suite_summary_file(void)
{
    Suite *s = suite_create("summary_file");
    TCase *tc = tcase_create("summary_file");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, bytes_of_a_small_summary);
    tcase_add_test(tc, round_trips_bit_for_bit);
    tcase_add_test(tc, reader_rejects_bad_data);
    tcase_add_test(tc, file_and_encode_errors);
    suite_add_tcase(s, tc);
    return s;
}
