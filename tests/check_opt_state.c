/* check_opt_state.c - when dln_opt_step() continues the method state and
 * when it restarts: every function that writes a net's weights (also with
 * the same values) makes the next step restart, reads do not, nor does a
 * fresh net at a freed net's address inherit the state; the weight blocks
 * that the optimizer exchanges with the net stay correctly owned (ASan and
 * valgrind runs), and a non-finite step late in a sequence puts the net back
 * exactly. Oracles: a fresh handle's single step from the same weights, an
 * uninterrupted sequence of steps, hand-written GD loops. */
#include "landscape_util.h"
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

static const size_t W4[4] = {2, 2, 2, 2}; /* the net of regularized.md 10.1 */

typedef struct ctx {
    dln_loss *loss;     /* regularized.md 10.1: target diag(3, 1.9), lam_l = 1 */
    dln_landscape *ls;
    dln_net *other;     /* another net of the same widths */
} ctx;

static dln_opt *heavy_ball(void)
{
    dln_opt *opt = NULL;
    ck_assert_ok(dln_opt_create(&opt, DLN_OPT_HEAVY_BALL));
    ck_assert_ok(dln_opt_set_step(opt, 0.05));
    ck_assert_ok(dln_opt_set_momentum(opt, 0.9));
    ck_assert_ok(dln_opt_set_grad_tol(opt, 0.0));
    return opt;
}

static size_t iterations(const dln_opt *opt)
{
    dln_opt_report rep = {.struct_size = sizeof rep};
    ck_assert_ok(dln_opt_get_report(opt, &rep));
    return rep.iterations;
}

static dln_net *copy_of(const dln_net *net)
{
    dln_net *c = NULL;
    ck_assert_ok(dln_net_copy(&c, net));
    return c;
}

static int same_weights(const dln_net *a, const dln_net *b)
{
    double ta[12], tb[12];
    ck_assert_uint_eq(dln_net_num_params(a), 12);
    ck_assert_ok(dln_net_get_params(a, ta));
    ck_assert_ok(dln_net_get_params(b, tb));
    return memcmp(ta, tb, sizeof ta) == 0;
}

/* One hand-written GD step th <- th - eta grad F(th), evaluated on the
 * scratch net h (12 weights). */
static void hand_gd_step(dln_loss *loss, dln_net *h, double eta, double *th)
{
    double g[12];
    ck_assert_ok(dln_net_set_params(h, th));
    ck_assert_ok(dln_loss_grad(loss, h, NULL, g));
    for (size_t i = 0; i < 12; i++) th[i] = th[i] - eta * g[i];
}

/* ---- the functions that write a net's weights --------------------------------- */

static void w_params_changed(const ctx *c, dln_net *net)
{
    (void)c;
    double th[12];
    ck_assert_ok(dln_net_get_params(net, th));
    th[5] += 0.1;
    ck_assert_ok(dln_net_set_params(net, th));
}

static void w_params_same(const ctx *c, dln_net *net)
{
    (void)c;
    double th[12];
    ck_assert_ok(dln_net_get_params(net, th));
    ck_assert_ok(dln_net_set_params(net, th));
}

static void w_layer(const ctx *c, dln_net *net)
{
    (void)c;
    const double W[4] = {0.3, -0.2, 0.5, 0.1};
    ck_assert_ok(dln_net_set_layer(net, 2, W, 2, DLN_COL_MAJOR));
}

static void w_layer_same(const ctx *c, dln_net *net)
{
    (void)c;
    double W[6];
    ck_assert_ok(dln_net_get_layer(net, 3, W, 3, DLN_ROW_MAJOR));
    ck_assert_ok(dln_net_set_layer(net, 3, W, 3, DLN_ROW_MAJOR));
}

static void w_zeros(const ctx *c, dln_net *net)
{
    (void)c;
    ck_assert_ok(dln_net_init_zeros(net));
}

static void w_gaussian(const ctx *c, dln_net *net)
{
    (void)c;
    ck_assert_ok(dln_net_init_gaussian(net, 0.5, 7));
}

