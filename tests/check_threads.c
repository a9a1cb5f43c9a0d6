/* check_threads.c - the thread rules of dlnet.h: a const net may be shared,
 * and copies of a loss (dln_loss_copy) run in parallel threads give the
 * results of sequential calls, bit for bit. `make tsan` runs this suite under
 * ThreadSanitizer. */
#define _POSIX_C_SOURCE 200809L /* pthreads: TSan does not intercept C11 thrd_create */
#include "testutil.h"

#include <pthread.h>

#include <stdlib.h>
#include <string.h>

#define NDIR 6
#define REPS 40

typedef struct job {
    dln_loss *loss;
    const dln_net *net;
    size_t n;
    const double *V;   /* n x NDIR directions */
    double f, *g, *HV; /* results: value, gradient, n x NDIR HVPs */
    dln_status st;
} job;

/* Value, gradient and HVPs REPS times (the last results are kept). */
static void *run_job(void *arg)
{
    job *j = arg;
    j->st = DLN_OK;
    for (int rep = 0; rep < REPS && j->st == DLN_OK; rep++) {
        j->st = dln_loss_grad(j->loss, j->net, &j->f, j->g);
        for (size_t k = 0; k < NDIR && j->st == DLN_OK; k++)
            j->st = dln_loss_hvp(j->loss, j->net, j->V + k * j->n, j->HV + k * j->n);
        if (j->st == DLN_OK) j->st = dln_loss_hvp_batch(j->loss, j->net, NDIR, j->V, j->n, j->HV, j->n);
    }
    return NULL;
}

static job make_job(dln_loss *loss, const dln_net *net, const double *V)
{
    size_t n = dln_net_num_params(net);
    job j = {loss, net, n, V, 0.0, malloc(n * sizeof(double)), malloc(NDIR * n * sizeof(double)),
             DLN_OK};
    return j;
}

static void assert_same(const job *a, const job *ref)
{
    ck_assert_ok(a->st);
    ck_assert_msg(memcmp(&a->f, &ref->f, sizeof a->f) == 0, "value differs");
    ck_assert_msg(memcmp(a->g, ref->g, ref->n * sizeof *a->g) == 0, "gradient differs");
    ck_assert_msg(memcmp(a->HV, ref->HV, NDIR * ref->n * sizeof *a->HV) == 0, "HVPs differ");
}

START_TEST(loss_copies_in_two_threads)
{
    /* both chain sides: d_0 < d_L and d_0 > d_L */
    static const size_t shapes[2][5] = {{5, 9, 7, 8, 12}, {12, 7, 9, 8, 4}};
    tu_rng r;
    tu_seed(&r, 61);
    for (int s = 0; s < 2; s++) {
        const size_t *d = shapes[s];
        double *X = tu_padded(&r, d[0], 50, d[0]), *Y = tu_padded(&r, d[4], 50, d[4]);
        dln_loss *loss = NULL, *c1 = NULL, *c2 = NULL;
        ck_assert_ok(dln_loss_create_data(&loss, d[0], d[4], 50, X, d[0], Y, d[4]));
        ck_assert_ok(dln_loss_set_l2_uniform(loss, 0.05));
        dln_net *net = tu_net(4, d, 0.4, 3);
        size_t n = dln_net_num_params(net);
        double *V = malloc(NDIR * n * sizeof *V);
        tu_fill(&r, NDIR * n, V);
        job ref = make_job(loss, net, V);
        run_job(&ref); /* sequential reference on the original */
        ck_assert_ok(ref.st);
        ck_assert_ok(dln_loss_copy(&c1, loss));
        ck_assert_ok(dln_loss_copy(&c2, loss));
        job j1 = make_job(c1, net, V), j2 = make_job(c2, net, V);
        pthread_t t1, t2;
        ck_assert_int_eq(pthread_create(&t1, NULL, run_job, &j1), 0);
        ck_assert_int_eq(pthread_create(&t2, NULL, run_job, &j2), 0);
        ck_assert_int_eq(pthread_join(t1, NULL), 0);
        ck_assert_int_eq(pthread_join(t2, NULL), 0);
        assert_same(&j1, &ref);
        assert_same(&j2, &ref);
        job *all[3] = {&ref, &j1, &j2};
        for (int k = 0; k < 3; k++) free(all[k]->g), free(all[k]->HV);
        free(X), free(Y), free(V);
        dln_net_free(net);
        dln_loss_free(loss), dln_loss_free(c1), dln_loss_free(c2);
    }
}
END_TEST

/* ---- every handle kind in parallel around one shared const net ---------- */

/* What one worker computes with its own loss, landscape and optimizer while
 * reading the shared net: compared bit for bit with a sequential run. */
typedef struct work {
    const dln_net *net;  /* shared, only read */
    const dln_loss *src; /* copied by the worker */
    size_t n;
    double f, *g, *evals, *P, *out, opt_theta[64];
    dln_class_report cls;
    dln_dist_report dist;
    dln_opt_report rep;
    dln_status st;
} work;

enum { NEIG = 3, NFWD = 5 };
static const size_t wshape[4] = {3, 4, 4, 2}; /* n = 12 + 16 + 8 = 36 */

