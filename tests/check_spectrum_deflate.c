/* check_spectrum_deflate.c - the Hessian on the complement of the symmetry
 * directions against a dense reference built here (tangents, SVD,
 * compression), the GD rate against observed GD slopes on non-whitened
 * regularized problems, and against dln_landscape_rate() on whitened ones. */
#include "spectrum_util.h"

#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Tangent vectors of the symmetry group at the net (n x s, returned; *s set):
 * for each hidden width h and X = E_ij (GL when lam_h = lam_{h+1} = 0) or
 * E_ij - E_ji (orthogonal otherwise): (X W_h, -W_{h+1} X). */
static double *tangents(const dln_net *net, const double *lam, size_t *s_out)
{
    size_t L = dln_net_depth(net), n = dln_net_num_params(net), s = 0;
    double *theta = malloc(n * sizeof *theta);
    dln_net_get_params(net, theta);
    for (size_t h = 1; h < L; h++) s += dln_net_width(net, h) * dln_net_width(net, h);
    double *S = calloc(n * (s ? s : 1), sizeof *S);
    size_t c = 0;
    for (size_t h = 1; h < L; h++) {
        size_t dp = dln_net_width(net, h - 1), dh = dln_net_width(net, h), dn = dln_net_width(net, h + 1);
        size_t oh = dln_net_layer_offset(net, h), on = dln_net_layer_offset(net, h + 1);
        int gl = lam[h - 1] == 0.0 && lam[h] == 0.0;
        for (size_t i = 0; i < dh; i++)
            for (size_t j = 0; j < dh; j++) {
                if (!gl && i >= j) continue;
                double *col = S + c++ * n;
                /* X = E_ij: (X W_h)(i, :) = W_h(j, :); (W_{h+1} X)(:, j) = W_{h+1}(:, i) */
                for (size_t q = 0; q < dp; q++) {
                    col[oh + i + q * dh] += theta[oh + j + q * dh];
                    if (!gl) col[oh + j + q * dh] -= theta[oh + i + q * dh];
                }
                for (size_t q = 0; q < dn; q++) {
                    col[on + q + j * dn] -= theta[on + q + i * dn];
                    if (!gl) col[on + q + i * dn] += theta[on + q + j * dn];
                }
            }
    }
    free(theta);
    *s_out = c;
    return S;
}

/* Reference: rank r of the tangents (SVD, relative 1e-10) and the ascending
 * eigenvalues of U_c^T H U_c (n - r of them) into w; U_c (n x (n-r)) kept. */
static size_t reference(su_case *c, const double *H, double *w, double **Uc_out)
{
    size_t n = c->n, s, r = 0;
    double lam[8];
    ck_assert_ok(dln_loss_get_l2(c->loss, c->L, lam));
    double *S = tangents(c->net, lam, &s);
    double *U = malloc(n * n * sizeof *U), *sv = malloc((n + s + 1) * sizeof *sv), vt;
    double *sup = malloc((n + s + 1) * sizeof *sup);
    if (s > 0) {
        ck_assert_int_eq(LAPACKE_dgesvd(LAPACK_COL_MAJOR, 'A', 'N', (int)n, (int)s, S, (int)n, sv, U,
                                        (int)n, &vt, 1, sup), 0);
        size_t ks = s < n ? s : n;
        while (r < ks && sv[r] > 1e-6 * sv[0]) r++;
    } else {
        for (size_t k = 0; k < n * n; k++) U[k] = (k % (n + 1)) == 0;
    }
    size_t m = n - r;
    double *Uc = U + r * n, *HU = malloc(n * (m ? m : 1) * sizeof *HU), *C = malloc((m * m + 1) * sizeof *C);
    for (size_t b = 0; b < m; b++)
        for (size_t a = 0; a < n; a++) {
            double acc = 0.0;
            for (size_t t = 0; t < n; t++) acc += H[a + t * n] * Uc[t + b * n];
            HU[a + b * n] = acc;
        }
    for (size_t b = 0; b < m; b++)
        for (size_t a = 0; a < m; a++) {
            double acc = 0.0;
            for (size_t t = 0; t < n; t++) acc += Uc[t + a * n] * HU[t + b * n];
            C[a + b * m] = acc;
        }
    if (m) su_eigs(m, C, m, w);
    *Uc_out = malloc(n * (m ? m : 1) * sizeof **Uc_out);
    memcpy(*Uc_out, Uc, n * m * sizeof *Uc);
    free(S), free(U), free(sv), free(sup), free(HU), free(C);
    return r;
}

