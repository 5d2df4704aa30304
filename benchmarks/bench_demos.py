"""The demos' training loops, numtorch vs PyTorch CPU, in one process.

    python benchmarks/bench_demos.py [--load]

Runs the seed-faithful loops from examples/ (the very same functions, handed either library):
the low-level linear regression (hand-written data_iter, manual SGD under no_grad) and the
ring classifier (nn.Parameter DNN, clamp-log BCE, param.data updates), plus their --api nn
variants.  Reports each library's whole-training wall time on identical data, the first
short run (JIT compile or cache load) apart, and the ratio.  Best of 3 interleaved rounds.

In one process both libraries share one OpenMP runtime, and `import numtorch` makes its wait
policy PASSIVE, which slows PyTorch's small-op loops (its pool sleeps between ops).  So the
last column times PyTorch again in a child process that never imports numtorch's policy --
PyTorch at its own defaults -- and the ratio against that is the one to quote.
"""

import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples"))

import numpy as np  # noqa: E402
import regression  # noqa: E402  (from examples/, on sys.path above)
import ring_classification as ring  # noqa: E402
from _harness import banner, log_ratio  # noqa: E402
from bench_core import torch  # noqa: E402

import numtorch as nt  # noqa: E402


def cases():
    Xr, Yr, w0, b0 = nt.datasets.linear_regression(400, seed=0)
    Xc, Yc = nt.datasets.rings(seed=0)

    def on(lib, *ts):
        return [t if lib is nt else torch.from_numpy(t.numpy()) for t in ts]

    return {
        "regression, low-level, 50 epochs (2000 steps)":
            lambda lib, e=50: regression.train_lowlevel(lib, *on(lib, Xr, Yr, w0, b0), e, 0.01,
                                                        show=False),
        "regression, nn API, 50 epochs":
            lambda lib, e=50: regression.train_nn(lib, *on(lib, Xr, Yr), e, 0.01, show=False),
        "rings, low-level, 10 epochs (2000 steps)":
            lambda lib, e=10: ring.train_lowlevel(lib, *on(lib, Xc, Yc), e, show=False),
        "rings, nn API, 10 epochs":
            lambda lib, e=10: ring.train_nn(lib, *on(lib, Xc, Yc), e, show=False),
    }


def timed(fn, lib, seed):
    lib.manual_seed(seed)
    np.random.seed(seed)
    t = time.perf_counter()
    fn(lib)
    return time.perf_counter() - t


def torch_alone():
    """Child mode: PyTorch's best times by themselves, as JSON on stdout."""
    best = {}
    for name, fn in cases().items():
        timed(lambda lib, fn=fn: fn(lib, 1), torch, 0)
        best[name] = min(timed(fn, torch, 0) for _ in range(3))
    print(json.dumps(best))


def torch_in_own_process():
    # an empty OMP_WAIT_POLICY keeps numtorch's setdefault away: libgomp warns and uses its
    # default policy, as in a program that only imports torch
    env = dict(os.environ, OMP_WAIT_POLICY="")
    r = subprocess.run([sys.executable, os.path.abspath(__file__), "--torch-alone"],
                       capture_output=True, text=True, env=env)
    return json.loads(r.stdout.strip().splitlines()[-1]) if r.returncode == 0 else {}


def main():
    libs = {"numtorch": nt}
    if torch is not None:
        libs["torch"] = torch
    alone = torch_in_own_process() if torch is not None else {}
    banner()
    header = (f"{'case':46s} {'numtorch':>9s} {'torch':>9s} {'nt/torch':>9s} {'warm-up':>9s} "
              f"{'torch alone':>12s} {'nt/alone':>9s}")
    print(header)
    print("-" * len(header))
    for name, fn in cases().items():
        def one_epoch(lib, fn=fn):
            return fn(lib, 1)
        warm = timed(one_epoch, nt, 0)  # first run: compile or cache load
        if torch is not None:
            timed(one_epoch, torch, 0)
        best = {k: float("inf") for k in libs}
        for _ in range(3):
            for k, lib in libs.items():
                best[k] = min(best[k], timed(fn, lib, 0))
        ref = best.get("torch")
        ratio = f"{best['numtorch'] / ref:9.2f}" if ref else f"{'-':>9s}"
        log_ratio(name, best["numtorch"], ref)
        ref_s = f"{ref:8.2f}s" if ref else f"{'-':>9s}"
        own = alone.get(name)
        own_s = f"{own:11.2f}s {best['numtorch'] / own:9.2f}" if own else ""
        print(f"{name:46s} {best['numtorch']:8.2f}s {ref_s} {ratio} {warm:8.2f}s {own_s}")


if __name__ == "__main__":
    if torch is not None:
        torch.set_num_threads(2)
    torch_alone() if "--torch-alone" in sys.argv else main()