static void w_orthogonal(const ctx *c, dln_net *net)
{
    (void)c;
    ck_assert_ok(dln_net_init_orthogonal(net, 0.8, 8));
}

static void w_identity(const ctx *c, dln_net *net)
{
    (void)c;
    ck_assert_ok(dln_net_init_identity(net, 0.9));
}

static void w_balanced(const ctx *c, dln_net *net)
{
    (void)c;
    const double A[4] = {1.0, 0.2, -0.3, 0.6};
    ck_assert_ok(dln_net_init_balanced(net, A, 2, DLN_FRAMES_RANDOM, 9));
}

static void w_balanced_random(const ctx *c, dln_net *net)
{
    (void)c;
    ck_assert_ok(dln_net_init_balanced_random(net, 0.7, 10));
}

static void w_build(const ctx *c, dln_net *net)
{
    const int global_min[2] = {1, 0};
    ck_assert_ok(dln_landscape_build(c->ls, global_min, NULL, DLN_FRAMES_RANDOM, 11, net));
}

static void w_nearest(const ctx *c, dln_net *net)
{
    dln_dist_report r = {.struct_size = sizeof r};
    ck_assert_ok(dln_landscape_distance(c->ls, c->other, &r, NULL, net));
}

static void w_other_step(const ctx *c, dln_net *net)
{
    dln_opt *o2 = heavy_ball();
    ck_assert_ok(dln_opt_step(o2, c->loss, net, NULL));
    dln_opt_free(o2);
}

static void w_other_run(const ctx *c, dln_net *net)
{
    dln_opt *o2 = NULL;
    ck_assert_ok(dln_opt_create(&o2, DLN_OPT_GD));
    ck_assert_ok(dln_opt_set_max_iter(o2, 2));
    ck_assert_ok(dln_opt_run(o2, c->loss, net, NULL));
    dln_opt_free(o2);
}

typedef struct writer {
    const char *name;
    void (*write)(const ctx *c, dln_net *net);
} writer;

static const writer writers[] = {
    {"dln_net_set_params", w_params_changed},
    {"dln_net_set_params (same values)", w_params_same},
    {"dln_net_set_layer", w_layer},
    {"dln_net_set_layer (same values, row-major)", w_layer_same},
    {"dln_net_init_zeros", w_zeros},
    {"dln_net_init_gaussian", w_gaussian},
    {"dln_net_init_orthogonal", w_orthogonal},
    {"dln_net_init_identity", w_identity},
    {"dln_net_init_balanced", w_balanced},
    {"dln_net_init_balanced_random", w_balanced_random},
    {"dln_landscape_build", w_build},
    {"dln_landscape_distance (nearest)", w_nearest},
    {"dln_opt_step of another handle", w_other_step},
    {"dln_opt_run of another handle", w_other_run},
};

static void ctx_open(ctx *c)
{
    c->loss = lu_example_101();
    c->ls = lu_landscape(c->loss, 3, W4, NULL);
    c->other = tu_net(3, W4, 0.6, 5);
}

static void ctx_close(ctx *c)
{
    dln_net_free(c->other);
    dln_landscape_free(c->ls);
    dln_loss_free(c->loss);
}

/* After three heavy-ball steps the momentum is far from zero: a step that
 * kept it (or the gradient of the old weights) would differ from a fresh
 * handle's first step from the written weights. */
START_TEST(every_write_restarts)
{
    ctx c;
    ctx_open(&c);
    dln_net *base = tu_net(3, W4, 0.7, 3);
    for (size_t i = 0; i < sizeof writers / sizeof writers[0]; i++) {
        dln_net *a = copy_of(base);
        dln_opt *opt = heavy_ball(), *fresh = heavy_ball();
        for (int k = 0; k < 3; k++) ck_assert_ok(dln_opt_step(opt, c.loss, a, NULL));
        ck_assert_uint_eq(iterations(opt), 3);
        writers[i].write(&c, a);
        dln_net *b = copy_of(a);
        ck_assert_ok(dln_opt_step(opt, c.loss, a, NULL));
        ck_assert_ok(dln_opt_step(fresh, c.loss, b, NULL));
        ck_assert_msg(same_weights(a, b), "state kept after %s", writers[i].name);
        ck_assert_msg(iterations(opt) == 1, "no restart after %s", writers[i].name);
        dln_opt_free(opt), dln_opt_free(fresh);
        dln_net_free(a), dln_net_free(b);
    }
    dln_net_free(base);
    ctx_close(&c);
}
END_TEST

