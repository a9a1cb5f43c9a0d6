"""Landscape: thresholds, roots, orbits built and classified, the closed-form
spectrum against the dense Hessian, distance and rate, errors."""
import numpy as np
import pytest

import dlnet
from conftest import rel_err


@pytest.fixture
def regularized():
    loss = dlnet.Loss.target(np.diag([3.0, 1.9]), l2=1.0)
    return loss, dlnet.Landscape(loss, [2, 2, 2, 2])


def test_thresholds_and_roots():
    t = dlnet.critical_thresholds(3, 1.0)
    # L = 3, lam = 1: the double root of s^4 - y s + 1 has 4 s^3 = y and s^4 = 1/3,
    # so s* = 3^{-1/4} and y* = 4 3^{-3/4}
    assert t.sstar == pytest.approx(3 ** -0.25, rel=1e-14)
    assert t.ystar == pytest.approx(4 * 3 ** -0.75, rel=1e-14)
    s = t.sstar
    assert abs(s ** 4 - t.ystar * s + 1) < 1e-12 and abs(4 * s ** 3 - t.ystar) < 1e-12
    assert t.yhat == pytest.approx(2.0, rel=1e-14)
    r = dlnet.critical_roots(3, 1.0, 1.9)
    assert r.count == 2
    for s in r.s:
        assert abs(s ** 4 - 1.9 * s + 1) < 1e-12
    assert np.isnan(dlnet.critical_thresholds(2, 4.0).sstar)
    with pytest.raises(dlnet.RangeError):
        dlnet.critical_thresholds(1, 1.0)


def test_every_orbit_built_is_classified_as_the_theory_says(regularized):
    loss, ls = regularized
    assert ls.theory == dlnet.Theory.REGULARIZED and ls.limits == 0
    assert np.allclose(ls.values(), [3.0, 1.9], rtol=1e-14)
    info = ls.info()
    orbits = list(ls.orbits())
    assert len(orbits) == info.num_orbits == 9 and orbits[0] == (dlnet.Match.NONE,) * 2
    for pattern in orbits:
        oi = ls.pattern_info(pattern)
        net = ls.build(pattern, frames=dlnet.Frames.RANDOM, seed=4)
        assert abs(loss.value(net) - oi.value) <= 1e-12 * oi.value
        rep = ls.classify(net, dlnet.Method.BOTH)
        assert rep.cls == oi.cls and rep.agree == 1
        assert sorted(rep.pattern) == sorted(pattern)
        # the closed-form spectrum is the dense Hessian's
        assert rel_err(ls.orbit_spectrum(pattern), np.linalg.eigvalsh(loss.hessian(net))) < 1e-10
        eb = ls.distance(net)
        assert eb.dist < 1e-6 and eb.value == pytest.approx(oi.value, rel=1e-12)


def test_classify_gives_a_direction_at_a_strict_saddle(regularized):
    loss, ls = regularized
    saddles = [p for p in ls.orbits() if ls.pattern_info(p).cls == dlnet.Class.STRICT_SADDLE]
    net = ls.build(saddles[0])
    rep = ls.classify(net, direction=True)
    assert rep.cls == dlnet.Class.STRICT_SADDLE and rep.flags & dlnet.ClassFlag.DIRECTION
    d = rep.direction
    assert abs(np.linalg.norm(d) - 1) < 1e-12
    assert abs(d @ loss.hvp(net, d) - rep.curvature) <= 1e-10 * abs(rep.curvature)
    assert rep.curvature < 0
    assert dlnet.class_name(rep.cls) == 'strict saddle'


def test_distance_rate_and_nearest(regularized):
    loss, ls = regularized
    top = (dlnet.Match.PLUS, dlnet.Match.NONE)
    crit = ls.build(top)
    rng = np.random.default_rng(1)
    net = crit.copy()
    delta = 1e-4 * rng.standard_normal(net.num_params)
    net.set_params(net.params + delta)
    nearest = dlnet.Net(net.widths)
    eb = ls.distance(net, nearest=nearest)
    assert eb.pattern == top and eb.dist <= np.linalg.norm(delta) * (1 + 1e-6)
    assert abs(np.linalg.norm(nearest.params - net.params) - eb.dist) <= 1e-9
    rate = ls.rate(top, 0.1)
    spec = ls.orbit_spectrum(top)
    normal = spec[np.abs(spec) > 1e-9 * spec.max()]
    assert rate.rho == pytest.approx(np.max(np.abs(1 - 0.1 * normal)), rel=1e-10)


def test_tolerances_copy_and_errors(regularized):
    loss, ls = regularized
    ls.set_tol(dlnet.Tol.GRAD, 1e-6)
    assert ls.get_tol(dlnet.Tol.GRAD) == 1e-6
    other = ls.copy()
    assert other.get_tol(dlnet.Tol.GRAD) == 1e-6 and other.num_values == 2
    with pytest.raises(dlnet.RangeError):
        ls.set_tol(dlnet.Tol.GRAD, 2.0)
    assert ls.get_tol(dlnet.Tol.GRAD) == 1e-6
    with pytest.raises(dlnet.DimError):
        dlnet.Landscape(loss, [3, 2, 2])
    convex = dlnet.Landscape(loss, [2, 2])
    assert convex.theory == dlnet.Theory.CONVEX
    with pytest.raises(dlnet.UnsupportedError) as e:
        convex.roots(0)
    assert e.value.message == convex.errmsg
    with pytest.raises(ValueError):
        ls.pattern_info([1])
    with pytest.raises(dlnet.RangeError):
        ls.pattern_info([dlnet.Match.SELECTED, 0])


def test_unregularized_theory_and_extras():
    loss = dlnet.Loss.target(np.diag([3.0, 2.0, 1.0]))
    ls = dlnet.Landscape(loss, [3, 2, 3])
    assert ls.theory == dlnet.Theory.UNREGULARIZED and 'unregularized' in ls.reason.lower()
    S = (dlnet.Match.SELECTED, dlnet.Match.SELECTED, dlnet.Match.NONE)
    net = ls.build(S, extras=[dlnet.Extra.ZERO] * 2)
    assert ls.classify(net).cls == dlnet.Class.GLOBAL_MIN
    with pytest.raises(ValueError):
        ls.build(S, extras=[0])
    mixed = dlnet.Landscape(dlnet.Loss.target(np.eye(2), l2=[1.0, 0.0]), [2, 2, 2])
    assert mixed.theory == dlnet.Theory.NONE and mixed.limits & dlnet.Limit.MIXED_L2
