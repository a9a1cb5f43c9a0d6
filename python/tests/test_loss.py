"""Loss: values and derivatives against NumPy formulas and finite differences,
zero-copy data, the summary, the metrics, errors with the handle's message."""
import numpy as np
import pytest

import dlnet
from conftest import rel_err


def numpy_loss(layers, X, Y, lam):
    """F = 1/2 ||X P^T - Y||^2 + sum lam_l/2 ||W_l||^2 and its gradient, by hand."""
    P = np.eye(X.shape[1])
    for W in layers:
        P = W @ P
    E = X @ P.T - Y                                  # (m, d_L) residuals
    F = 0.5 * np.sum(E ** 2) + sum(l / 2 * np.sum(W ** 2) for l, W in zip(lam, layers))
    G = E.T @ X                                      # dF/dP
    grads = []
    for l in range(len(layers)):
        A = np.eye(layers[-1].shape[0])
        for W in layers[l + 1:][::-1]:
            A = A @ W
        B = np.eye(X.shape[1])
        for W in layers[:l]:
            B = W @ B
        grads.append(A.T @ G @ B.T + lam[l] * layers[l])
    return F, dlnet.layers_to_theta(grads)


@pytest.fixture
def problem(rng):
    widths = [4, 3, 5, 2]
    X, Y = rng.standard_normal((30, 4)), rng.standard_normal((30, 2))
    lam = [0.1, 0.2, 0.3]
    net = dlnet.Net(widths).init_gaussian(0.7, 11)
    return dlnet.Loss.data(X, Y, l2=lam), net, X, Y, lam


def test_value_and_gradient_match_numpy(problem):
    loss, net, X, Y, lam = problem
    F, g = numpy_loss(net.layers, X, Y, lam)
    value, grad = loss.value_and_grad(net)
    assert abs(value - F) <= 1e-13 * F and abs(loss.value(net) - F) <= 1e-13 * F
    assert rel_err(grad, g) < 1e-12 and rel_err(loss.grad(net), g) < 1e-12
    out = np.empty(net.num_params)
    assert loss.grad(net, out=out) is out and np.array_equal(out, grad)


def test_gradient_and_hvp_match_finite_differences(problem, rng):
    loss, net, *_ = problem
    theta, n = net.params, net.num_params
    v = rng.standard_normal(n)
    h = 1e-6
    probe = net.copy()

    def at(t, f):
        probe.set_params(t)
        return f(probe)
    fd_dir = (at(theta + h * v, loss.value) - at(theta - h * v, loss.value)) / (2 * h)
    assert abs(fd_dir - loss.grad(net) @ v) <= 1e-7 * abs(fd_dir) + 1e-9
    fd_hv = (at(theta + h * v, loss.grad) - at(theta - h * v, loss.grad)) / (2 * h)
    assert rel_err(loss.hvp(net, v), fd_hv) < 1e-7


def test_hessian_batch_and_eigs_agree(problem, rng):
    loss, net, *_ = problem
    n = net.num_params
    H = loss.hessian(net)
    assert H.shape == (n, n) and rel_err(H, H.T) < 1e-15
    V = rng.standard_normal((n, 3))
    HV = loss.hvp_batch(net, V)
    assert rel_err(HV, H @ V) < 1e-12
    assert rel_err(HV[:, 1], loss.hvp(net, V[:, 1])) < 1e-12
    Vc = np.ascontiguousarray(V.T).T  # F-order view, no copy
    assert rel_err(loss.hvp_batch(net, Vc), HV) < 1e-15
    ref = np.linalg.eigvalsh(H)
    ev, vec, rep = loss.hessian_eigs(net, k=2, which=dlnet.EigWhich.SMALLEST, vectors=True)
    assert np.allclose(ev, ref[:2], rtol=0, atol=1e-10 * abs(ref).max())
    assert vec.shape == (n, 2) and rel_err(H @ vec[:, 0], ev[0] * vec[:, 0]) < 1e-8
    assert rep.dense == 1 and rep.converged == 1
    ev, vec, rep = loss.hessian_eigs(net, k=1)
    assert vec is None and abs(ev[0] - ref[-1]) <= 1e-10 * ref[-1]


def test_data_are_read_without_copy_from_row_slices(rng):
    records = rng.standard_normal((25, 7))          # 4 features, then 3 targets, per row
    X, Y = records[:, :4], records[:, 4:]
    a = dlnet.Loss.data(X, Y)                       # ld = 7: no copy
    b = dlnet.Loss.data(X.copy(), Y.copy())
    net = dlnet.Net([4, 3, 3]).init_gaussian(1.0, 2)
    assert a.value(net) == b.value(net)
    assert np.array_equal(a.grad(net), b.grad(net))


