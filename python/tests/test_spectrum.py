"""Traces, density, layer and deflated spectra and the GD rate from Python,
against NumPy on the dense Hessian."""
import numpy as np
import pytest

import dlnet


@pytest.fixture
def problem(rng):
    widths = [3, 4, 3, 2]
    X, Y = rng.standard_normal((20, 3)), rng.standard_normal((20, 2))
    net = dlnet.Net(widths).init_gaussian(0.7, 5)
    return dlnet.Loss.data(X, Y, l2=0.1), net


def test_exact_trace_and_diagonal(problem):
    loss, net = problem
    H = loss.hessian(net)
    tr, layers, diag = loss.hessian_trace(net, diagonal=True)
    scale = np.abs(np.diag(H)).max()
    assert np.abs(diag - np.diag(H)).max() <= 1e-12 * scale
    assert abs(tr - np.trace(H)) <= 1e-12 * H.shape[0] * scale
    assert abs(layers.sum() - tr) <= 1e-12 * H.shape[0] * scale
    assert loss.hessian_trace(net)[2] is None


def test_hutchinson_covers_the_trace(problem):
    loss, net = problem
    tr = loss.hessian_trace(net)[0]
    est, se = loss.hessian_trace_estimate(net, probes=400, seed=3)
    assert 0 < se and abs(est - tr) <= 5 * se
    with pytest.raises(dlnet.RangeError):
        loss.hessian_trace_estimate(net, probes=1)


def test_density(problem):
    loss, net = problem
    ev = np.linalg.eigvalsh(loss.hessian(net))
    nodes, weights, dens = loss.hessian_density(net, probes=4, steps=6, seed=1,
                                                grid=np.linspace(-1, ev[-1] + 1, 5), sigma=0.5)
    assert nodes.shape == weights.shape == (4, 6) and dens.shape == (5,)
    assert abs(weights.sum() - 1) < 1e-12
    assert nodes[weights > 0].min() >= ev[0] - 1e-9 and nodes.max() <= ev[-1] + 1e-9


def test_layer_eigs(problem):
    loss, net = problem
    H = loss.hessian(net)
    off = [0, 12, 24, 30]
    for first, last in [(1, 1), (2, 2), (1, 2), (2, 3)]:
        block = H[off[first - 1]:off[last], off[first - 1]:off[last]]
        ref = np.linalg.eigvalsh(block)
        ev, rep = loss.layer_eigs(net, first, last, k=2)
        assert np.allclose(ev, ref[::-1][:2], rtol=0, atol=1e-9 * np.abs(ref).max())
        assert rep.converged == 1


def test_deflated_spectrum_and_rate(problem):
    loss, net = problem
    ev, vec, removed, rep = loss.hessian_eigs_deflated(net, k=2, vectors=True)
    assert removed == 9 and vec.shape == (net.num_params, 2)  # skew 4x4 and 3x3: 6 + 3
    ev2, _, _, _ = loss.hessian_eigs_deflated(net, k=2, force_iterative=True)
    assert np.allclose(ev, ev2, rtol=0, atol=1e-8 * abs(ev).max())
    rate = loss.gd_rate(net, eta=0.01)
    assert rate.orbit_dim == removed and rate.hess_min == pytest.approx(ev[0], abs=1e-8)
    assert rate.rho == pytest.approx(max(abs(1 - 0.01 * rate.hess_min), abs(1 - 0.01 * rate.mu_max)))
