"""PyTorch interop: torch.nn.Sequential of bias-free nn.Linear layers <-> layer lists.

nn.Linear(d_in, d_out, bias=False) computes x W^T with weight W of shape
(d_out, d_in), exactly the layer W_l of a Net; a Sequential of them is
x -> W_L ... W_1 x. PyTorch is imported only when these are called.
"""
import numpy as np


def layers_from_torch(module):
    """The weights of a Sequential of bias-free Linear layers, as float64 arrays."""
    import torch
    mods = list(module) if isinstance(module, torch.nn.Sequential) else [module]
    layers = []
    for k, m in enumerate(mods):
        if not isinstance(m, torch.nn.Linear):
            raise TypeError('layer %d is %s; only bias-free nn.Linear layers form a deep '
                            'linear network' % (k, type(m).__name__))
        if m.bias is not None:
            raise ValueError('layer %d has a bias; use nn.Linear(..., bias=False)' % k)
        layers.append(m.weight.detach().cpu().to(torch.float64).numpy().copy())
    return layers


def sequential_from_layers(layers, dtype=None):
    """torch.nn.Sequential of bias-free Linear layers holding copies of ``layers``."""
    import torch
    dtype = torch.float64 if dtype is None else dtype
    mods = []
    for W in layers:
        lin = torch.nn.Linear(W.shape[1], W.shape[0], bias=False, dtype=dtype)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(np.ascontiguousarray(W)))
        mods.append(lin)
    return torch.nn.Sequential(*mods)
