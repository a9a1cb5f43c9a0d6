"""Net: shapes, theta layout, zero-copy array passing, products, files, errors."""
import copy

import numpy as np
import pytest

import dlnet
from conftest import rel_err


def random_net(rng, widths):
    return dlnet.Net.from_layers([rng.standard_normal((widths[l], widths[l - 1]))
                                  for l in range(1, len(widths))])


def test_theta_layout_is_column_major_vec_per_layer(rng):
    widths = [3, 4, 2]
    net = random_net(rng, widths)
    theta = net.params
    W1, W2 = net.layer(1), net.layer(2)
    # independent of the helpers: vec() stacks the columns
    assert np.array_equal(theta[:12], np.concatenate([W1[:, j] for j in range(3)]))
    assert np.array_equal(theta[12:], np.concatenate([W2[:, j] for j in range(4)]))
    assert net.layer_offset(2) == 12 and net.layer_offset(3) == net.num_params == 20
    assert np.array_equal(dlnet.layers_to_theta([W1, W2]), theta)
    for a, b in zip(dlnet.theta_to_layers(theta, widths), [W1, W2]):
        assert np.array_equal(a, b)
    assert net.widths == (3, 4, 2) and net.depth == 2


@pytest.mark.parametrize('order', ['C', 'F', 'strided', 'float32'])
def test_set_layer_any_layout(rng, order):
    W = rng.standard_normal((4, 3))
    arg = {'C': np.ascontiguousarray(W), 'F': np.asfortranarray(W),
           'strided': np.hstack([W, np.full((4, 2), np.nan)])[:, :3],
           'float32': W.astype(np.float32)}[order]
    net = dlnet.Net([3, 4])
    net.set_layer(1, arg)
    expected = W.astype(np.float32) if order == 'float32' else W
    assert np.array_equal(net.layer(1), expected)


def test_products_forward_and_out(rng):
    net = random_net(rng, [3, 5, 4, 2])
    W1, W2, W3 = net.layers
    assert rel_err(net.end_to_end(), W3 @ W2 @ W1) < 1e-14
    assert rel_err(net.product(2, 1), W2 @ W1) < 1e-14
    assert np.array_equal(net.product(1, 2), np.eye(5))
    X = rng.standard_normal((7, 3))
    assert rel_err(net.forward(X), X @ (W3 @ W2 @ W1).T) < 1e-14
    out = np.empty((7, 2))  # C-order out: written without a temporary
    assert net.forward(X, out=out) is out
    assert rel_err(out, X @ (W3 @ W2 @ W1).T) < 1e-14
    P = np.empty((2, 3))  # C-order out of a column-major result: copied in
    assert net.end_to_end(out=P) is P and rel_err(P, W3 @ W2 @ W1) < 1e-14


def test_initializations(rng):
    net = dlnet.Net([3, 3, 3, 3])
    a = net.copy().init_gaussian(1.0, 7).params
    assert np.array_equal(a, net.init_gaussian(1.0, 7).params)  # seeded
    assert not np.array_equal(a, net.init_gaussian(1.0, 8).params)
    for W in net.init_orthogonal(2.0, 1).layers:
        assert rel_err(W.T @ W, 4 * np.eye(3)) < 1e-13
    assert np.array_equal(net.init_identity(0.5).layer(2), 0.5 * np.eye(3))
    A = rng.standard_normal((3, 3))
    net.init_balanced(A, dlnet.Frames.RANDOM, 3)
    assert rel_err(net.end_to_end(), A) < 1e-12
    norms, D = net.balancedness(matrices=True)
    assert norms.shape == (2,) and max(norms) < 1e-12 * np.linalg.norm(A)
    W1, W2, _ = net.layers
    assert rel_err(D[0], W2.T @ W2 - W1 @ W1.T) < 1e-12 or np.linalg.norm(D[0]) < 1e-12
    net.init_balanced_random(1.0, 5)
    assert max(net.balancedness()) < 1e-12 * np.linalg.norm(net.end_to_end())
    assert not np.any(net.init_zeros().params)


