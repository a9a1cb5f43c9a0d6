"""Slices, the exact line polynomial, residual layers, the excess, the distance
to a chosen orbit, per-layer root values and the step from the curvature,
through the package (the C suites test the numbers in depth)."""
import numpy as np
import pytest

import dlnet


@pytest.fixture
def regularized():
    """regularized.md 10.1: L = 3, lam = 1, target diag(3, 1.9)."""
    loss = dlnet.Loss.target(np.diag([3.0, 1.9]), l2=1.0)
    return loss, dlnet.Landscape(loss, [2, 2, 2, 2])


def test_line_polynomial_matches_the_slice(rng):
    X, Y = rng.standard_normal((20, 3)), rng.standard_normal((20, 2))
    loss = dlnet.Loss.data(X, Y, l2=0.1)
    a = dlnet.Net([3, 4, 4, 2]).init_gaussian(0.5, seed=1)
    b = dlnet.Net([3, 4, 4, 2]).init_gaussian(0.5, seed=2)
    c = loss.line_coeffs(a, b.params - a.params)
    assert c.shape == (7,)
    t = np.linspace(-1.0, 2.0, 13)
    direct = loss.slice_line(a, b, t)
    assert np.allclose(np.polyval(c[::-1], t), direct, rtol=1e-12, atol=1e-12)
    assert direct[4] == pytest.approx(loss.value(a), rel=1e-15)  # t = 0


def test_plane_and_directions(rng):
    loss = dlnet.Loss.target(rng.standard_normal((2, 3)), l2=0.05)
    net = dlnet.Net([3, 3, 2]).init_gaussian(0.7, seed=3)
    d1, d2, ev = loss.slice_directions(net, dlnet.SliceDirs.HESSIAN_TOP, seed=1)
    top = np.linalg.eigvalsh(loss.hessian(net))[::-1][:2]
    assert np.allclose(ev, top, rtol=1e-9)
    alpha, beta = np.linspace(-1, 1, 5), np.linspace(-0.5, 0.5, 3)
    V = loss.slice_plane(net, d1, d2, alpha, beta)
    assert V.shape == (5, 3)
    shifted = net.copy()
    shifted.set_params(net.params + alpha[1] * d1 + beta[2] * d2)
    assert V[1, 2] == pytest.approx(loss.value(shifted), rel=1e-14)
    r1, r2, rev = loss.slice_directions(net, seed=7)
    assert np.isnan(rev).all() and not np.allclose(r1, r2)


def test_residual_layers_act_on_A(rng):
    X, Y = rng.standard_normal((30, 3)), rng.standard_normal((30, 3))
    loss = dlnet.Loss.data(X, Y, l2=0.2)
    net = dlnet.Net([3, 3, 3]).init_gaussian(0.3, seed=4)
    W = net.params
    net.set_residual(1).set_residual(2)
    assert net.is_residual(1) and net.is_residual(2)
    A = net.params
    assert np.allclose(A + np.concatenate([np.eye(3).ravel()] * 2), W, atol=1e-15)
    plain = dlnet.Net([3, 3, 3])
    plain.set_params(W)
    # gradient in A: the plain gradient minus lam (W - A) = lam I on the diagonals
    g = loss.grad(net) - loss.grad(plain) + 0.2 * (W - A)
    assert np.abs(g).max() < 1e-12
    assert np.allclose(loss.hessian(net), loss.hessian(plain), rtol=1e-14, atol=1e-14)
    with pytest.raises(dlnet.DimError):
        dlnet.Net([3, 4, 3]).set_residual(1)
    ls = dlnet.Landscape(loss, [3, 3, 3])
    with pytest.raises(dlnet.UnsupportedError):
        ls.classify(net)


def test_excess_distance_to_and_root_layers(regularized):
    loss, ls = regularized
    glob = (dlnet.Match.PLUS, dlnet.Match.NONE)
    w0 = ls.build(glob, frames=dlnet.Frames.RANDOM, seed=2)
    H = loss.hessian(w0)
    mu, V = np.linalg.eigh(H)
    w = w0.copy()
    t = 1e-7
    w.set_params(w0.params + t * V[:, -1])
    ex, exo = ls.excess(w)
    assert ex == exo and ex == pytest.approx(0.5 * mu[-1] * t * t, rel=1e-5)
    rep = ls.distance_to(w, glob)
    assert rep.dist == pytest.approx(t, rel=1e-6) and rep.candidates == 1
    S = ls.root_layers(0)
    r = ls.roots(0)
    assert S.shape == (3, 2) and np.allclose(S[:, 0], r.s[0]) and np.allclose(S[:, 1], r.s[1])


def test_step_from_hessian(rng):
    X, Y = rng.standard_normal((40, 4)), rng.standard_normal((40, 2))
    loss = dlnet.Loss.data(X, Y)
    net = dlnet.Net([4, 2])
    opt = dlnet.Optimizer(dlnet.OptKind.HEAVY_BALL, momentum=0.5)
    eta, mu = opt.step_from_hessian(loss, net, fraction=0.5)
    assert mu == pytest.approx(np.linalg.eigvalsh(X.T @ X)[-1], rel=1e-8)
    assert eta == pytest.approx(0.5 * 2 * 1.5 / mu, rel=1e-12) and opt.step_size == eta


def test_residual_net_exports_its_weights(tmp_path):
    net = dlnet.Net([3, 3, 2]).init_gaussian(0.4, seed=5).set_residual(1)
    X = np.arange(6.0).reshape(2, 3)
    path = str(tmp_path / 'res.npz')
    net.save(path)
    back = dlnet.Net.load(path)
    assert back.is_residual(1) and not back.is_residual(2)
    assert np.allclose(back.params, net.params, atol=1e-15)
    assert np.allclose(back.forward(X), net.forward(X), rtol=1e-14)
    torch = pytest.importorskip('torch')
    with torch.no_grad():
        y = net.to_torch()(torch.from_numpy(X)).numpy()
    assert np.allclose(y, net.forward(X), rtol=1e-14)