/* Functions that only read the net (or write another one) keep the state:
 * 3 steps, the reads, 3 steps equal 6 uninterrupted steps. */
START_TEST(reads_keep_state)
{
    ctx c;
    ctx_open(&c);
    dln_net *a = tu_net(3, W4, 0.7, 4), *r = copy_of(a);
    dln_opt *opt = heavy_ball(), *ref = heavy_ball();
    for (int k = 0; k < 6; k++) ck_assert_ok(dln_opt_step(ref, c.loss, r, NULL));
    for (int k = 0; k < 3; k++) ck_assert_ok(dln_opt_step(opt, c.loss, a, NULL));
    double th[12], g[12], hv[12], W[6], f;
    ck_assert_ok(dln_net_get_params(a, th));
    ck_assert_ok(dln_net_get_layer(a, 1, W, 2, DLN_COL_MAJOR));
    dln_net *cp = copy_of(a);
    ck_assert_ok(dln_net_init_gaussian(cp, 1.0, 1)); /* writes the copy only */
    dln_net_free(cp);
    ck_assert_ok(dln_loss_value(c.loss, a, &f));
    ck_assert_ok(dln_loss_grad(c.loss, a, &f, g));
    ck_assert_ok(dln_loss_hvp(c.loss, a, th, hv));
    dln_dist_report dr = {.struct_size = sizeof dr};
    ck_assert_ok(dln_landscape_distance(c.ls, a, &dr, NULL, c.other)); /* writes other */
    ck_assert_uint_eq(iterations(opt), 3);
    for (int k = 0; k < 3; k++) ck_assert_ok(dln_opt_step(opt, c.loss, a, NULL));
    ck_assert_uint_eq(iterations(opt), 6);
    ck_assert(same_weights(a, r));
    dln_opt_free(opt), dln_opt_free(ref);
    dln_net_free(a), dln_net_free(r);
    ctx_close(&c);
}
END_TEST

/* A net created after the last one was freed restarts the state, also when
 * it has the freed net's address (glibc gives the address back at every
 * trial of this sequence; ASan and valgrind hold freed blocks back, and then
 * every trial is the plain case of a new net). */
START_TEST(fresh_net_at_freed_address)
{
    ctx c;
    ctx_open(&c);
    dln_opt *opt = heavy_ball();
    for (int trial = 0; trial < 8; trial++) {
        dln_net *x = NULL;
        ck_assert_ok(dln_net_create(&x, 3, W4));
        ck_assert_ok(dln_net_init_gaussian(x, 0.7, 20 + (uint64_t)trial));
        dln_net *b = copy_of(x);
        dln_opt *fresh = heavy_ball();
        ck_assert_ok(dln_opt_step(opt, c.loss, x, NULL));
        ck_assert_ok(dln_opt_step(fresh, c.loss, b, NULL));
        ck_assert(same_weights(x, b));
        ck_assert_uint_eq(iterations(opt), 1);
        for (int k = 0; k < 2; k++) ck_assert_ok(dln_opt_step(opt, c.loss, x, NULL));
        /* the state is live on x: the next x (same address) must not get it */
        dln_net_free(x);
        dln_opt_free(fresh);
        dln_net_free(b);
    }
    dln_opt_free(opt);
    ctx_close(&c);
}
END_TEST

/* One GD handle alternating between two nets of the same shape restarts at
 * every switch and takes the hand-written GD step each time, while the
 * weight blocks change hands between the handles; then the handles are
 * freed in both orders (ownership: no leak, no double free). */
