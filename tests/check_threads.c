/* check_threads.c - the thread rules of dlnet.h: a const net may be shared,
 * and copies of a loss (dln_loss_copy) run in parallel threads give the
 * results of sequential calls. */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <threads.h>

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
static int run_job(void *arg)
{
    job *j = arg;
    j->st = DLN_OK;
    for (int rep = 0; rep < REPS && j->st == DLN_OK; rep++) {
        j->st = dln_loss_grad(j->loss, j->net, &j->f, j->g);
        for (size_t k = 0; k < NDIR && j->st == DLN_OK; k++)
            j->st = dln_loss_hvp(j->loss, j->net, j->V + k * j->n, j->HV + k * j->n);
        if (j->st == DLN_OK) j->st = dln_loss_hvp_batch(j->loss, j->net, NDIR, j->V, j->n, j->HV, j->n);
    }
    return 0;
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
    ck_assert_double_le(fabs(a->f - ref->f), 1e-14 * ref->f);
    ck_assert_double_le(tu_relerr(ref->n, a->g, ref->g, 1e-300), 1e-14);
    ck_assert_double_le(tu_relerr(NDIR * ref->n, a->HV, ref->HV, 1e-300), 1e-14);
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
        thrd_t t1, t2;
        ck_assert_int_eq(thrd_create(&t1, run_job, &j1), thrd_success);
        ck_assert_int_eq(thrd_create(&t2, run_job, &j2), thrd_success);
        ck_assert_int_eq(thrd_join(t1, NULL), thrd_success);
        ck_assert_int_eq(thrd_join(t2, NULL), thrd_success);
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

Suite *suite_threads(void)
{
    Suite *s = suite_create("threads");
    TCase *tc = tcase_create("threads");
    tcase_add_test(tc, loss_copies_in_two_threads);
    suite_add_tcase(s, tc);
    return s;
}