static dln_status work_body(work *w, dln_loss *loss, dln_landscape **ls, dln_opt **opt,
                            dln_net **mine)
{
    static const double X[3 * NFWD] = {1, 2, 3, -1, 0, 2, .5, .5, -2, 3, 1, 0, -1, -1, 1};
    dln_status st;
    if ((st = dln_loss_grad(loss, w->net, &w->f, w->g))) return st;
    if ((st = dln_loss_hessian_eigs(loss, w->net, DLN_EIG_SMALLEST, NEIG, 0, 0, 7, w->evals,
                                    NULL, 0, NULL)))
        return st;
    if ((st = dln_net_end_to_end(w->net, w->P, 2))) return st;
    if ((st = dln_net_forward(w->net, NFWD, X, 3, w->out, 2))) return st;
    if ((st = dln_landscape_create(ls, loss, 3, wshape))) return st;
    w->cls.struct_size = sizeof w->cls;
    if ((st = dln_landscape_classify(*ls, w->net, DLN_METHOD_BOTH, &w->cls, NULL, NULL))) return st;
    w->dist.struct_size = sizeof w->dist;
    if ((st = dln_landscape_distance(*ls, w->net, &w->dist, NULL, NULL))) return st;
    /* the optimizer writes its own copy of the shared starting point */
    if ((st = dln_net_copy(mine, w->net))) return st;
    if ((st = dln_opt_create(opt, DLN_OPT_LBFGS))) return st;
    if ((st = dln_opt_set_max_iter(*opt, 30))) return st;
    w->rep.struct_size = sizeof w->rep;
    if ((st = dln_opt_run(*opt, loss, *mine, &w->rep))) return st;
    w->rep.elapsed = 0; /* the only field that may differ between runs */
    return dln_net_get_params(*mine, w->opt_theta);
}

static void *run_work(void *arg)
{
    work *w = arg;
    dln_loss *loss = NULL;
    dln_landscape *ls = NULL;
    dln_opt *opt = NULL;
    dln_net *mine = NULL;
    w->st = dln_loss_copy(&loss, w->src);
    if (w->st == DLN_OK) w->st = work_body(w, loss, &ls, &opt, &mine);
    dln_net_free(mine);
    dln_opt_free(opt);
    dln_landscape_free(ls);
    dln_loss_free(loss);
    return NULL;
}

static work make_work(const dln_loss *src, const dln_net *net)
{
    size_t n = dln_net_num_params(net);
    work w;
    memset(&w, 0, sizeof w);
    w.net = net, w.src = src, w.n = n;
    w.g = calloc(n, sizeof(double));
    w.evals = calloc(NEIG, sizeof(double));
    w.P = calloc(2 * 3, sizeof(double));
    w.out = calloc(2 * NFWD, sizeof(double));
    ck_assert(w.g && w.evals && w.P && w.out);
    return w;
}

static void free_work(work *w) { free(w->g), free(w->evals), free(w->P), free(w->out); }

#define SAME_BITS(a, b, count) ck_assert_msg(memcmp((a), (b), (count)) == 0, "%s differs", #a)

static void assert_same_bits(const work *a, const work *ref)
{
    ck_assert_ok(a->st);
    SAME_BITS(&a->f, &ref->f, sizeof a->f);
    SAME_BITS(a->g, ref->g, a->n * sizeof(double));
    SAME_BITS(a->evals, ref->evals, NEIG * sizeof(double));
    SAME_BITS(a->P, ref->P, 6 * sizeof(double));
    SAME_BITS(a->out, ref->out, 2 * NFWD * sizeof(double));
    SAME_BITS(&a->cls, &ref->cls, sizeof a->cls);
    SAME_BITS(&a->dist, &ref->dist, sizeof a->dist);
    SAME_BITS(&a->rep, &ref->rep, sizeof a->rep);
    SAME_BITS(a->opt_theta, ref->opt_theta, a->n * sizeof(double));
}

START_TEST(handles_around_one_const_net)
{
    enum { NT = 3 };
    tu_rng r;
    tu_seed(&r, 62);
    double Phi[2 * 3];
    tu_fill(&r, 6, Phi);
    dln_loss *loss = NULL; /* the target form: regularized theory applies */
    ck_assert_ok(dln_loss_create_target(&loss, 2, 3, Phi, 2));
    ck_assert_ok(dln_loss_set_l2_uniform(loss, 0.02));
    dln_net *net = tu_net(3, wshape, 0.5, 9);
    ck_assert_uint_le(dln_net_num_params(net), 64);
    work ref = make_work(loss, net), w[NT];
    run_work(&ref);
    ck_assert_ok(ref.st);
    pthread_t t[NT];
    for (int i = 0; i < NT; i++) w[i] = make_work(loss, net);
    for (int i = 0; i < NT; i++) ck_assert_int_eq(pthread_create(&t[i], NULL, run_work, &w[i]), 0);
    for (int i = 0; i < NT; i++) ck_assert_int_eq(pthread_join(t[i], NULL), 0);
    for (int i = 0; i < NT; i++) assert_same_bits(&w[i], &ref), free_work(&w[i]);
    free_work(&ref);
    dln_net_free(net);
    dln_loss_free(loss);
}
END_TEST

Suite *suite_threads(void)
{
    Suite *s = suite_create("threads");
    TCase *tc = tcase_create("threads");
    tcase_add_test(tc, loss_copies_in_two_threads);
    tcase_add_test(tc, handles_around_one_const_net);
    suite_add_tcase(s, tc);
    return s;
}