def test_summary_streaming_and_mean(rng):
    X, Y = rng.standard_normal((40, 3)), rng.standard_normal((40, 2))
    loss = dlnet.Loss.data(X, Y)
    assert (loss.kind, loss.input_dim, loss.output_dim, loss.num_samples) == \
        (dlnet.LossKind.DATA, 3, 2, 40)
    R, C, r0 = loss.summary()
    net = dlnet.Net([3, 2]).init_gaussian(1.0, 1)
    P = net.end_to_end()
    assert abs(0.5 * np.sum((P @ R.T - C) ** 2) + r0 / 2 - loss.value(net)) < 1e-12 * loss.value(net)
    assert np.allclose(R.T @ R, X.T @ X, atol=1e-12 * np.linalg.norm(X) ** 2)
    part = dlnet.Loss.data(X[:15], Y[:15])
    part.add_samples(X[15:], Y[15:])
    assert abs(part.value(net) - loss.value(net)) <= 1e-13 * loss.value(net)
    total = loss.value(net)
    loss.mean = True
    assert loss.mean and abs(loss.value(net) - total / 40) <= 1e-14 * total


def test_l2_and_copy(rng):
    loss = dlnet.Loss.target(rng.standard_normal((2, 3)))
    loss.set_l2([0.5, 0.25])
    assert np.array_equal(loss.get_l2(2), [0.5, 0.25])
    other = loss.copy()
    other.set_l2(2.0)
    assert np.array_equal(loss.get_l2(2), [0.5, 0.25])
    assert np.array_equal(other.get_l2(5), [2.0] * 5)
    with pytest.raises(dlnet.RangeError):
        loss.set_l2(-1.0)
    assert np.array_equal(loss.get_l2(2), [0.5, 0.25])


def test_errors_name_the_mismatch(rng):
    loss = dlnet.Loss.data(rng.standard_normal((5, 3)), rng.standard_normal((5, 2)))
    wrong = dlnet.Net([4, 2])
    with pytest.raises(dlnet.DimError) as e:
        loss.grad(wrong)
    assert e.value.message == loss.errmsg and '4' in e.value.message and '3' in e.value.message
    with pytest.raises(dlnet.UnsupportedError):
        dlnet.Loss.target(np.eye(2)).mean = True
    with pytest.raises(dlnet.NonFiniteError):
        dlnet.Loss.target(np.array([[np.inf]]))
    with pytest.raises(ValueError):
        dlnet.Loss.data(np.zeros((5, 3)), np.zeros((4, 2)))
    net = dlnet.Net([3, 2])
    v = np.zeros(net.num_params)
    v[0] = np.nan
    with pytest.raises(dlnet.NonFiniteError):
        loss.hvp(net, v)
    with pytest.raises(TypeError):
        dlnet.Loss()


def test_metrics_of_the_unregularized_theory(rng):
    Phi = np.diag([3.0, 2.0, 1.0])
    loss = dlnet.Loss.target(Phi)
    net = dlnet.Net([3, 2, 3]).init_gaussian(0.5, 3)
    # bottleneck width 2: f* = 1/2 (the smallest squared singular value)
    assert abs(loss.optimal_value(net) - 0.5) < 1e-14
    dom = loss.gradient_dominance(net)
    excess = loss.value(net) - 0.5
    assert abs(dom.excess - excess) <= 1e-12 * loss.value(net)
    assert abs(dom.ratio - np.sum(loss.grad(net) ** 2) / dom.excess) <= 1e-10 * dom.ratio
    sq = dlnet.Net([3, 3, 3]).init_balanced(Phi)
    near = sq.copy()
    near.set_params(sq.params + 1e-3 * rng.standard_normal(sq.num_params))
    zl = loss.zhou_liang(near, sq)
    assert zl.inside_tau == 1 and zl.mu_tau > 0
    ar = loss.arora(dlnet.Net([3, 3, 3]).init_balanced(Phi * 0.999), eps=1e-6)
    assert ar.margin_ok == 1 and abs(ar.margin - (1 - 0.001 * np.sqrt(14))) < 1e-12
    with pytest.raises(dlnet.UnsupportedError):
        dlnet.Loss.target(Phi, l2=0.1).optimal_value(net)
    norms = dlnet.Loss.target(Phi, l2=[1.0, 2.0]).balancedness(net)
    W1, W2 = net.layers
    assert abs(norms[0] - np.linalg.norm(2 * W2.T @ W2 - W1 @ W1.T)) < 1e-13 * norms[0]


def test_summary_threads(rng):
    X, Y = rng.standard_normal((20000, 3)), rng.standard_normal((20000, 2))
    one = dlnet.Loss.data(X[:1], Y[:1])
    two = one.copy()
    assert one.threads == 1
    two.threads = 2
    assert two.threads == 2 and two.copy().threads == 2
    one.add_samples(X[1:], Y[1:])
    two.add_samples(X[1:], Y[1:])
    net = dlnet.Net([3, 2]).init_gaussian(1.0, 3)
    assert abs(two.value(net) - one.value(net)) <= 1e-13 * one.value(net)
    with pytest.raises(dlnet.RangeError):
        two.threads = 0
    assert two.threads == 2
    with pytest.raises(dlnet.UnsupportedError):
        dlnet.Loss.target(np.eye(2)).threads = 2
