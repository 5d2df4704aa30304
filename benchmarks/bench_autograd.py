"""Autograd benchmarks: numtorch vs PyTorch CPU in one process.

    python benchmarks/bench_autograd.py [--load]

Cases from the autograd issue: `(a * 2 + 1).sum().backward()` on a 10-element tensor, and one
training step of the seed's low-level linear regression (batch 10, x @ w + b, mean squared
error, manual SGD under no_grad).  Times are best-of-rounds medians per step.
"""

import numpy as np
from _harness import banner, log_ratio
from bench_core import compare, torch

import numtorch as nt


def tiny_backward(m):
    a = m.ones(10, requires_grad=True)

    def step():
        (a * 2 + 1).sum().backward()
    return step


def regression_step(m):
    rng = np.random.default_rng(0)
    x = m.from_numpy(rng.standard_normal((10, 2)).astype(np.float32))
    y = m.from_numpy(rng.standard_normal((10, 1)).astype(np.float32))
    class Model:  # the seed's LinearRegression: parameters as attributes, updated in place
        w = m.randn(2, 1, requires_grad=True)
        b = m.zeros(1, 1, requires_grad=True)

    def step():
        loss = m.mean((x @ Model.w + Model.b - y) ** 2 / 2)
        loss.backward()
        with m.no_grad():
            Model.w -= 0.001 * Model.w.grad
            Model.b -= 0.001 * Model.b.grad
            Model.w.grad.zero_()
            Model.b.grad.zero_()
    return step


def main():
    banner()
    header = f"{'case':34s} {'numtorch':>10s} {'torch':>10s} {'nt/torch':>9s} {'first call':>11s}"
    print(header)
    print("-" * len(header))
    for name, make in (("(a*2+1).sum().backward(), 10 el", tiny_backward),
                       ("regression train step, batch 10", regression_step)):
        fns = {"numtorch": make(nt)}
        if torch is not None:
            fns["torch"] = make(torch)
        best, first = compare(fns, min_time=0.1)
        ref = best.get("torch")
        ratio = f"{best['numtorch'] / ref:9.2f}" if ref else f"{'-':>9s}"
        log_ratio(name, best["numtorch"], ref)
        ref_s = f"{ref * 1e6:8.1f}us" if ref else f"{'-':>10s}"
        print(f"{name:34s} {best['numtorch'] * 1e6:8.1f}us {ref_s} {ratio} {first * 1e3:9.1f}ms")


if __name__ == "__main__":
    if torch is not None:
        torch.set_num_threads(2)
    main()
