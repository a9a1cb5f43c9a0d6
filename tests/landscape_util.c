/* landscape_util.c - see landscape_util.h. */
#include "landscape_util.h"

#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void lu_hess_eigs(dln_loss *loss, const dln_net *net, double *ev)
{
    size_t n = dln_net_num_params(net);
    double *H = malloc(n * n * sizeof *H);
    ck_assert_ok(dln_loss_hessian(loss, net, H, n));
    ck_assert_int_eq(LAPACKE_dsyev(LAPACK_COL_MAJOR, 'N', 'U', (int)n, H, (int)n, ev), 0);
    free(H);
}

void lu_orth(tu_rng *r, size_t m, double *Q)
{
    tu_fill(r, m * m, Q);
    for (size_t j = 0; j < m; j++) {
        for (int pass = 0; pass < 2; pass++)
            for (size_t k = 0; k < j; k++) {
                double d = 0.0;
                for (size_t i = 0; i < m; i++) d += Q[i + k * m] * Q[i + j * m];
                for (size_t i = 0; i < m; i++) Q[i + j * m] -= d * Q[i + k * m];
            }
        double nr = 0.0;
        for (size_t i = 0; i < m; i++) nr += Q[i + j * m] * Q[i + j * m];
        for (size_t i = 0; i < m; i++) Q[i + j * m] /= sqrt(nr);
    }
}

void lu_matrix_with_sv(tu_rng *r, size_t m, size_t n, const double *s, double *A)
{
    double *U = malloc(m * m * sizeof *U), *V = malloc(n * n * sizeof *V);
    lu_orth(r, m, U);
    lu_orth(r, n, V);
    size_t k = m < n ? m : n;
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < m; i++) {
            double a = 0.0;
            for (size_t q = 0; q < k; q++) a += U[i + q * m] * s[q] * V[j + q * n];
            A[i + j * m] = a;
        }
    free(U), free(V);
}

long double lu_ystar(size_t L, long double lam)
{
    long double Ld = (long double)L;
    if (L == 2) return sqrtl(lam);
    return powl(lam, 1.0L / (2 * Ld - 2)) * (2 * Ld - 2) / Ld * powl(Ld / (Ld - 2), (Ld - 2) / (2 * Ld - 2));
}

long double lu_yhat(size_t L, long double lam)
{
    long double Ld = (long double)L;
    if (L == 2) return sqrtl(lam);
    return (Ld - 1) * powl(Ld - 2, -(Ld - 2) / (2 * Ld - 2)) * powl(lam, 1.0L / (2 * Ld - 2));
}

long double lu_sstar(size_t L, long double lam)
{
    long double Ld = (long double)L;
    return powl((Ld - 2) * lam / Ld, 1.0L / (2 * Ld - 2));
}

/* normalized H(t) = e^{Lt}/(sqrt(lam) y) + sqrt(lam) e^{(2-L)t}/y - 1 */
static long double Hn(size_t L, long double lam, long double y, long double t, long double *dH)
{
    long double Ld = (long double)L, e1 = expl(Ld * t) / (sqrtl(lam) * y),
                e2 = sqrtl(lam) * expl((2 - Ld) * t) / y;
    *dH = Ld * e1 + (2 - Ld) * e2;
    return e1 + e2 - 1;
}

static long double bisect(size_t L, long double lam, long double y, long double lo, long double hi)
{
    long double d, hlo = Hn(L, lam, y, lo, &d);
    for (int k = 0; k < 400; k++) {
        long double mid = 0.5L * (lo + hi), hm = Hn(L, lam, y, mid, &d);
        if ((hm > 0) == (hlo > 0)) lo = mid, hlo = hm;
        else hi = mid;
    }
    return 0.5L * (lo + hi);
}