START_TEST(blocks_change_hands)
{
    ctx c;
    ctx_open(&c);
    const double eta = 0.02;
    dln_net *net[2] = {tu_net(3, W4, 0.7, 40), tu_net(3, W4, 0.7, 41)}, *h = copy_of(net[0]);
    double th[2][12], g[12];
    for (int j = 0; j < 2; j++) ck_assert_ok(dln_net_get_params(net[j], th[j]));
    dln_opt *opt = NULL;
    ck_assert_ok(dln_opt_create(&opt, DLN_OPT_GD));
    ck_assert_ok(dln_opt_set_step(opt, eta));
    for (int k = 0; k < 10; k++) {
        int j = k % 2;
        hand_gd_step(c.loss, h, eta, th[j]);
        ck_assert_ok(dln_opt_step(opt, c.loss, net[j], NULL));
        ck_assert_uint_eq(iterations(opt), 1);
        double got[12];
        ck_assert_ok(dln_net_get_params(net[j], got));
        ck_assert_int_eq(memcmp(got, th[j], sizeof got), 0);
    }
    dln_net_free(net[0]); /* a net freed before the handle */
    ck_assert_ok(dln_opt_step(opt, c.loss, net[1], NULL));
    dln_opt_free(opt); /* a handle freed before the net */
    ck_assert_ok(dln_loss_grad(c.loss, net[1], NULL, g));
    ck_assert_ok(dln_net_set_params(net[1], th[1]));
    dln_net_free(net[1]), dln_net_free(h);
    ctx_close(&c);
}
END_TEST

/* A step that overflows after several good ones leaves the net exactly at
 * the last finite iterate (the hand loop's), and the next step restarts. */
START_TEST(late_nonfinite_restores)
{
    ctx c;
    ctx_open(&c);
    const double eta = 0.02;
    dln_net *a = tu_net(3, W4, 0.7, 50), *h = copy_of(a);
    double th[12], got[12];
    ck_assert_ok(dln_net_get_params(a, th));
    dln_opt *opt = NULL;
    ck_assert_ok(dln_opt_create(&opt, DLN_OPT_GD));
    ck_assert_ok(dln_opt_set_step(opt, eta));
    for (int k = 0; k < 4; k++) {
        ck_assert_ok(dln_opt_step(opt, c.loss, a, NULL));
        hand_gd_step(c.loss, h, eta, th);
    }
    ck_assert_ok(dln_opt_set_step(opt, 1e300));
    dln_stop s;
    ck_assert_ok(dln_opt_step(opt, c.loss, a, &s));
    ck_assert_int_eq(s, DLN_STOP_NONFINITE);
    ck_assert_uint_eq(iterations(opt), 4);
    ck_assert_ok(dln_net_get_params(a, got));
    ck_assert_int_eq(memcmp(got, th, sizeof th), 0);
    ck_assert_ok(dln_opt_set_step(opt, eta));
    ck_assert_ok(dln_opt_step(opt, c.loss, a, &s));
    ck_assert_int_eq(s, DLN_STOP_NONE);
    ck_assert_uint_eq(iterations(opt), 1);
    hand_gd_step(c.loss, h, eta, th);
    ck_assert_ok(dln_net_get_params(a, got));
    ck_assert_int_eq(memcmp(got, th, sizeof th), 0);
    dln_opt_free(opt);
    dln_net_free(a), dln_net_free(h);
    ctx_close(&c);
}
END_TEST

Suite *suite_opt_state(void)
{
    Suite *s = suite_create("opt_state");
    TCase *tc = tcase_create("opt_state");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, every_write_restarts);
    tcase_add_test(tc, reads_keep_state);
    tcase_add_test(tc, fresh_net_at_freed_address);
    tcase_add_test(tc, blocks_change_hands);
    tcase_add_test(tc, late_nonfinite_restores);
    suite_add_tcase(s, tc);
    return s;
}
