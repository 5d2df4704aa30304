"""Tensor-core benchmarks: numtorch vs PyTorch CPU vs NumPy, in one process.

    python benchmarks/bench_core.py [--load]

Prints steady-state times (best of 5 interleaved rounds of medians; JIT compile happens in the
first call, reported separately) and the numtorch/PyTorch ratio.  PyTorch is optional;
without it only NumPy is compared.
"""

import time

t0 = time.perf_counter()
# numtorch first, NumPy included: OpenBLAS reads numtorch's thread settings when it loads.
# With NumPy first its GEMM threads spun ~0.1 s after each call and starved PyTorch's own
# (torch's 512x512 matmul timed 8 ms here against 0.8 ms alone, a ratio that meant nothing).
import numtorch as nt  # noqa: E402

IMPORT_S = time.perf_counter() - t0

import statistics  # noqa: E402

import numpy as np  # noqa: E402
from _harness import banner, log_ratio  # noqa: E402

try:
    import torch
except ImportError:
    torch = None


def _median(fn, min_time):
    times = []
    deadline = time.perf_counter() + min_time
    while len(times) < 5 or time.perf_counter() < deadline:
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def compare(fns, rounds=5, min_time=0.05):
    """Best-of-rounds median per library, with the libraries interleaved so a noisy moment on
    this shared VM hits all of them.  Returns ({name: seconds}, numtorch's first-call time)."""
    t = time.perf_counter()
    fns["numtorch"]()  # first call: compiles on a cold cache, loads from it on a warm one
    first = time.perf_counter() - t
    for f in fns.values():
        f()
    best = {name: float("inf") for name in fns}
    for _ in range(rounds):
        for name, f in fns.items():
            best[name] = min(best[name], _median(f, min_time))
    return best, first


def small_op(a, b, n=20000):
    def run():
        for _ in range(n):
            a + b
    return run


def main():
    rng = np.random.default_rng(0)
    big = [rng.standard_normal(4_000_000).astype(np.float32) for _ in range(2)]
    sq = rng.standard_normal((2000, 2000)).astype(np.float32)
    mm = [rng.standard_normal((512, 512)).astype(np.float32) for _ in range(2)]
    tiny = [rng.standard_normal(10).astype(np.float32) for _ in range(2)]
    cases = [
        ("add 4M f32", lambda m, x, y: (lambda: x + y), big),
        ("mul 4M f32", lambda m, x, y: (lambda: x * y), big),
        ("relu 4M f32", lambda m, x, y: (lambda: m.relu(x)), big),
        ("sum dim0 2000x2000", lambda m, x: (lambda: x.sum(0)), [sq]),
        ("sum dim1 2000x2000", lambda m, x: (lambda: x.sum(1)), [sq]),
        ("matmul 512x512", lambda m, x, y: (lambda: x @ y), mm),
        ("a + b, 10 elems (x20000)", lambda m, x, y: small_op(x, y), tiny),
    ]
    banner()
    print(f"import numtorch: {IMPORT_S * 1e3:.0f} ms")
    header = f"{'case':28s} {'numtorch':>11s} {'torch':>11s} {'numpy':>11s} {'nt/torch':>9s}" \
             f" {'first call':>11s}"
    print(header)
    print("-" * len(header))
    for name, make, arrays in cases:
        fns = {"numtorch": make(nt, *[nt.from_numpy(a) for a in arrays]),
               "numpy": make(np if "relu" not in name else _NpRelu, *arrays)}
        if torch is not None:
            fns["torch"] = make(torch, *[torch.from_numpy(a) for a in arrays])
        best, first = compare(fns)
        ours, ref, numpy_t = best["numtorch"], best.get("torch"), best["numpy"]
        ratio = f"{ours / ref:9.2f}" if ref else f"{'-':>9s}"
        log_ratio(name, ours, ref)
        ref_s = f"{ref * 1e3:9.3f}ms" if ref else f"{'-':>11s}"
        print(f"{name:28s} {ours * 1e3:9.3f}ms {ref_s} {numpy_t * 1e3:9.3f}ms {ratio}"
              f" {first * 1e3:9.1f}ms")


class _NpRelu:
    @staticmethod
    def relu(x):
        return np.maximum(x, 0)


if __name__ == "__main__":
    if torch is not None:
        torch.set_num_threads(2)
    main()
