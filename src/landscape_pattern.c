/* landscape_pattern.c - what a pattern of matched values means: its
 * components (validated against the roots of each value), the matched copies
 * per block, the class of the orbit by Theorem B and its critical value
 * (regularized.md 2.2, 9(a)). Below the landscape handle, the block spectrum
 * and the classification rules, which all read patterns. */
#include "landscape.h"

#include <math.h>

/* ---- patterns ---------------------------------------------------------- */

dln_status dlni_pattern_parse(dln_landscape *ls, const int *pattern, dlni_comp *comp, size_t *r)
{
    int reg = ls->theory == DLN_THEORY_REGULARIZED;
    size_t cnt = 0;
    for (size_t b = 0; b < ls->nb; b++) {
        const dlni_block *B = &ls->blk[b];
        for (size_t i = B->start; i < B->start + B->m; i++) {
            int lab = pattern[i];
            int none = lab == DLN_MATCH_NONE ||
                       (!reg && (lab == DLN_MATCH_FEED || lab == DLN_MATCH_READ ||
                                 lab == DLN_MATCH_FEED_READ));
            if (none) continue;
            int ok = reg ? (lab == DLN_MATCH_PLUS && B->root.count >= 1 && !B->root.is_double) ||
                               (lab == DLN_MATCH_MINUS && B->root.count == 2) ||
                               (lab == DLN_MATCH_DOUBLE && B->root.is_double)
                         : lab == DLN_MATCH_SELECTED;
            if (!ok)
                return dlni_fail(ls->err, DLN_E_RANGE,
                                 "pattern[%zu] = %d is not admissible for value %g", i, lab, B->y);
            if (cnt == ls->dmin)
                return dlni_fail(ls->err, DLN_E_RANGE,
                                 "the pattern matches more than d_min = %zu values", ls->dmin);
            dlni_comp *c = &comp[cnt++];
            c->blk = b, c->label = lab, c->y = B->y;
            c->s = !reg ? NAN : B->root.s[lab == DLN_MATCH_MINUS ? 1 : 0];
        }
    }
    *r = cnt;
    return DLN_OK;
}

void dlni_pattern_counts(const dln_landscape *ls, const dlni_comp *comp, size_t r, size_t *kb)
{
    for (size_t b = 0; b < ls->nb; b++) kb[b] = 0;
    for (size_t i = 0; i < r; i++) kb[comp[i].blk]++;
}

dln_class dlni_reg_class(const dln_landscape *ls, const dlni_comp *comp, size_t r, unsigned *flags)
{
    double tau = ls->tol[DLN_TOL_VALUE];
    size_t last = 0, nminus = 0, ndouble = 0, ngt = 0, neq = 0;
    for (size_t i = 0; i < r; i++) {
        if (comp[i].blk + 1 > last) last = comp[i].blk + 1; /* one past the lowest matched block */
        nminus += comp[i].label == DLN_MATCH_MINUS;
        ndouble += comp[i].label == DLN_MATCH_DOUBLE;
    }
    int defect = 0, unmatched_above = 0, unmatched_at = 0;
    for (size_t b = 0; b < ls->nb; b++) {
        const dlni_block *B = &ls->blk[b];
        size_t kb = 0; /* matched copies of this value */
        for (size_t i = 0; i < r; i++) kb += comp[i].blk == b;
        int free_copies = kb < B->m;
        if (free_copies && b + 1 < last) defect = 1; /* a larger value left unmatched */
        if (free_copies && B->root.delta > tau) unmatched_above = 1;
        if (free_copies && fabs(B->root.delta) <= tau) unmatched_at = 1;
        if (B->root.delta_hat > tau) ngt += B->m;
        else if (fabs(B->root.delta_hat) <= tau) neq += B->m;
    }
    int room = r < ls->dmin;
    if (ls->L == 2) {
        if (defect || (room && unmatched_above)) return DLN_CLASS_STRICT_SADDLE;
        if (room && unmatched_at && flags) *flags |= DLN_CF_DEGENERATE;
        return DLN_CLASS_GLOBAL_MIN;
    }
    if (nminus || defect) return DLN_CLASS_STRICT_SADDLE;
    if (ndouble) {
        if (flags) *flags |= DLN_CF_DEGENERATE;
        return DLN_CLASS_NONSTRICT_SADDLE;
    }
    size_t need = ngt < ls->dmin ? ngt : ls->dmin;
    return (r >= need && r <= ngt + neq) ? DLN_CLASS_GLOBAL_MIN : DLN_CLASS_LOCAL_MIN;
}

double dlni_reg_value(const dln_landscape *ls, const dlni_comp *comp, size_t r)
{
    double s = 0.0;
    for (size_t i = 0; i < r; i++) s += dlni_phi(ls->L, ls->loglam, comp[i].y, comp[i].s);
    return ls->fzero + ls->c * s;
}