START_TEST(deflated_vs_dense_reference)
{
    for (size_t i = 0; i < (size_t)tu_cases(36); i++) {
        su_case c = su_make(i, 4);
        size_t n = c.n;
        double *H = su_hessian(&c), *w = malloc(n * sizeof *w), *Uc;
        size_t r = reference(&c, H, w, &Uc), m = n - r, k = m < 3 ? m : 3, removed = 999;
        double hn = fmax(fabs(w[0]), fabs(w[m - 1])) + 1e-300;
        double ev[3], *X = malloc(n * 3 * sizeof *X);
        for (unsigned opt = 0; opt < 2; opt++)
            for (int which = 0; which < 2; which++) {
                dln_eig_report rep;
                memset(&rep, 0, sizeof rep);
                rep.struct_size = sizeof rep;
                ck_assert_ok(dln_loss_hessian_eigs_deflated(c.loss, c.net, (dln_eig_which)which, k, 1e-11,
                                                            0, 7, opt, ev, X, n, &removed, &rep));
                ck_assert_msg(removed == r, "%s: removed %zu, reference %zu", c.desc, removed, r);
                ck_assert_int_eq(rep.dense, m <= 256 && !opt);
                for (size_t j = 0; j < k; j++) {
                    double ref = which ? w[m - 1 - j] : w[j];
                    ck_assert_msg(fabs(ev[j] - ref) <= 1e-8 * hn, "%s opt %u which %d: %.15g vs %.15g",
                                  c.desc, opt, which, ev[j], ref);
                    /* the vector lies in the complement: ||U_c^T x|| = 1 */
                    double in = 0.0;
                    for (size_t b = 0; b < m; b++) {
                        double t = 0.0;
                        for (size_t a = 0; a < n; a++) t += Uc[a + b * n] * X[a + j * n];
                        in += t * t;
                    }
                    ck_assert_msg(fabs(in - 1.0) <= 1e-9, "%s: ||U_c^T x||^2 = %.15g", c.desc, in);
                }
            }
        free(H), free(w), free(Uc), free(X);
        su_free(&c);
    }
}
END_TEST

/* GD to its limit on random non-whitened data with weight decay: the
 * observed slope of ||grad F_k|| equals rho(eta) at the limit to 1e-6. */
