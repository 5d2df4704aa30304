"""nn benchmarks: numtorch vs PyTorch CPU in one process.

    python benchmarks/bench_nn.py [--load]

LeNet training step at batch 64 (32x32 grey), the 784-512-512-10 MLP step at batch 64,
conv2d 16->32 channels 3x3 on 32x16x32x32 forward+backward, max_pool2d 2x2 on 32x32x64x64
forward+backward.  Best of interleaved rounds; first call (JIT) reported apart.

Both libraries' OpenMP workers live in this process.  With OpenMP's default wait policy
torch's idle workers spin for about a millisecond and starve the OpenBLAS threads numtorch's
GEMMs use, so numtorch is imported first: its thread settings (numtorch/_runtime.py: a short
OpenMP spin, OpenBLAS threads that sleep at once) then apply to both libraries, which are
timed under the same policy.  `NUMTORCH_BENCH_ALONE=1` times numtorch without importing torch.
"""

import os
import sys

import numtorch as nt  # first: its thread settings must be in place before torch loads

if os.environ.get("NUMTORCH_BENCH_ALONE"):
    sys.modules["torch"] = None  # makes `import torch` fail, so numtorch runs by itself

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples"))

import numpy as np  # noqa: E402
from _harness import banner, log_ratio  # noqa: E402
from bench_core import compare, torch  # noqa: E402
from lenet import lenet as examples_lenet  # noqa: E402  (the models of examples/)
from mlp import neural_network  # noqa: E402


def lenet(m):
    return examples_lenet(m), (64, 1, 32, 32)


def mlp(m):
    return neural_network(m), (64, 1, 28, 28)


def train_step(make):
    def build(m):
        model, shape = make(m)
        rng = np.random.default_rng(0)
        x = m.from_numpy(rng.standard_normal(shape).astype(np.float32))
        y = m.from_numpy(rng.integers(0, 10, shape[0]))
        opt = m.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        loss_fn = m.nn.CrossEntropyLoss()

        def step():
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
        return step
    return build


def conv_fb(m):
    rng = np.random.default_rng(0)
    x = m.from_numpy(rng.standard_normal((32, 16, 32, 32)).astype(np.float32))
    x.requires_grad_(True)
    conv = m.nn.Conv2d(16, 32, 3)

    def step():
        conv(x).sum().backward()
    return step


def pool_fb(m):
    rng = np.random.default_rng(0)
    x = m.from_numpy(rng.standard_normal((32, 32, 64, 64)).astype(np.float32))
    x.requires_grad_(True)

    def step():
        m.nn.functional.max_pool2d(x, 2).sum().backward()
    return step


def bn_fb(m):
    rng = np.random.default_rng(0)
    x = m.from_numpy(rng.standard_normal((64, 32, 32, 32)).astype(np.float32))
    x.requires_grad_(True)
    bn = m.nn.BatchNorm2d(32)

    def step():
        bn(x).sum().backward()
    return step


def main():
    banner()
    header = f"{'case':36s} {'numtorch':>10s} {'torch':>10s} {'nt/torch':>9s} {'first call':>11s}"
    print(header)
    print("-" * len(header))
    for name, build in (("LeNet train step, batch 64", train_step(lenet)),
                        ("MLP 784-512-512-10 step, batch 64", train_step(mlp)),
                        ("conv2d 16->32 3x3 fwd+bwd", conv_fb),
                        ("max_pool2d 2x2 fwd+bwd", pool_fb),
                        ("batch_norm2d 64x32x32x32 fwd+bwd", bn_fb)):
        fns = {"numtorch": build(nt)}
        if torch is not None:
            fns["torch"] = build(torch)
        best, first = compare(fns, rounds=3, min_time=0.3)
        ref = best.get("torch")
        ratio = f"{best['numtorch'] / ref:9.2f}" if ref else f"{'-':>9s}"
        log_ratio(name, best["numtorch"], ref)
        ref_s = f"{ref * 1e3:8.2f}ms" if ref else f"{'-':>10s}"
        print(f"{name:36s} {best['numtorch'] * 1e3:8.2f}ms {ref_s} {ratio} "
              f"{first * 1e3:9.1f}ms")


if __name__ == "__main__":
    if torch is not None:
        torch.set_num_threads(2)
    main()
