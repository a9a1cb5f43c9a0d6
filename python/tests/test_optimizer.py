"""Optimizer: GD equals a hand-written loop bit for bit, options, callbacks
(stopping, exceptions), histories with named columns, copies, escapes."""
import numpy as np
import pytest

import dlnet


@pytest.fixture
def problem():
    loss = dlnet.Loss.target(np.diag([3.0, 1.9]), l2=1.0)
    return loss, dlnet.Net([2, 2, 2, 2]).init_gaussian(1.0, 2)


def test_gd_is_the_hand_written_loop(problem):
    loss, net = problem
    hand = net.copy()
    opt = dlnet.Optimizer(dlnet.OptKind.GD, step_size=0.1, max_iter=25, grad_tol=0)
    rep = opt.run(loss, net)
    for _ in range(25):
        hand.set_params(hand.params - 0.1 * loss.grad(hand))
    assert np.array_equal(net.params, hand.params)
    assert rep.stop == dlnet.Stop.MAX_ITER and rep.iterations == 25
    assert rep.kind == dlnet.OptKind.GD and rep.grad_evals == 26
    assert rep.loss == loss.value(net)


def test_options_roundtrip_and_errors(problem):
    opt = dlnet.Optimizer(dlnet.OptKind.ADAM, step_size=0.01, adam_betas=(0.8, 0.99))
    assert opt.adam_betas == (0.8, 0.99) and opt.step_size == 0.01 and opt.max_iter == 1000
    opt.adam_eps = 1e-7
    assert opt.adam_eps == 1e-7
    with pytest.raises(dlnet.RangeError) as e:
        opt.step_size = -1.0
    assert opt.step_size == 0.01 and e.value.message == opt.errmsg and 'step' in e.value.message
    with pytest.raises(dlnet.UnsupportedError):
        opt.momentum = 0.5
    with pytest.raises(TypeError):
        dlnet.Optimizer(dlnet.OptKind.GD, stepsize=0.1)
    lb = dlnet.Optimizer(dlnet.OptKind.LBFGS_ESCAPE, memory=5, seed=3, wolfe=(1e-4, 0.8),
                         escape=(1e-3, 1e-5), armijo=(1e-3, 0.4), rate_window=20)
    assert (lb.memory, lb.seed, lb.wolfe, lb.escape, lb.armijo, lb.rate_window) == \
        (5, 3, (1e-4, 0.8), (1e-3, 1e-5), (1e-3, 0.4), 20)
    hb = dlnet.Optimizer(dlnet.OptKind.HEAVY_BALL, momentum=0.5, loss_rel_tol=1e-12,
                         loss_abs_tol=1e-14, step_tol=1e-15, divergence=1e6)
    assert (hb.momentum, hb.loss_rel_tol, hb.loss_abs_tol, hb.step_tol, hb.divergence) == \
        (0.5, 1e-12, 1e-14, 1e-15, 1e6)
    assert dlnet.kind_name(hb.kind) == 'heavy-ball'
    assert dlnet.stop_name(dlnet.Stop.GRAD_TOL) == 'grad-tol'


def test_callback_sees_progress_and_stops_the_run(problem):
    loss, net = problem
    seen = []

    def cb(p):
        seen.append((p.iteration, p.loss))
        return p.iteration >= 7
    opt = dlnet.Optimizer(dlnet.OptKind.GD, step_size=0.1)
    opt.set_callback(cb, every=1)
    rep = opt.run(loss, net)
    assert rep.stop == dlnet.Stop.CALLBACK and rep.iterations == 7
    assert [k for k, _ in seen] == list(range(8)) and seen[-1][1] == rep.loss


