"""Reductions over a contiguous (O, R, I) buffer: one block per output element (o, i), its
threads striding over R, then a tree reduction in shared memory -- no atomics on one address.
Op codes are numtorch/opcodes.py's reduction family (SUM, PROD, MAX, MIN, ANY, ALL)."""

import math

from numba import cuda, float32, float64, int64

from ... import opcodes
from ._jit import THREADS, device_fn, kernel
from .scalar import shared


@device_fn
def combine(op, x, y):
    if op == opcodes.SUM:
        return x + y
    if op == opcodes.PROD:
        return x * y
    if op == opcodes.MAX:  # NaN wins
        return x if (x != x or x >= y) else y
    if op == opcodes.MIN:
        return x if (x != x or x <= y) else y
    if op == opcodes.ANY:
        return 1 if (x != 0 or y != 0) else 0
    return 1 if (x != 0 and y != 0) else 0


@device_fn
def identity(op):
    if op == opcodes.SUM or op == opcodes.ANY:
        return 0
    if op == opcodes.PROD or op == opcodes.ALL:
        return 1
    return math.nan  # MAX/MIN: never used (the first element seeds them)


def _make_reduce(acc_type):
    """A reduce kernel whose shared memory and accumulator carry acc_type (float64 for
    floats, int64 for integers and bools, float32 for a float32 product) -- the dtypes the
    CPU backend accumulates in."""

    @kernel
    def reduce(op, x, n_o, n_r, n_i, out):
        part = cuda.shared.array(THREADS, acc_type)
        t = cuda.threadIdx.x
        for k in range(cuda.blockIdx.x, n_o * n_i, cuda.gridDim.x):
            o, i = k // n_i, k % n_i
            base = o * n_r * n_i + i
            acc = acc_type(identity(op)) if (op != opcodes.MAX and op != opcodes.MIN) else \
                acc_type(x[base]) if n_r > 0 else acc_type(0)
            for r in range(t, n_r, THREADS):
                v = acc_type(x[base + r * n_i])
                if op == opcodes.ANY or op == opcodes.ALL:
                    v = acc_type(1) if v != 0 else acc_type(0)
                acc = combine(op, acc, v)
            part[t] = acc
            cuda.syncthreads()
            step = THREADS // 2
            while step > 0:
                if t < step:
                    part[t] = combine(op, part[t], part[t + step])
                cuda.syncthreads()
                step //= 2
            if t == 0:
                out[k] = part[0]
            cuda.syncthreads()
    return reduce


def _make_reduce_short(acc_type):
    """One thread per output, folding its R elements in a loop: for short rows (R up to
    SHORT_R) a whole block per output would leave most of its threads idle."""

    @kernel
    def reduce_short(op, x, n_o, n_r, n_i, out, n):
        for k in range(cuda.grid(1), n, cuda.gridsize(1)):
            o, i = k // n_i, k % n_i
            base = o * n_r * n_i + i
            acc = acc_type(x[base]) if (op == opcodes.MAX or op == opcodes.MIN) and n_r > 0 else \
                acc_type(identity(op))
            for r in range(n_r):
                v = acc_type(x[base + r * n_i])
                if op == opcodes.ANY or op == opcodes.ALL:
                    v = acc_type(1) if v != 0 else acc_type(0)
                acc = combine(op, acc, v)
            out[k] = acc
    return reduce_short


SHORT_R = 32
reduce_float = _make_reduce(float64)
reduce_int = _make_reduce(int64)
reduce_short_float = _make_reduce_short(float64)
reduce_short_int = _make_reduce_short(int64)
reduce_f32 = _make_reduce(float32)
reduce_short_f32 = _make_reduce_short(float32)


@kernel
def arg_reduce(want_max, x, n_o, n_r, n_i, out):
    """Index of the first max (min) along R; NaN counts as the largest, as in PyTorch."""
    val = cuda.shared.array(THREADS, float64)
    idx = cuda.shared.array(THREADS, int64)
    t = cuda.threadIdx.x
    for k in range(cuda.blockIdx.x, n_o * n_i, cuda.gridDim.x):
        o, i = k // n_i, k % n_i
        base = o * n_r * n_i + i
        best = float64(0)
        bi = int64(-1)
        for r in range(t, n_r, THREADS):
            v = float64(x[base + r * n_i])
            if bi < 0 or (best == best and (v != v or (v > best if want_max else v < best))):
                best = v
                bi = r
        val[t] = best
        idx[t] = bi
        cuda.syncthreads()
        step = THREADS // 2
        while step > 0:
            if t < step:
                a, b = val[t], val[t + step]
                ia, ib = idx[t], idx[t + step]
                # take the partner when it is valid and better, or equal with a smaller index
                take = ib >= 0 and (ia < 0 or (a == a and (
                    b != b or (b > a if want_max else b < a) or (b == a and ib < ia))) or (
                    a != a and b != b and ib < ia))
                if take:
                    val[t] = b
                    idx[t] = ib
            cuda.syncthreads()
            step //= 2
        if t == 0:
            out[k] = idx[0]
        cuda.syncthreads()


_scan_step = shared.scan_step


@kernel
def cumulative(op, x, n_r, n_i, out, n):
    """Running sum/product/max/min along R of a contiguous (O, R, I) buffer: one thread per
    (o, i) line, sequential along it (a line's steps depend on each other)."""
    for t in range(cuda.grid(1), n, cuda.gridsize(1)):
        base = (t // n_i) * n_r * n_i + t % n_i
        acc = x[base]
        out[base] = acc
        for r in range(1, n_r):
            acc = _scan_step(op, acc, x[base + r * n_i])
            out[base + r * n_i] = acc
