/* status.c - status texts, error details, version, small allocation helpers. */
#include "internal.h"
#include "linalg.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One list of codes and texts; the enum values themselves are fixed in dlnet.h. */
#define DLNI_STATUS_LIST(X)                                                        \
    X(DLN_OK, "success")                                                           \
    X(DLN_E_NULL, "a required handle or pointer is NULL")                          \
    X(DLN_E_DIM, "invalid or mismatched dimensions")                               \
    X(DLN_E_LD, "leading dimension too small")                                     \
    X(DLN_E_NONFINITE, "non-finite (NaN or Inf) value")                            \
    X(DLN_E_OVERFLOW, "size exceeds the BLAS integer or address range")            \
    X(DLN_E_RANGE, "option or argument out of range")                              \
    X(DLN_E_NOMEM, "out of memory")                                                \
    X(DLN_E_LAPACK, "a LAPACK routine failed")                                     \
    X(DLN_E_NOCONV, "iterative method did not converge")                           \
    X(DLN_E_TOO_LARGE, "requested dense object is too large")                      \
    X(DLN_E_UNSUPPORTED, "not applicable to this problem")                         \
    X(DLN_E_IO, "file could not be opened, read or written")                       \
    X(DLN_E_FORMAT, "malformed, truncated or corrupted summary data")

const char *dln_strerror(dln_status status)
{
    switch (status) {
#define DLNI_CASE(code, text) \
    case code:                \
        return text;
        DLNI_STATUS_LIST(DLNI_CASE)
#undef DLNI_CASE
    }
    return "unknown status code";
}

int dln_version_major(void) { return DLN_VERSION_MAJOR; }
int dln_version_minor(void) { return DLN_VERSION_MINOR; }
int dln_version_patch(void) { return DLN_VERSION_PATCH; }
const char *dln_version_string(void) { return DLN_VERSION_STRING; }

dln_status dlni_fail(char *err, dln_status st, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, DLNI_MSG, fmt, ap);
        va_end(ap);
    }
    return st;
}

int dlni_mul(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a) return 0;
    *out = a * b;
    return 1;
}

int dlni_span_fits(size_t ld, size_t cols)
{
    size_t t;
    return dlni_mul(ld, cols, &t) && t <= PTRDIFF_MAX / sizeof(double);
}

double *dlni_alloc(size_t n)
{
    if (n > SIZE_MAX / sizeof(double)) return NULL;
    return malloc((n ? n : 1) * sizeof(double));
}

dln_status dlni_la_status(char *err, int rc, const char *what)
{
    switch (rc) {
    case LA_OK: return DLN_OK;
    case LA_NOMEM: return dlni_fail(err, DLN_E_NOMEM, "%s: out of memory", what);
    case LA_NONFINITE: /* caught before LAPACK, whose error handler prints */
        return dlni_fail(err, DLN_E_NONFINITE, "%s: the input has a NaN or Inf entry", what);
    }
    return dlni_fail(err, DLN_E_LAPACK, "%s failed (LAPACK info %d)", what, rc);
}

/* ---- the report contract (dlnet.h, "Report structs") ---------------------- */

dln_status dlni_report_check(char *err, const void *report, size_t v1_size, const char *name)
{
    if (!report) return dlni_fail(err, DLN_E_NULL, "%s is NULL", name);
    size_t have;
    memcpy(&have, report, sizeof have);
    if (have < v1_size)
        return dlni_fail(err, DLN_E_RANGE,
                         "%s->struct_size = %zu is below %zu, the size of its first version",
                         name, have, v1_size);
    return DLN_OK;
}

void dlni_report_put(void *report, const void *full, size_t full_size)
{
    size_t have;
    memcpy(&have, report, sizeof have);
    size_t n = have < full_size ? have : full_size;
    memcpy((char *)report + sizeof have, (const char *)full + sizeof have, n - sizeof have);
}
