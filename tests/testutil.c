/* testutil.c - see testutil.h. */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int tu_quick(void)
{
    const char *q = getenv("DLN_TEST_QUICK");
    return q && *q && strcmp(q, "0") != 0;
}

int tu_cases(int full)
{
    int q = full / 10;
    return tu_quick() ? (q > 2 ? q : 2) : full;
}

void tu_seed(tu_rng *r, uint64_t seed) { r->s = seed * 0x9e3779b97f4a7c15ULL + 1; }

static uint64_t next(tu_rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

double tu_uniform(tu_rng *r) { return (double)(next(r) >> 11) * 0x1.0p-53; }

double tu_normal(tu_rng *r)
{
    double u = tu_uniform(r), v = tu_uniform(r);
    return sqrt(-2.0 * log(1.0 - u)) * cos(6.283185307179586 * v);
}

size_t tu_int(tu_rng *r, size_t lo, size_t hi) { return lo + (size_t)(next(r) % (hi - lo + 1)); }

void tu_fill(tu_rng *r, size_t n, double *x)
{
    for (size_t i = 0; i < n; i++) x[i] = tu_normal(r);
}

double *tu_padded(tu_rng *r, size_t m, size_t n, size_t ld)
{
    size_t cnt = ld * n;
    double *a = malloc((cnt ? cnt : 1) * sizeof *a);
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < ld; i++) a[i + j * ld] = i < m ? tu_normal(r) : NAN;
    return a;
}

dln_net *tu_net(size_t L, const size_t *d, double scale, uint64_t seed)
{
    dln_net *net = NULL;
    ck_assert_ok(dln_net_create(&net, L, d));
    ck_assert_ok(dln_net_init_gaussian(net, scale, seed));
    return net;
}

/* Maxima that propagate NaN (fmax would hide an output never written). */
double tu_maxabs(size_t n, const double *a)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(a[i])) return NAN;
        m = fmax(m, fabs(a[i]));
    }
    return m;
}

double tu_maxdiff(size_t n, const double *a, const double *b)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs(a[i] - b[i]);
        if (isnan(d)) return NAN;
        m = fmax(m, d);
    }
    return m;
}

double tu_relerr(size_t n, const double *a, const double *b, double floor)
{
    double num = 0.0, den = 0.0;
    for (size_t i = 0; i < n; i++) {
        num += (a[i] - b[i]) * (a[i] - b[i]);
        den += b[i] * b[i];
    }
    return sqrt(num) / fmax(sqrt(den), floor);
}
