"""Elementwise kernels over strided operands (see the package docstring for `meta`).

Each kernel walks the output's elements in C order with a grid-stride loop and finds every
operand's element through its meta vector, so broadcasting (stride 0), transposes, slices and
non-contiguous outputs (in-place ops on views) all take the same path."""

from numba import cuda

from ._jit import device_fn, kernel
from .scalar import shared


@device_fn
def offset(meta, i):
    """Buffer index of the i-th element (C order over meta's shape)."""
    nd = meta[1]
    off = meta[0]
    for d in range(nd - 1, -1, -1):
        size = meta[2 + d]
        off += (i % size) * meta[2 + nd + d]
        i //= size
    return off


@kernel
def unary(op, a, am, out, om, n):
    for i in range(cuda.grid(1), n, cuda.gridsize(1)):
        out[offset(om, i)] = shared.unop(op, a[offset(am, i)])


@kernel
def int_unary(op, a, am, out, om, n):
    for i in range(cuda.grid(1), n, cuda.gridsize(1)):
        out[offset(om, i)] = shared.int_unop(op, a[offset(am, i)])


@kernel
def predicate(op, a, am, out, om, n):
    for i in range(cuda.grid(1), n, cuda.gridsize(1)):
        out[offset(om, i)] = shared.predicate(op, a[offset(am, i)])


@kernel
def binary(op, a, am, b, bm, out, om, n):
    for i in range(cuda.grid(1), n, cuda.gridsize(1)):
        out[offset(om, i)] = shared.binop(op, a[offset(am, i)], b[offset(bm, i)])


@kernel
def compare(op, a, am, b, bm, out, om, n):
    for i in range(cuda.grid(1), n, cuda.gridsize(1)):
        out[offset(om, i)] = shared.compare(op, a[offset(am, i)], b[offset(bm, i)])


@kernel
def bitwise(op, a, am, b, bm, out, om, n):
    for i in range(cuda.grid(1), n, cuda.gridsize(1)):
        out[offset(om, i)] = shared.bitop(op, a[offset(am, i)], b[offset(bm, i)])


@kernel
def ternary(op, a, am, b, bm, c, cm, out, om, n):
    for i in range(cuda.grid(1), n, cuda.gridsize(1)):
        out[offset(om, i)] = shared.ternop(op, a[offset(am, i)], b[offset(bm, i)], c[offset(cm, i)])


@kernel
def copy(a, am, out, om, n):
    """out = a elementwise, converting dtype: contiguous copies, casts, broadcasts, setitem."""
    for i in range(cuda.grid(1), n, cuda.gridsize(1)):
        out[offset(om, i)] = a[offset(am, i)]


@kernel
def fill(out, om, value, n):
    for i in range(cuda.grid(1), n, cuda.gridsize(1)):
        out[offset(om, i)] = value


# Flat kernels: every operand contiguous with the output's shape (or a 0-d scalar, step 0),
# the common case, without the per-element index arithmetic of the strided kernels.
@kernel
def unary_flat(op, a, out, n):
    for i in range(cuda.grid(1), n, cuda.gridsize(1)):
        out[i] = shared.unop(op, a[i])


@kernel
def binary_flat(op, a, sa, b, sb, out, n):
    for i in range(cuda.grid(1), n, cuda.gridsize(1)):
        out[i] = shared.binop(op, a[i * sa], b[i * sb])