START_TEST(gd_rate_matches_observed_slope)
{
    const size_t shapes[4][5] = {{3, 3, 2}, {3, 2, 2, 2}, {4, 3, 3, 2}, {2, 3, 3, 3, 2}};
    const size_t depth[4] = {2, 3, 3, 4};
    for (size_t t = 0; t < 4; t++) {
        size_t L = depth[t], d0 = shapes[t][0], dL = shapes[t][L], m = 12;
        tu_rng r;
        tu_seed(&r, 300 + t);
        double X[4 * 12], Y[3 * 12];
        tu_fill(&r, d0 * m, X), tu_fill(&r, dL * m, Y);
        for (size_t k = 0; k < m; k++) X[k * d0] *= 2.5; /* not whitened */
        dln_loss *loss;
        ck_assert_ok(dln_loss_create_data(&loss, d0, dL, m, X, d0, Y, dL));
        ck_assert_ok(dln_loss_set_mean(loss, 1));
        ck_assert_ok(dln_loss_set_l2_uniform(loss, 0.05));
        dln_net *net = tu_net(L, shapes[t], 0.6, 40 + t);
        size_t n = dln_net_num_params(net);
        double top, *theta = malloc(n * sizeof *theta), *g = malloc(n * sizeof *g);
        ck_assert_ok(dln_loss_hessian_eigs(loss, net, DLN_EIG_LARGEST, 1, 0, 0, 1, &top, NULL, 0, NULL));
        double eta = 0.5 / top, gn[2] = {0, 0};
        size_t maxit = 400000, win = 400, K = 0;
        double *hist = malloc((maxit + 1) * sizeof *hist);
        for (size_t k = 0; k <= maxit; k++) {
            double f;
            ck_assert_ok(dln_loss_grad(loss, net, &f, g));
            double s = 0.0;
            for (size_t a = 0; a < n; a++) s += g[a] * g[a];
            hist[k] = sqrt(s);
            if (k >= win && hist[k] < 1e-9) {
                K = k;
                break;
            }
            dln_net_get_params(net, theta);
            for (size_t a = 0; a < n; a++) theta[a] -= eta * g[a];
            ck_assert_ok(dln_net_set_params(net, theta));
        }
        ck_assert_msg(K > 0, "shape %zu: GD did not converge (||g|| = %g)", t, hist[maxit]);
        gn[0] = hist[K - win], gn[1] = hist[K];
        double slope = pow(gn[1] / gn[0], 1.0 / (double)win);
        dln_rate_report rep;
        memset(&rep, 0, sizeof rep);
        rep.struct_size = sizeof rep;
        ck_assert_ok(dln_loss_gd_rate(loss, net, eta, 1e-12, 0, 3, 0, &rep));
        ck_assert_msg(fabs(rep.rho - slope) <= 1e-9, "shape %zu: predicted %.12f, observed %.12f", t,
                      rep.rho, slope);
        ck_assert_uint_eq(rep.flags & (DLN_EB_SADDLE | DLN_EB_DEGENERATE | DLN_EB_UNSTABLE), 0);
        /* independent of the tangents: at a minimum with weight decay the
         * removed dimension is the number of zero eigenvalues of H, and
         * mu_min is the next one */
        double *ev = malloc(n * sizeof *ev), *H = malloc(n * n * sizeof *H);
        ck_assert_ok(dln_loss_hessian(loss, net, H, n));
        su_eigs(n, H, n, ev);
        size_t zeros = 0;
        while (zeros < n && fabs(ev[zeros]) <= 1e-7 * ev[n - 1]) zeros++;
        ck_assert_uint_eq(rep.orbit_dim, zeros);
        ck_assert(fabs(rep.hess_min - ev[zeros]) <= 1e-7 * ev[n - 1]);
        ck_assert(fabs(rep.mu_max - ev[n - 1]) <= 1e-9 * ev[n - 1]);
        /* the forced iterative path agrees */
        dln_rate_report rep2;
        memset(&rep2, 0, sizeof rep2);
        rep2.struct_size = sizeof rep2;
        ck_assert_ok(dln_loss_gd_rate(loss, net, eta, 1e-12, 0, 3, DLN_EIG_FORCE_ITERATIVE, &rep2));
        ck_assert(fabs(rep2.rho - rep.rho) <= 1e-9);
        free(ev), free(H), free(hist), free(theta), free(g);
        dln_net_free(net), dln_loss_free(loss);
    }
}
END_TEST

/* Whitened (target) problems with weight decay: at every orbit type of the
 * closed-form theory, the numerical rate equals dln_landscape_rate(). */
START_TEST(gd_rate_agrees_with_landscape)
{
    const size_t w[3][4] = {{3, 3, 3}, {3, 2, 3, 2}, {2, 3, 2, 3}};
    const size_t depth[3] = {2, 3, 3};
    for (size_t t = 0; t < 3; t++) {
        size_t L = depth[t], d0 = w[t][0], dL = w[t][L];
        tu_rng r;
        tu_seed(&r, 500 + t);
        double Phi[9];
        tu_fill(&r, dL * d0, Phi);
        for (size_t k = 0; k < dL * d0; k++) Phi[k] *= 2.0;
        dln_loss *loss;
        ck_assert_ok(dln_loss_create_target(&loss, dL, d0, Phi, dL));
        ck_assert_ok(dln_loss_set_l2_uniform(loss, 0.3));
        dln_landscape *ls;
        ck_assert_ok(dln_landscape_create(&ls, loss, L, w[t]));
        ck_assert_int_eq(dln_landscape_theory(ls), DLN_THEORY_REGULARIZED);
        dln_landscape_info info;
        memset(&info, 0, sizeof info);
        info.struct_size = sizeof info;
        ck_assert_ok(dln_landscape_get_info(ls, &info));
        dln_net *net;
        ck_assert_ok(dln_net_create(&net, L, w[t]));
        int pat[8];
        for (size_t o = 0; o < info.num_orbits && o < 40; o++) {
            ck_assert_ok(dln_landscape_orbit(ls, o, pat));
            ck_assert_ok(dln_landscape_build(ls, pat, NULL, DLN_FRAMES_RANDOM, 9 + o, net));
            dln_rate_report a, b;
            memset(&a, 0, sizeof a), memset(&b, 0, sizeof b);
            a.struct_size = b.struct_size = sizeof a;
            ck_assert_ok(dln_landscape_rate(ls, pat, 0.1, &a));
            ck_assert_ok(dln_loss_gd_rate(loss, net, 0.1, 1e-12, 0, 1, 0, &b));
            double sc = fmax(fabs(a.mu_max), fabs(a.hess_min)) + 1e-300;
            ck_assert_msg(fabs(a.rho - b.rho) <= 1e-8 * fmax(1.0, a.rho),
                          "shape %zu orbit %zu: landscape %.15g, numerical %.15g", t, o, a.rho, b.rho);
            ck_assert(fabs(a.mu_max - b.mu_max) <= 1e-8 * sc);
            /* the landscape's hess_min is the full Hessian's (0 on the orbit's
             * tangent); the numerical one is the complement's smallest */
            double ref_min = a.hess_min < -1e-8 * sc ? a.hess_min : a.mu_min_pos;
            ck_assert_msg(fabs(ref_min - b.hess_min) <= 1e-8 * sc, "shape %zu orbit %zu: %g vs %g",
                          t, o, ref_min, b.hess_min);
            ck_assert_msg(a.orbit_dim == b.orbit_dim, "shape %zu orbit %zu: orbit dim %zu vs %zu", t,
                          o, a.orbit_dim, b.orbit_dim);
            ck_assert_uint_eq(a.flags & (DLN_EB_SADDLE | DLN_EB_DEGENERATE),
                              b.flags & (DLN_EB_SADDLE | DLN_EB_DEGENERATE));
        }
        dln_net_free(net), dln_landscape_free(ls), dln_loss_free(loss);
    }
}
END_TEST

