"""CUDA benchmarks: numtorch's @cuda.jit kernels vs PyTorch CUDA, in one process.

    python benchmarks/bench_cuda.py          # needs a GPU (and torch with CUDA for ratios)

Elementwise add on 64M float32 (with the achieved bandwidth against the device's measured
copy bandwidth), sum over a dim, matmul 4096^2, conv2d forward+backward at batch 256, and the
LeNet training step at batch 64.  Times are best-of medians after a warm-up call (the JIT
compile is reported apart); every timed call ends with a device synchronize.
"""

import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples"))

try:
    import torch
    if not torch.cuda.is_available():
        torch = None
except ImportError:
    torch = None

import numtorch as nt  # noqa: E402


def timeit(fn, sync, reps=5):
    fn()
    sync()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def cases(m):
    dev = "cuda"
    rng = np.random.default_rng(0)

    def t(*shape):
        return m.from_numpy(rng.standard_normal(shape).astype(np.float32)).to(dev)
    a, b = t(64 << 20), t(64 << 20)
    x2 = t(8192, 8192)
    p, q = t(4096, 4096), t(4096, 4096)
    xc = t(256, 16, 32, 32).requires_grad_()
    conv = m.nn.Conv2d(16, 32, 3).to(dev)
    from lenet import lenet
    net = lenet(m).to(dev)
    opt = m.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    xl, yl = t(64, 1, 32, 32), m.from_numpy(rng.integers(0, 10, 64)).to(dev)

    def lenet_step():
        opt.zero_grad()
        m.nn.functional.cross_entropy(net(xl), yl).backward()
        opt.step()
    return {"add 64M float32": lambda: a + b,
            "sum over dim 1 of 8192x8192": lambda: x2.sum(1),
            "matmul 4096^2": lambda: p @ q,
            "conv2d 16->32 3x3 batch 256 fwd+bwd": lambda: conv(xc).sum().backward(),
            "LeNet train step batch 64": lenet_step}


def main():
    if not nt.cuda.is_available():
        print("no CUDA GPU: numtorch.cuda.is_available() is False; nothing to time")
        return
    print(f"device: {nt.cuda.get_device_name()}")
    buf = nt.empty(256 << 20, dtype=nt.uint8, device="cuda")
    copy_s = timeit(lambda: buf.clone(), nt.cuda.synchronize)
    copy_bw = 2 * buf.numel() / copy_s
    print(f"device copy bandwidth (clone of 256 MiB): {copy_bw / 1e9:.0f} GB/s")
    ours = cases(nt)
    ref = cases(torch) if torch is not None else {}
    print(f"{'case':40s} {'numtorch':>10s} {'torch':>10s} {'nt/torch':>9s} {'first':>8s}")
    for name, fn in ours.items():
        t0 = time.perf_counter()
        fn()
        nt.cuda.synchronize()
        first = time.perf_counter() - t0
        mine = timeit(fn, nt.cuda.synchronize)
        theirs = timeit(ref[name], torch.cuda.synchronize) if name in ref else None
        ratio = f"{mine / theirs:9.2f}" if theirs else f"{'-':>9s}"
        t_s = f"{theirs * 1e3:8.2f}ms" if theirs else f"{'-':>10s}"
        print(f"{name:40s} {mine * 1e3:8.2f}ms {t_s} {ratio} {first:7.2f}s")
        if name.startswith("add"):
            bw = 3 * 4 * (64 << 20) / mine
            print(f"{'':40s} achieved {bw / 1e9:.0f} GB/s = {100 * bw / copy_bw:.0f}% of copy")


if __name__ == "__main__":
    main()