def test_an_exception_in_the_callback_propagates_and_stops(problem):
    loss, net = problem

    class Stop(Exception):
        pass

    def cb(p):
        if p.iteration == 3:
            raise Stop('from the callback')
    opt = dlnet.Optimizer(dlnet.OptKind.GD, step_size=0.1, max_iter=100)
    opt.set_callback(cb)
    with pytest.raises(Stop, match='from the callback'):
        opt.run(loss, net)
    assert opt.report().iterations == 3 and opt.report().stop == dlnet.Stop.CALLBACK
    opt.set_callback(None)
    assert opt.run(loss, net).stop != dlnet.Stop.CALLBACK  # no stale error


def test_histories_have_named_columns(problem):
    loss, net = problem
    opt = dlnet.Optimizer(dlnet.OptKind.GD, step_size=0.1, max_iter=50,
                          metrics=[dlnet.Metric.LOSS, dlnet.Metric.GRAD_NORM, dlnet.Metric.DIST])
    assert opt.metrics == (dlnet.Metric.LOSS, dlnet.Metric.GRAD_NORM, dlnet.Metric.DIST)
    start = net.copy()
    rep, h = opt.run_history(loss, net, rows=1000)
    assert h.dtype.names == ('loss', 'grad_norm', 'dist') and len(h) == rep.history_rows == 51
    assert h['loss'][0] == loss.value(start) and h['loss'][-1] == rep.loss
    assert h['grad_norm'][-1] == rep.grad_norm and np.all(np.diff(h['loss']) <= 0)
    opt.history_capacity = 20
    assert opt.history_capacity == 20
    net2 = start.copy()
    rep2 = opt.run(loss, net2)
    h2 = opt.history()
    assert opt.history_rows == len(h2) == 20 and np.array_equal(h2, h[:20])
    assert rep2.history_rows == 20


def test_copy_step_reset_and_escapes(problem):
    loss, net = problem
    opt = dlnet.Optimizer(dlnet.OptKind.GD, step_size=0.1, max_iter=5)
    calls = []
    opt.set_callback(lambda p: calls.append(p.iteration))
    twin = opt.copy()
    assert twin.step_size == 0.1 and twin.max_iter == 5
    twin.run(loss, net.copy())
    assert calls == list(range(6))
    a, b = net.copy(), net.copy()
    opt.run(loss, a)
    for _ in range(5):
        assert twin.step(loss, b) == dlnet.Stop.NONE
    assert np.array_equal(a.params, b.params) and twin.report().iterations == 5
    twin.reset()
    # a strict saddle: L-BFGS with escapes leaves it
    ls = dlnet.Landscape(loss, net.widths)
    saddle = [p for p in ls.orbits() if ls.pattern_info(p).cls == dlnet.Class.STRICT_SADDLE][0]
    w = ls.build(saddle)
    w.set_params(w.params + 1e-9)
    esc = dlnet.Optimizer(dlnet.OptKind.LBFGS_ESCAPE, grad_tol=1e-10)
    rep = esc.run(loss, w)
    assert rep.escapes >= 1 and esc.escapes()[0].eigenvalue < 0
    assert ls.classify(w).cls in (dlnet.Class.GLOBAL_MIN, dlnet.Class.LOCAL_MIN)
    with pytest.raises(dlnet.RangeError):
        esc.escape_info(10 ** 6)


def test_run_errors_use_the_optimizer_message(problem):
    loss, _ = problem
    opt = dlnet.Optimizer()
    with pytest.raises(dlnet.DimError) as e:
        opt.run(loss, dlnet.Net([3, 2]))
    assert e.value.message == opt.errmsg != ''


def test_ctrl_c_during_a_run_with_a_callback_stops_it(problem):
    import signal
    loss, net = problem

    def cb(p):
        if p.iteration == 4:
            signal.raise_signal(signal.SIGINT)  # as if Ctrl-C came during the C iteration
    opt = dlnet.Optimizer(dlnet.OptKind.GD, step_size=0.1, max_iter=1000)
    opt.set_callback(cb)
    # a shell ignores SIGINT in jobs it starts in the background, and Python
    # then keeps it ignored: install Python's own handler for this test
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            opt.run(loss, net)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert opt.report().stop == dlnet.Stop.CALLBACK and opt.report().iterations == 4