/* Residual layers (W = I + A): the Hessian in A is the plain net's at the same
 * W, so traces and layer spectra agree with a plain copy; without weight
 * decay the GL symmetries and the deflated spectrum agree too, while weight
 * decay on a residual layer (lam/2 ||W - I||^2) breaks the rotations. */
START_TEST(residual_nets)
{
    size_t d[4] = {3, 3, 3, 2};
    tu_rng r;
    tu_seed(&r, 12);
    double X[3 * 15], Y[2 * 15];
    tu_fill(&r, 45, X), tu_fill(&r, 30, Y);
    for (int reg = 0; reg < 2; reg++) {
        dln_loss *loss;
        ck_assert_ok(dln_loss_create_data(&loss, 3, 2, 15, X, 3, Y, 2));
        ck_assert_ok(dln_loss_set_l2_uniform(loss, reg ? 0.2 : 0.0));
        dln_net *res = tu_net(3, d, 0.5, 8), *plain;
        ck_assert_ok(dln_net_set_residual(res, 1, 1));
        ck_assert_ok(dln_net_set_residual(res, 2, 1));
        ck_assert_ok(dln_net_copy(&plain, res));
        ck_assert_ok(dln_net_set_residual(plain, 1, 0));
        ck_assert_ok(dln_net_set_residual(plain, 2, 0));
        size_t n = dln_net_num_params(res), rr = 99, rp = 99;
        double tr[2], diag[2][30], lt[2][3], ev[2][2], ed[2][2];
        dln_net *nets[2] = {res, plain};
        for (int i = 0; i < 2; i++) {
            ck_assert_ok(dln_loss_hessian_trace(loss, nets[i], &tr[i], lt[i], diag[i]));
            ck_assert_ok(dln_loss_layer_eigs(loss, nets[i], 2, 2, DLN_EIG_LARGEST, 2, 0, 0, 1, ev[i], NULL));
            ck_assert_ok(dln_loss_hessian_eigs_deflated(loss, nets[i], DLN_EIG_SMALLEST, 2, 0, 0, 1, 0,
                                                        ed[i], NULL, 0, i ? &rp : &rr, NULL));
        }
        ck_assert_uint_eq(n, 24);
        ck_assert(fabs(tr[0] - tr[1]) <= 1e-12 * fabs(tr[1]));
        ck_assert(tu_maxdiff(n, diag[0], diag[1]) <= 1e-12 * tu_maxabs(n, diag[1]));
        ck_assert(tu_maxdiff(2, ev[0], ev[1]) <= 1e-12 * tu_maxabs(2, ev[1]));
        if (!reg) { /* GL at both hidden widths: 9 + 9 tangents of full rank */
            ck_assert_uint_eq(rr, rp);
            ck_assert(tu_maxdiff(2, ed[0], ed[1]) <= 1e-9 * (tu_maxabs(2, ed[1]) + 1.0));
        } else { /* rotations broken at both widths (layers 1 and 2 residual) */
            ck_assert_uint_eq(rr, 0);
            ck_assert_uint_eq(rp, 6);
        }
        dln_net_free(res), dln_net_free(plain), dln_loss_free(loss);
    }
}
END_TEST

