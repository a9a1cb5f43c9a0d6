/* random.c - reproducible random numbers: xoshiro256** seeded with
 * splitmix64, Gaussian variates by the Marsaglia polar method, Haar-random
 * orthonormal frames by QR of a Gaussian matrix with the sign fix of
 * Mezzadri (2007). Identical streams on every platform for a given seed. */
#include "internal.h"
#include "linalg.h"

#include <math.h>
#include <stdlib.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void dlni_rng_seed(dlni_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&seed);
    r->has_spare = 0;
    r->spare = 0.0;
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t dlni_rng_next(dlni_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0], s[3] ^= s[1], s[1] ^= s[2], s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double dlni_rng_uniform(dlni_rng *r)
{
    /* 53 random bits, shifted by half an ulp so that 0 is never returned */
    return ((double)(dlni_rng_next(r) >> 11) + 0.5) * 0x1.0p-53;
}

double dlni_rng_normal(dlni_rng *r)
{
    if (r->has_spare) {
        r->has_spare = 0;
        return r->spare;
    }
    double u, v, q;
    do {
        u = 2.0 * dlni_rng_uniform(r) - 1.0;
        v = 2.0 * dlni_rng_uniform(r) - 1.0;
        q = u * u + v * v;
    } while (q >= 1.0 || q == 0.0);
    double f = sqrt(-2.0 * log(q) / q);
    r->spare = v * f;
    r->has_spare = 1;
    return u * f;
}

void dlni_rng_fill_normal(dlni_rng *r, size_t n, double scale, double *x)
{
    for (size_t i = 0; i < n; i++) x[i] = scale * dlni_rng_normal(r);
}

int dlni_rng_stiefel(dlni_rng *r, size_t m, size_t n, double *Q)
{
    double *rd = dlni_alloc(n);
    if (!rd) return LA_NOMEM;
    dlni_rng_fill_normal(r, m * n, 1.0, Q);
    int rc = la_qr_q(m, n, Q, m, rd);
    if (rc == LA_OK) /* make the factorization unique: diag(R) > 0 */
        for (size_t j = 0; j < n; j++)
            if (rd[j] < 0) la_scal(m, -1.0, Q + j * m);
    free(rd);
    return rc;
}
