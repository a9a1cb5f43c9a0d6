/* landscape.h - private structures of the landscape analysis (landscape*.c,
 * landscape_classify.c). The regularized theory works on the reduced problem
 * Fbar = 1/2 ||P - Ybar||^2 + sum_l lamr_l/2 ||W_l||^2 with F = c Fbar + offset
 * (regularized.md 7); the unregularized theory in the whitened picture
 * W_1' = W_1 R^T with target C = Yw (unregularized.md 1). */
#ifndef DLNET_LANDSCAPE_H
#define DLNET_LANDSCAPE_H

#include "internal.h"

/* A group of equal values: indices start .. start+m-1, common value y. */
typedef struct dlni_block {
    size_t start, m;
    double y;
    dln_root_info root; /* regularized: roots of the scalar equation for y */
} dlni_block;

struct dln_landscape {
    dln_theory theory;
    unsigned limits;
    size_t L, n, dmin, *d;   /* shape: depth, parameters, min width, widths d_0..d_L */
    dln_loss *loss;          /* private copy: values, gradients, Hessians */
    double *lam;             /* lam_1..lam_L of the loss */
    double *lamr;            /* reduced lam_l / c (regularized) */
    double c, offset;        /* F = c Fbar + offset (offset = r0/2) */
    double loglam, lamp;     /* log and value of prod_l lamr_l */
    double ystar, yhat, sstar, pstar;
    size_t nv, k;            /* number of values; k = min(d_0, d_L) singular triplets kept */
    double *y;               /* values, decreasing (y_k, or gamma_i) */
    double *U, *V;           /* d_L x k and d_0 x k singular vectors of Ybar (or of C) */
    size_t nb;               /* blocks of equal positive values */
    dlni_block *blk;
    double gstar, fzero;     /* global value, F(0) */
    int eb, ssp;
    double eb_gap, ssp_gap, iso_gap, h1, h2, h3;
    size_t norbits;
    size_t *count;           /* orbit counting table, (nb + 1) x (dmin + 1) */
    double sxx, syx, ascale; /* ||Sxx||_2, ||Syx||_2, natural layer scale (||Ybar||_2)^{1/L} */
    double tol[4];           /* indexed by dln_tol */
    char reason[DLNI_MSG];
    char err[DLNI_MSG];
    struct dlni_dist_work *dist; /* workspace of the distance, made by its first call (landscape_distance.c) */
};

/* ---- scalar equation (landscape_roots.c) ---- */
/* Thresholds from log(lam); L >= 2. */
void dlni_thresholds(size_t L, double loglam, double *ystar, double *yhat, double *sstar,
                     double *pstar);
/* Roots for value y (>= 0) with tau on the double-root gap; fills *info. */
void dlni_roots(size_t L, double loglam, double y, double tau, dln_root_info *info);
/* phi(p; y) in its s-form: s^{2L}/(2 lam) - y s^L/sqrt(lam) + L s^2/2. */
double dlni_phi(size_t L, double loglam, double y, double s);
/* Matched value of a rescaled singular value s: y(s) = (s^L + lam s^{2-L})/sqrt(lam). */
double dlni_y_of_s(size_t L, double loglam, double s);

/* ---- patterns (landscape_pattern.c) ---- */
/* Matched components of a pattern, largest value first. */
typedef struct dlni_comp {
    size_t blk;   /* block index */
    int label;    /* dln_match */
    double y, s;  /* matched value and rescaled singular value */
} dlni_comp;
/* Validate a pattern and list its components (comp: room for dmin); returns
 * DLN_OK or DLN_E_RANGE with a message in ls->err. */
dln_status dlni_pattern_parse(dln_landscape *ls, const int *pattern, dlni_comp *comp, size_t *r);
/* Number of matched copies of each block (kb: nb entries). */
void dlni_pattern_counts(const dln_landscape *ls, const dlni_comp *comp, size_t r, size_t *kb);
/* Regularized Theorem B from a matched multiset (comp sorted by value). */
dln_class dlni_reg_class(const dln_landscape *ls, const dlni_comp *comp, size_t r, unsigned *flags);
/* Critical value (in loss units) of matched components. */
double dlni_reg_value(const dln_landscape *ls, const dlni_comp *comp, size_t r);

/* ---- block Hessian spectrum (landscape_spectrum.c) ---- */
/* Workspace of dlni_block_spectrum() for one landscape (NULL: no memory), so
 * that repeated spectra (a history column per row) allocate nothing. */