def test_unbalanced_norms_match_numpy(rng):
    net = random_net(rng, [2, 3, 4])
    W1, W2 = net.layers
    norms, D = net.balancedness(matrices=True)
    expected = W2.T @ W2 - W1 @ W1.T
    assert rel_err(D[0], expected) < 1e-14
    assert abs(norms[0] - np.linalg.norm(expected)) <= 1e-14 * norms[0]


def test_copy_is_deep(rng):
    net = random_net(rng, [2, 3, 2])
    for other in (net.copy(), copy.copy(net), copy.deepcopy(net)):
        other.init_zeros()
        assert np.any(net.params)


def test_pickle_roundtrip(rng):
    import pickle
    net = random_net(rng, [3, 2, 4])
    back = pickle.loads(pickle.dumps(net))
    assert back.widths == net.widths and np.array_equal(back.params, net.params)


def test_save_load_roundtrip(rng, tmp_path):
    net = random_net(rng, [3, 2, 4])
    path = str(tmp_path / 'net.npz')
    net.save(path)
    back = dlnet.Net.load(path)
    assert back.widths == net.widths and np.array_equal(back.params, net.params)
    np.savez(str(tmp_path / 'bad.npz'), widths=np.array([3, 2, 4]), W1=np.zeros((2, 3)))
    with pytest.raises(ValueError, match='W2'):
        dlnet.Net.load(str(tmp_path / 'bad.npz'))


def test_errors_carry_status_and_message_and_leave_the_net_unchanged(rng):
    net = random_net(rng, [2, 2])
    before = net.params
    bad = before.copy()
    bad[1] = np.nan
    with pytest.raises(dlnet.NonFiniteError) as e:
        net.set_params(bad)
    assert e.value.status == dlnet.Status.E_NONFINITE and e.value.message
    assert isinstance(e.value, ValueError) and isinstance(e.value, dlnet.DlnetError)
    assert np.array_equal(net.params, before)
    with pytest.raises(dlnet.DimError):
        dlnet.Net([3])
    with pytest.raises(dlnet.DimError):
        dlnet.Net([3, 0, 2])
    with pytest.raises(ValueError):
        dlnet.Net([3, -1, 2])
    with pytest.raises(TypeError):
        dlnet.Net([3, 2.5, 2])
    with pytest.raises(dlnet.RangeError):
        net.init_gaussian(-1.0, 0)
    with pytest.raises(dlnet.DimError) as e:  # a hidden width below rank(A)
        dlnet.Net([2, 1, 2]).init_balanced(np.eye(2))
    assert e.value.message
    with pytest.raises(ValueError):
        net.set_params(np.zeros(3))
    with pytest.raises(IndexError):
        net.layer(2)
    assert np.array_equal(net.params, before)


def test_arrays_are_passed_without_copies_where_the_layout_allows(rng):
    from dlnet._arrays import mat_in, vec_out
    X = rng.standard_normal((6, 4))                 # C-order samples: the 4 x 6 matrix, ld 4
    _, ld, keep = mat_in(X.T, 4, 6, 'X.T')
    assert ld == 4 and np.shares_memory(keep, X)
    wide = rng.standard_normal((6, 10))             # a column slice keeps the row stride
    _, ld, keep = mat_in(wide[:, 2:6].T, 4, 6, 'X.T')
    assert ld == 10 and np.shares_memory(keep, wide)
    F = np.asfortranarray(rng.standard_normal((3, 5)))
    _, ld, keep = mat_in(F, 3, 5, 'A')
    assert ld == 3 and keep is F
    _, ld, keep = mat_in(np.ascontiguousarray(F), 3, 5, 'A')  # C-order math matrix: copied once
    assert ld == 3 and not np.shares_memory(keep, F)
    _, ld, keep = mat_in(X.T.astype(np.float32), 4, 6, 'X.T')  # another dtype: converted
    assert keep.dtype == np.float64
    g = np.empty(7)
    assert vec_out(g, 7)[0] is g
    with pytest.raises(ValueError):
        vec_out(np.empty(14)[::2], 7)               # a strided out= is refused, not copied into