int lu_roots(size_t L, long double lam, long double y, long double *s, long double *dH)
{
    long double d;
    if (L == 2) {
        if (y <= sqrtl(lam)) return 0;
        s[0] = sqrtl(sqrtl(lam) * (y - sqrtl(lam)));
        Hn(L, lam, y, logl(s[0]), &d);
        dH[0] = fabsl(d);
        return 1;
    }
    long double ts = logl(lu_sstar(L, lam));
    if (Hn(L, lam, y, ts, &d) > 0) return 0;
    long double Ld = (long double)L, tp = logl(sqrtl(lam) * y) / Ld + 1, tm = logl(sqrtl(lam) / y) / (Ld - 2) - 1;
    s[0] = expl(bisect(L, lam, y, ts, tp));
    s[1] = expl(bisect(L, lam, y, tm, ts));
    Hn(L, lam, y, logl(s[0]), &d), dH[0] = fabsl(d);
    Hn(L, lam, y, logl(s[1]), &d), dH[1] = fabsl(d);
    return 2;
}

double lu_reg_fstar_shift(size_t L, long double lam, const double *y, size_t ny, size_t dmin)
{
    long double sum = 0, s[2], dH[2];
    for (size_t k = 0; k < ny && k < dmin; k++) {
        if (lu_roots(L, lam, y[k], s, dH) == 0) continue;
        long double p = powl(s[0], (long double)L) / sqrtl(lam);
        long double phi = p * p / 2 - y[k] * p + (long double)L / 2 * s[0] * s[0];
        if (phi < 0) sum += phi;
    }
    return (double)sum;
}

double lu_line_descent(dln_loss *loss, const dln_net *net, size_t ndir, const double *D,
                       const double *steps, size_t nsteps)
{
    size_t n = dln_net_num_params(net);
    double *th0 = malloc(n * sizeof *th0), *th = malloc(n * sizeof *th), F0, best = 0.0;
    dln_net *x = NULL;
    ck_assert_ok(dln_net_copy(&x, net));
    ck_assert_ok(dln_net_get_params(net, th0));
    ck_assert_ok(dln_loss_value(loss, net, &F0));
    for (size_t j = 0; j < ndir; j++) {
        double nr = 0.0;
        for (size_t i = 0; i < n; i++) nr += D[i + j * n] * D[i + j * n];
        nr = sqrt(nr);
        for (size_t k = 0; k < nsteps; k++)
            for (int sg = -1; sg <= 1; sg += 2) {
                double F;
                for (size_t i = 0; i < n; i++) th[i] = th0[i] + sg * steps[k] * D[i + j * n] / nr;
                ck_assert_ok(dln_net_set_params(x, th));
                ck_assert_ok(dln_loss_value(loss, x, &F));
                if (F - F0 < best) best = F - F0;
            }
    }
    dln_net_free(x);
    free(th0), free(th);
    return best;
}

size_t lu_count_small(size_t n, const double *ev, double tol)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++) c += fabs(ev[i]) <= tol;
    return c;
}

dln_loss *lu_target_loss(size_t dL, size_t d0, const double *Phi, size_t L, const double *lam)
{
    dln_loss *loss = NULL;
    ck_assert_ok(dln_loss_create_target(&loss, dL, d0, Phi, dL));
    if (lam) ck_assert_ok(dln_loss_set_l2(loss, L, lam));
    return loss;
}

dln_loss *lu_example_101(void)
{
    static const double Phi[4] = {3, 0, 0, 1.9};
    dln_loss *loss = lu_target_loss(2, 2, Phi, 0, NULL);
    ck_assert_ok(dln_loss_set_l2_uniform(loss, 1.0));
    return loss;
}

dln_landscape *lu_landscape(dln_loss *loss, size_t L, const size_t *w, dln_net **net)
{
    dln_landscape *ls = NULL;
    ck_assert_ok(dln_landscape_create(&ls, loss, L, w));
    if (net) ck_assert_ok(dln_net_create(net, L, w));
    return ls;
}

void lu_sort_desc(size_t n, double *s)
{
    for (size_t k = 1; k < n; k++)
        for (size_t j = k; j > 0 && s[j] > s[j - 1]; j--) {
            double t = s[j];
            s[j] = s[j - 1], s[j - 1] = t;
        }
}