typedef struct dlni_spec_ws dlni_spec_ws;
dlni_spec_ws *dlni_spec_ws_new(const dln_landscape *ls);
void dlni_spec_ws_free(dlni_spec_ws *ws);
/* The block spectrum as a multiset, unordered: v[i] once each (i < nv) and
 * pv[k] pc[k] times (k < np); nv + sum pc = n. */
typedef struct dlni_spectrum {
    double *v;
    size_t nv;
    double *pv;
    size_t *pc, np;
} dlni_spectrum;
/* The n eigenvalues at the regularized orbit of comp[0..r-1] into *out, v in
 * ev (n doubles), the repeated values in ws (from dlni_spec_ws_new()). */
dln_status dlni_block_spectrum(dln_landscape *ls, const dlni_comp *comp, size_t r, double *ev,
                               dlni_spec_ws *ws, dlni_spectrum *out);
/* All n values, ascending, into sp->v (np becomes 0). */
void dlni_spectrum_sorted(dlni_spectrum *sp);
/* Smallest and largest value. */
void dlni_spectrum_range(const dlni_spectrum *sp, double *lo, double *hi);
/* The (k+1)-th smallest modulus (NaN if k >= n): a selection, O(nv + np)
 * expected, no sort. Replaces the values by their moduli and reorders them. */
double dlni_spectrum_kth_modulus(dlni_spectrum *sp, size_t k);
/* The block spectrum of a public pattern, with its own allocations (for the
 * one-off calls dln_landscape_orbit_spectrum and dln_landscape_rate): comp
 * (r components), ev and ws hold sp. Free with dlni_pattern_spec_free, also
 * after a failure. */
typedef struct dlni_pattern_spec {
    dlni_comp *comp;
    size_t r;
    double *ev;
    dlni_spec_ws *ws;
    dlni_spectrum sp;
} dlni_pattern_spec;
dln_status dlni_pattern_spectrum(dln_landscape *ls, const int *pattern, dlni_pattern_spec *ps);
void dlni_pattern_spec_free(dlni_pattern_spec *ps);
/* Orbit dimension (regularized.md 2.5). */
size_t dlni_orbit_dim(const dln_landscape *ls, const dlni_comp *comp, size_t r);

/* ---- classification rules (landscape_reg.c, landscape_unreg.c) ---- */
/* Shared state of one classification call. */
typedef struct dlni_cls {
    dln_landscape *ls;
    const dln_net *net;
    dln_class_report *rep;
    int *pattern;       /* may be NULL */
    double *dir;        /* may be NULL */
    double tau;         /* decision band */
    dln_status st;      /* first failure of a step (dlni_cls_failed) */
} dlni_cls;
/* Record the first failure of a classification step; it becomes the status
 * of dln_landscape_classify(), so that an allocation failure never turns into
 * a verdict. Returns 1 if st is a failure. */
int dlni_cls_failed(dlni_cls *c, dln_status st);
/* dlni_cls_failed() with DLN_E_NOMEM and its message; returns 1. */
int dlni_cls_nomem(dlni_cls *c);
dln_class dlni_classify_reg(dlni_cls *c);
dln_class dlni_classify_unreg(dlni_cls *c);

/* ---- point probes (landscape_probe.c) ---- */
/* st, with the loss's detail copied into ls->err when st is a failure. */
dln_status dlni_from_loss(dln_landscape *ls, dln_status st);
/* Rayleigh-Ritz on the span of the k orthonormal columns of D (n x k):
 * smallest eigenpair of D^T H D; the unit vector D x goes to dir (n). */
dln_status dlni_ritz_min(dln_landscape *ls, const dln_net *net, size_t k, const double *D,
                         double *dir, double *curv);
/* Record a certificate direction (unit, n) in the report and the caller's buffer. */
void dlni_set_direction(dlni_cls *c, const double *d, double curv);
/* Curvature d^T H d / d^T d of a direction (n). */
dln_status dlni_curvature(dln_landscape *ls, const dln_net *net, const double *d, double *curv);

/* Gradient (n entries) and relative gradient max_l ||grad_l||_F / g_l at net
 * (dln_landscape_classify() step 1); value and norms may be NULL. */
dln_status dlni_grad_rel(dln_landscape *ls, const dln_net *net, double *grad, double *value,
                         double *gnorm, double *grel);

/* Largest singular value of an m x n matrix into *out; the status of
 * dlni_la_status() (message in err) on failure. */
dln_status dlni_norm2(char *err, size_t m, size_t n, const double *A, size_t lda, double *out);

#endif
