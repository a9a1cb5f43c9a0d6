"""peers.py - libdlnet next to PyTorch autograd and a NumPy closed-form gradient.

Run through bench/peers, which sets the thread environment. For each problem
(data form, all widths d, m = 8d, float64, lam = 0) the C benchmark runs as a
timing server (`grad_hvp --serve --size d L --dump DIR`): it writes the data,
weights, direction and its own results, and times libdlnet on request. This
script checks that the peers compute the same loss, gradient and HVP from the
very same arrays, then takes the samples of libdlnet and of the peers
interleaved (so that a busy phase of a shared machine hits all alike), and
prints medians and the medians of the per-sample ratios peer / libdlnet
(targets: gradient >= 5x faster than torch and >= 4x faster than NumPy, HVP
>= 8x faster than torch).

The peers are written as a researcher would, on the samples:
  torch  loss = 1/2 ||W_L ... W_1 X - Y||^2 layer by layer, gradient by
         torch.autograd.grad, HVP by double backward (grad of <grad, v>);
  numpy  grad_l = W_{L:l+1}^T (P X - Y) X^T W_{l-1:1}^T with P, the prefix and
         the suffix products formed once (4L + 11 d^3-GEMMs against libdlnet's
         3L - 2: libdlnet works on the QR summary of the data, made once).
libdlnet's gradient and HVP are timed at new weights on every call (chains
recomputed), as the peers are.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

SIZES = [(4, 3), (32, 5), (128, 5), (256, 8), (512, 4)]
TARGETS = {"torch_grad": 5.0, "numpy_grad": 4.0, "torch_hvp": 8.0}


def load_problem(path, d, L):
    """Arrays written by grad_hvp --dump (column-major float64)."""
    m, n = 8 * d, L * d * d
    buf = np.fromfile(path, dtype=np.float64)
    assert buf.size == 2 * d * m + 4 * n + 1, "unexpected dump size"
    parts, pos = {}, 0
    for name, size in (("X", d * m), ("Y", d * m), ("theta", n), ("v", n), ("grad", n),
                       ("hvp", n), ("value", 1)):
        parts[name], pos = buf[pos:pos + size], pos + size
    colmajor = lambda a, r, c: np.ascontiguousarray(a.reshape(c, r).T)
    layers = lambda vec: [colmajor(vec[l * d * d:(l + 1) * d * d], d, d) for l in range(L)]
    return {"X": colmajor(parts["X"], d, m), "Y": colmajor(parts["Y"], d, m),
            "W": layers(parts["theta"]), "D": layers(parts["v"]),
            "grad": parts["grad"], "hvp": parts["hvp"], "value": parts["value"][0]}


def theta_of(mats):
    """Column-major vec of each layer, stacked (libdlnet's theta layout)."""
    return np.concatenate([np.asarray(a).T.ravel() for a in mats])


def torch_loss(Ws, X, Y):
    H = X
    for W in Ws:
        H = W @ H
    R = H - Y
    return 0.5 * (R * R).sum()


def make_torch(p):
    X, Y = torch.from_numpy(p["X"]), torch.from_numpy(p["Y"])
    Ws = [torch.from_numpy(W.copy()).requires_grad_(True) for W in p["W"]]
    Ds = [torch.from_numpy(D) for D in p["D"]]

    def grad():
        return torch.autograd.grad(torch_loss(Ws, X, Y), Ws)

    def hvp():
        g = torch.autograd.grad(torch_loss(Ws, X, Y), Ws, create_graph=True)
        return torch.autograd.grad(g, Ws, grad_outputs=Ds)

    value = lambda: float(torch_loss(Ws, X, Y).detach())
    return grad, hvp, value


def numpy_grad(Ws, X, Y):
    L = len(Ws)
    B = [None, None, Ws[0]]              # B[l] = W_{l-1:1} (B[1] = I)
    for l in range(2, L + 1):
        B.append(Ws[l - 1] @ B[l])
    E = (B[L + 1] @ X - Y) @ X.T         # (P X - Y) X^T
    A = [None] * (L + 1)                 # A[l] = W_{L:l+1} (A[L] = I)
    if L >= 2:
        A[L - 1] = Ws[L - 1]
    for l in range(L - 1, 1, -1):
        A[l - 1] = A[l] @ Ws[l - 1]
    grads = []
    for l in range(1, L + 1):
        G = E if l == L else A[l].T @ E
        grads.append(G if l == 1 else G @ B[l].T)
    return grads


class CServer:
    """grad_hvp --serve: libdlnet timed in C, one sample per request."""

    def __init__(self, binary, d, L, tmp):
        self.proc = subprocess.Popen([binary, "--serve", "--size", str(d), str(L), "--dump", tmp],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        if self.proc.stdout.readline().strip() != "ready":
            raise RuntimeError(f"{binary} --serve did not start")

    def sampler(self, task):
        def sample(iters):
            self.proc.stdin.write(f"{task} {iters}\n")
            self.proc.stdin.flush()
            return float(self.proc.stdout.readline())
        return sample

    def close(self):
        self.proc.stdin.write("quit\n")
        self.proc.stdin.close()
        self.proc.wait()


def py_sampler(fn, clock=time.perf_counter):
    def sample(iters):
        t0 = clock()
        for _ in range(iters):
            fn()
        return (clock() - t0) / iters
    return sample


def time_interleaved(samplers, reps, min_sample=0.005):
    """Per sampler, the list of seconds per call over reps rounds; each round
    takes one sample of every sampler, each sample lasting >= min_sample."""
    iters = []
    for s in samplers:
        s(2)  # warm-up
        once = s(1)
        iters.append(int(min_sample / once) + 1 if once > 0 else 1000)
    rounds = [[s(it) for s, it in zip(samplers, iters)] for _ in range(reps)]
    return [list(col) for col in zip(*rounds)]


def median_ratio(a, b):
    return statistics.median(x / y for x, y in zip(a, b))


def relerr(a, b):
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-300))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", required=True, help="the grad_hvp benchmark binary")
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--reps", type=int, default=11)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    print(f"peers: libdlnet vs PyTorch {torch.__version__} autograd and NumPy {np.__version__}"
          f" closed form; float64, data form, widths d, m = 8d; {args.threads} threads"
          f" (OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')},"
          f" OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')},"
          f" torch.get_num_threads()={torch.get_num_threads()}); medians of {args.reps};"
          f" load {os.getloadavg()[0]:.2f}")
    print("times in us; ratio = median of per-sample (peer time / libdlnet time) (targets: torch grad >= 5, numpy"
          " grad >= 4, torch HVP >= 8); check = max relative difference of value, gradient"
          " and HVP to libdlnet\n")
    hdr = ("   d  L     m |  dlnet grad   dlnet hvp |  torch grad   torch hvp |  numpy grad |"
           " torch/g torch/h numpy/g | check")
    print(hdr)
    missed = []
    with tempfile.TemporaryDirectory() as tmp:
        for d, L in SIZES:
            server = CServer(args.bin, d, L, tmp)
            p = load_problem(os.path.join(tmp, f"d{d}_L{L}.f64"), d, L)
            tgrad, thvp, tvalue = make_torch(p)
            ngrad = lambda: numpy_grad(p["W"], p["X"], p["Y"])
            err = max(relerr(np.array([tvalue()]), np.array([p["value"]])),
                      relerr(theta_of(tgrad()), p["grad"]),
                      relerr(theta_of(ngrad()), p["grad"]),
                      relerr(theta_of(thvp()), p["hvp"]))
            cg, ch, tg, th, ng = time_interleaved(
                [server.sampler("grad"), server.sampler("hvp"), py_sampler(tgrad),
                 py_sampler(thvp), py_sampler(ngrad)], args.reps)
            server.close()
            r = {"torch_grad": median_ratio(tg, cg), "torch_hvp": median_ratio(th, ch),
                 "numpy_grad": median_ratio(ng, cg)}
            med = [statistics.median(x) * 1e6 for x in (cg, ch, tg, th, ng)]
            print(f"{d:4d} {L:2d} {8 * d:5d} | {med[0]:11.2f} {med[1]:11.2f} |"
                  f" {med[2]:11.2f} {med[3]:11.2f} | {med[4]:11.2f} |"
                  f" {r['torch_grad']:7.1f} {r['torch_hvp']:7.1f} {r['numpy_grad']:7.1f} |"
                  f" {err:.1e}{'' if err < 1e-8 else '  MISMATCH'}", flush=True)
            missed += [f"{k} at (d={d}, L={L}): {v:.1f}x < {TARGETS[k]:g}x"
                       for k, v in r.items() if v < TARGETS[k]]
    print("\ntargets " + ("met at every size" if not missed else "missed: " + "; ".join(missed)))


if __name__ == "__main__":
    sys.exit(main())
