"""peers_spectrum.py - libdlnet's exact Hessian trace and SLQ density next to
the PyHessian procedures in PyTorch, on the same problem (one run).

Run through bench/peers_spectrum (thread environment). The problem is the one
of bench/grad_hvp and bench/spectrum: data form, all widths d, m = 8d samples,
lam = 0, float64 (default d = 256, L = 4); its arrays come from
`grad_hvp --serve --dump`. PyTorch is used as PyHessian uses it: the loss on the
samples, the gradient with create_graph=True, then one double-backward HVP per
probe (Rademacher probes for Hutchinson; Lanczos with full reorthogonalization
from one Rademacher probe for SLQ). NumPy recomputes the exact trace from the
samples with the Kronecker formula of docs/spectrum.md, independently of the
library's QR summary. Prints times, the ratios to libdlnet, and errors.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peers import load_problem  # noqa: E402


def torch_setup(p):
    X = torch.tensor(p["X"], dtype=torch.float64)
    Y = torch.tensor(p["Y"], dtype=torch.float64)
    Ws = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in p["W"]]
    H = X
    for W in Ws:
        H = W @ H
    loss = 0.5 * ((H - Y) ** 2).sum()
    grads = torch.autograd.grad(loss, Ws, create_graph=True)
    return Ws, grads, loss


def rademacher(gen, Ws):
    return [torch.randint(0, 2, W.shape, generator=gen, dtype=torch.float64) * 2 - 1 for W in Ws]


def hutchinson(p, probes, seed):
    t0 = time.perf_counter()
    Ws, grads, _ = torch_setup(p)
    gen = torch.Generator().manual_seed(seed)
    samples = []
    for _ in range(probes):
        v = rademacher(gen, Ws)
        Hv = torch.autograd.grad(grads, Ws, grad_outputs=v, retain_graph=True)
        samples.append(sum((a * b).sum() for a, b in zip(v, Hv)).item())
    t = time.perf_counter() - t0
    s = np.array(samples)
    return t, s.mean(), s.std(ddof=1) / np.sqrt(probes)


def slq(p, steps, seed):
    t0 = time.perf_counter()
    Ws, grads, _ = torch_setup(p)
    gen = torch.Generator().manual_seed(seed)
    flat = lambda xs: torch.cat([x.reshape(-1) for x in xs])
    shapes = [W.shape for W in Ws]

    def unflat(x):
        out, pos = [], 0
        for s in shapes:
            k = s[0] * s[1]
            out.append(x[pos:pos + k].reshape(s))
            pos += k
        return out

    v = flat(rademacher(gen, Ws))
    v = v / v.norm()
    V, alpha, beta = [v], [], []
    for j in range(steps):
        w = flat(torch.autograd.grad(grads, Ws, grad_outputs=unflat(V[-1]), retain_graph=True))
        alpha.append(torch.dot(w, V[-1]).item())
        B = torch.stack(V, 1)
        for _ in range(2):
            w = w - B @ (B.T @ w)
        b = w.norm().item()
        if j + 1 == steps or b < 1e-12:
            break
        beta.append(b)
        V.append(w / b)
    T = np.diag(alpha) + np.diag(beta[:len(alpha) - 1], 1) + np.diag(beta[:len(alpha) - 1], -1)
    nodes, S = np.linalg.eigh(T)
    t = time.perf_counter() - t0
    return t, nodes, S[0] ** 2


def numpy_exact_trace(p):
    """tr H = sum_l ||W_{L:l+1}||_F^2 ||W_{l-1:1} X||_F^2 (lam = 0), from the samples."""
    Ws, X = p["W"], p["X"]
    L, total = len(Ws), 0.0
    for l in range(L):
        A = np.eye(Ws[-1].shape[0])
        for W in reversed(Ws[l + 1:]):
            A = A @ W
        B = X
        for W in Ws[:l]:
            B = W @ B
        total += np.sum(A * A) * np.sum(B * B)
    return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--grad-hvp", required=True)
    ap.add_argument("--spectrum", required=True)
    ap.add_argument("--size", nargs=2, type=int, default=[256, 4])
    ap.add_argument("--probes", type=int, default=100)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    d, L = a.size
    torch.set_num_threads(a.threads)
    with tempfile.TemporaryDirectory() as tmp:
        # the timing server writes the dump and then waits for requests
        subprocess.run([a.grad_hvp, "--serve", "--dump", tmp, "--size", str(d), str(L)],
                       input="quit\n", text=True, check=True, stdout=subprocess.DEVNULL)
        p = load_problem(os.path.join(tmp, f"d{d}_L{L}.f64"), d, L)
    out = subprocess.run([a.spectrum, "--size", str(d), str(L), "--probes", str(a.probes),
                          "--steps", str(a.steps)], check=True, capture_output=True, text=True).stdout
    print(out)
    exact = float(re.search(r"^exact trace (\S+)", out, re.M).group(1))
    t_exact = float(re.search(r"^exact trace\s+(\S+)", out.split("\n", 3)[3], re.M).group(1))
    t_hutch_c = float(re.search(r"^Hutchinson, \d+ probes\s+(\S+)", out, re.M).group(1))
    t_slq_c = float(re.search(r"^SLQ, 1 probe x \d+ steps\s+(\S+)", out, re.M).group(1))
    ref = numpy_exact_trace(p)
    print(f"NumPy exact trace from the samples {ref:.17g} (relative difference to libdlnet "
          f"{abs(ref - exact) / abs(ref):.2e})")
    _, _, loss = torch_setup(p)
    assert abs(loss.item() - p["value"]) <= 1e-9 * abs(p["value"]), "torch loss differs"
    th, est, se = hutchinson(p, a.probes, 7)
    print(f"torch Hutchinson, {a.probes} probes: {th:.3e} s, estimate {est:.17g} +- {se:.3g} "
          f"(error {est - exact:.3g} = {(est - exact) / se:.2f} standard errors, relative "
          f"{abs(est - exact) / abs(exact):.2e})")
    ts, nodes, w = slq(p, a.steps, 7)
    print(f"torch SLQ, 1 probe x {a.steps} steps: {ts:.3e} s; weighted mean node "
          f"{np.dot(nodes, w):.6g} (n * that estimates the trace: {len(nodes) and np.dot(nodes, w) * L * d * d:.6g})")
    print("\nratios (torch time / libdlnet time, same machine, runs one after the other):")
    print(f"  torch Hutchinson ({a.probes} probes) / libdlnet exact trace: {th / t_exact:10.0f}x  "
          f"(goal >= 100x)")
    print(f"  torch Hutchinson / libdlnet Hutchinson ({a.probes} probes):     {th / t_hutch_c:10.2f}x")
    print(f"  torch SLQ / libdlnet SLQ (1 probe x {a.steps} steps):           {ts / t_slq_c:10.2f}x")


if __name__ == "__main__":
    main()
