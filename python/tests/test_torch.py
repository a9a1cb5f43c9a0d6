"""PyTorch interop: Sequentials of bias-free Linear layers <-> Net, and the
gradient and a Hessian-vector product against torch autograd (1e-12 relative)."""
import numpy as np
import pytest

import dlnet
from conftest import rel_err

torch = pytest.importorskip('torch')  # Debian: python3-torch (build-aux/deps.sh python)


def autograd_grad_hvp(seq, X, Y, lam, v_layers):
    params = [m.weight for m in seq]
    out = seq(torch.from_numpy(X))
    F = 0.5 * ((out - torch.from_numpy(Y)) ** 2).sum() + sum(
        l / 2 * (W ** 2).sum() for l, W in zip(lam, params))
    grads = torch.autograd.grad(F, params, create_graph=True)
    dot = sum((g * torch.from_numpy(v)).sum() for g, v in zip(grads, v_layers))
    hv = torch.autograd.grad(dot, params)
    return F.item(), [g.detach().numpy() for g in grads], [h.numpy() for h in hv]


@pytest.mark.parametrize('widths,lam', [([5, 4, 3, 2], [0.1, 0.2, 0.3]),
                                        ([3, 6, 1], [0.0, 0.0]),
                                        ([4, 4], [0.5])])
def test_gradient_and_hvp_agree_with_autograd(rng, widths, lam):
    X, Y = rng.standard_normal((50, widths[0])), rng.standard_normal((50, widths[-1]))
    net = dlnet.Net(widths).init_gaussian(0.8, 9)
    seq = net.to_torch()
    assert all(isinstance(m, torch.nn.Linear) and m.bias is None for m in seq)
    loss = dlnet.Loss.data(X, Y, l2=lam)
    v = rng.standard_normal(net.num_params)
    F, g_t, hv_t = autograd_grad_hvp(seq, X, Y, lam, dlnet.theta_to_layers(v, widths))
    value, grad = loss.value_and_grad(net)
    assert abs(value - F) <= 1e-12 * abs(F)
    assert rel_err(grad, dlnet.layers_to_theta(g_t)) < 1e-12
    assert rel_err(loss.hvp(net, v), dlnet.layers_to_theta(hv_t)) < 1e-12


def test_sequential_roundtrip(rng):
    seq = torch.nn.Sequential(torch.nn.Linear(3, 5, bias=False), torch.nn.Linear(5, 2, bias=False))
    net = dlnet.Net.from_torch(seq)
    assert net.widths == (3, 5, 2)
    assert np.array_equal(net.layer(1), seq[0].weight.detach().double().numpy())
    X = rng.standard_normal((4, 3))
    assert rel_err(net.forward(X), seq.double()(torch.from_numpy(X)).detach().numpy()) < 1e-14
    back = net.to_torch(dtype=torch.float32)
    assert back[1].weight.dtype == torch.float32 and back[1].weight.shape == (2, 5)
    with pytest.raises(ValueError, match='bias'):
        dlnet.Net.from_torch(torch.nn.Sequential(torch.nn.Linear(3, 2)))
    with pytest.raises(TypeError):
        dlnet.Net.from_torch(torch.nn.Sequential(torch.nn.Linear(3, 2, bias=False),
                                                 torch.nn.ReLU()))