START_TEST(bad_input)
{
    su_case c = su_make(9, 3);
    size_t d[3] = {c.d[0] + 1, 2, c.d[c.L]}, removed = 77;
    dln_net *other = tu_net(2, d, 1.0, 1);
    double ev[2] = {-7, -7};
    dln_rate_report rep;
    memset(&rep, 0, sizeof rep);
    rep.struct_size = sizeof rep;
    rep.rho = -7;
    ck_assert_int_eq(dln_loss_hessian_eigs_deflated(NULL, c.net, 0, 1, 0, 0, 1, 0, ev, NULL, 0, &removed, NULL),
                     DLN_E_NULL);
    ck_assert_int_eq(dln_loss_hessian_eigs_deflated(c.loss, other, 0, 1, 0, 0, 1, 0, ev, NULL, 0, &removed, NULL),
                     DLN_E_DIM);
    ck_assert_int_eq(dln_loss_hessian_eigs_deflated(c.loss, c.net, 0, 1, 0, 0, 1, 2, ev, NULL, 0, &removed, NULL),
                     DLN_E_RANGE);
    ck_assert_int_eq(dln_loss_hessian_eigs_deflated(c.loss, c.net, 0, c.n, 0, 0, 1, 0, ev, NULL, 0, &removed, NULL),
                     c.L > 1 ? DLN_E_DIM : DLN_OK);
    ck_assert_int_eq(dln_loss_hessian_eigs_deflated(c.loss, c.net, 0, 1, 0, 0, 1, 0, NULL, NULL, 0, &removed, NULL),
                     DLN_E_NULL);
    ck_assert_int_eq(dln_loss_hessian_eigs_deflated(c.loss, c.net, 0, 1, 0, 0, 1, 0, ev, ev, 0, &removed, NULL),
                     DLN_E_LD);
    if (c.L > 1) ck_assert(ev[0] == -7 && removed == 77);
    ck_assert_int_eq(dln_loss_gd_rate(c.loss, c.net, -1.0, 0, 0, 1, 0, &rep), DLN_E_RANGE);
    ck_assert_int_eq(dln_loss_gd_rate(c.loss, c.net, INFINITY, 0, 0, 1, 0, &rep), DLN_E_RANGE);
    ck_assert_int_eq(dln_loss_gd_rate(c.loss, c.net, 0.1, 1.5, 0, 1, 0, &rep), DLN_E_RANGE);
    ck_assert_int_eq(dln_loss_gd_rate(c.loss, c.net, 0.1, 0, 0, 1, 8, &rep), DLN_E_RANGE);
    ck_assert_int_eq(dln_loss_gd_rate(c.loss, c.net, 0.1, 0, 0, 1, 0, NULL), DLN_E_NULL);
    ck_assert_int_eq(dln_loss_gd_rate(c.loss, other, 0.1, 0, 0, 1, 0, &rep), DLN_E_DIM);
    rep.struct_size = 8;
    ck_assert_int_eq(dln_loss_gd_rate(c.loss, c.net, 0.1, 0, 0, 1, 0, &rep), DLN_E_RANGE);
    ck_assert(rep.rho == -7);
    /* too large for the dense symmetry basis */
    size_t big[3] = {70, 70, 70};
    dln_net *bn = tu_net(2, big, 0.1, 1);
    double Phi[4900] = {0};
    dln_loss *bl;
    ck_assert_ok(dln_loss_create_target(&bl, 70, 70, Phi, 70));
    ck_assert_int_eq(dln_loss_hessian_eigs_deflated(bl, bn, 0, 1, 0, 0, 1, 0, ev, NULL, 0, NULL, NULL),
                     DLN_E_TOO_LARGE);
    dln_loss_free(bl), dln_net_free(bn);
    dln_net_free(other);
    su_free(&c);
}
END_TEST

Suite *suite_spectrum_deflate(void)
{
    Suite *s = suite_create("spectrum_deflate");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, deflated_vs_dense_reference);
    tcase_add_test(tc, gd_rate_matches_observed_slope);
    tcase_add_test(tc, gd_rate_agrees_with_landscape);
    tcase_add_test(tc, residual_nets);
    tcase_add_test(tc, bad_input);
    suite_add_tcase(s, tc);
    return s;
}
