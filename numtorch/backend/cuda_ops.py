"""CUDA dispatch: the GPU side of backend/elementwise, backend/reduction and the matmul in
_ops/linalg.  Operands arrive as CudaArrays (or scalars); these functions lay out metas and
launch the kernels in kernels/cuda."""

import math
from typing import Any, Sequence, Tuple, cast

import numpy as np

from .. import opcodes
from ._types import Array, Dims, DType, HostArray, OpCode, Shape
from .cuda_array import (
    _LAUNCHERS,
    CudaArray,
    _np_nonzero,
    as_operand,
    ascontiguous,
    broadcast_meta,
    device_meta,
    empty,
    implements,
    launch,
    to_device,
)


def _kernels():
    from ..kernels.cuda import elementwise
    return elementwise


def _meta(a):
    return device_meta(a.meta())


_FAMILY = {"binary": "binary", "compare": "compare", "bitwise": "bitwise", "unary": "unary",
           "int_unary": "int_unary", "predicate": "predicate", "ternary": "ternary"}


def run(family: str, op: OpCode, operands: Sequence[Any], out: CudaArray) -> CudaArray:
    """backend.elementwise.run for CUDA arrays: every operand broadcast to out.shape."""
    flat = _flat_args(family, operands, out)
    if flat is not None:
        launch(getattr(_kernels(), family + "_flat"), out.size, op, *flat, out.buf)
        return out
    kern = getattr(_kernels(), _FAMILY[family])
    args = []
    for a in operands:
        a = as_operand(a)
        args += [a.buf, broadcast_meta(a, out.shape)]
    launch(kern, out.size, op, *args, out.buf, _meta(out))
    return out


def _flat_args(family, operands, out):
    """Arguments for the flat kernels when out and every operand are contiguous with out's
    shape (0-d operands broadcast with step 0); None otherwise."""
    if family not in ("unary", "binary") or out.offset or not out.flags.c_contiguous:
        return None
    args = []
    for a in operands:
        a = as_operand(a)
        if a.dtype != out.dtype:
            return None
        if a.ndim == 0:
            args += [a.buf[a.offset:]] + ([0] if family == "binary" else [])
        elif a.shape == out.shape and a.flags.c_contiguous:
            args += [a.buf[a.offset:]] + ([1] if family == "binary" else [])
        else:
            return None
    return args


_OUT_BOOL = {"compare", "predicate"}


def ufunc(spec: Tuple[str, OpCode], inputs: Sequence[Any]) -> CudaArray:
    """A NumPy ufunc call on CUDA arrays (the ops' direct `np.add(a, b)` style calls)."""
    family, op = spec
    dtypes = [x.dtype if isinstance(x, CudaArray) else x for x in inputs]
    dt = np.result_type(*dtypes)
    if family == "binary" and op == 3 and dt.kind in "biu":  # true division of integers
        dt = np.dtype(np.float64)
    shape = np.broadcast_shapes(*[x.shape if isinstance(x, CudaArray) else np.shape(x)
                                  for x in inputs])
    operands = [x.astype(dt, copy=False) if isinstance(x, CudaArray) else
                np.asarray(x, dtype=dt)[()] for x in inputs]
    out = empty(shape, np.bool_ if family in _OUT_BOOL else dt)
    return run(family, op, operands, out)


def ternary(op: OpCode, a: Any, b: Any, c: Any) -> CudaArray:
    ops = [as_operand(x) for x in (a, b, c)]
    shape = np.broadcast_shapes(*[x.shape for x in ops])
    dt = np.result_type(ops[1].dtype, ops[2].dtype)
    return run("ternary", op, ops, empty(shape, dt))


# ---- reductions -----------------------------------------------------------------------------
def split3(arr: CudaArray, dims: Dims) -> Tuple[CudaArray, Shape]:
    """(contiguous (O, R, I) CudaArray, kept shape) -- as backend.reduction.split3."""
    nd = arr.ndim
    kept = tuple(arr.shape[i] for i in range(nd) if i not in dims)
    lo, hi = dims[0], dims[-1]
    if hi - lo + 1 == len(dims):
        a = ascontiguous(arr)
        return a.reshape(math.prod(arr.shape[:lo]), math.prod(arr.shape[lo:hi + 1]),
                         math.prod(arr.shape[hi + 1:])), kept
    order = [i for i in range(nd) if i not in dims] + list(dims)
    a = ascontiguous(arr.transpose(order))
    return a.reshape(-1, math.prod(arr.shape[i] for i in dims), 1), kept


def _reduce_launch(kern, x3, out, *lead):
    from ..kernels.cuda._jit import MAX_BLOCKS, THREADS
    n_out = x3.shape[0] * x3.shape[2]
    if n_out:
        kern[max(1, min(MAX_BLOCKS, n_out)), THREADS](*lead, x3.buf[x3.offset:], x3.shape[0],
                                                       x3.shape[1], x3.shape[2], out.buf)


def reduce(op: OpCode, arr: CudaArray, dims: Dims, acc_dtype: DType) -> CudaArray:
    from ..kernels.cuda import reduction as cuda_kernels
    if not dims:
        return arr.astype(acc_dtype)
    x3, kept = split3(arr, dims)
    acc_dtype = np.dtype(acc_dtype)
    out = empty(kept, acc_dtype)
    kind = "f32" if acc_dtype == np.float32 else "float" if acc_dtype.kind == "f" else "int"
    if x3.shape[1] <= cuda_kernels.SHORT_R:
        launch(getattr(cuda_kernels, "reduce_short_" + kind), out.size, op, x3.buf[x3.offset:],
               *x3.shape, out.buf)
    else:
        _reduce_launch(getattr(cuda_kernels, "reduce_" + kind), x3, out, op)
    return out


def arg_reduce(arr: CudaArray, dim: int, want_max: bool) -> CudaArray:
    from ..kernels.cuda import reduction as cuda_kernels
    x3, kept = split3(arr, (dim,))
    out = empty(kept, np.int64)
    _reduce_launch(cuda_kernels.arg_reduce, x3, out, want_max)
    return out


def moments(arr: CudaArray, dims: Dims, correction: float,
            acc_dtype: DType) -> Tuple[Array, Array]:
    """(mean, variance with `correction`) over dims, as backend.reduction.moments."""
    n = math.prod(arr.shape[d] for d in dims)
    x = arr.astype(acc_dtype, copy=False)
    mean = np.true_divide(reduce(opcodes.SUM, x, dims, acc_dtype), n)
    keep = tuple(1 if i in dims else s for i, s in enumerate(arr.shape))
    dev = np.subtract(x, mean.reshape(keep))
    var = np.true_divide(reduce(opcodes.SUM, np.multiply(dev, dev), dims, acc_dtype),
                         max(n - correction, 0))
    return mean, var


def cumulative(op: OpCode, arr: CudaArray, dim: int, out_dtype: DType) -> CudaArray:
    """Running sum/product/max/min along dim (numtorch/opcodes.py's CUMSUM..CUMMIN)."""
    from ..kernels.cuda import reduction as cuda_kernels
    out = empty(arr.shape, out_dtype)
    if arr.size:
        x3 = split3(ascontiguous(arr.astype(out_dtype, copy=False)), (dim,))[0]
        launch(cuda_kernels.cumulative, x3.shape[0] * x3.shape[2], op, x3.buf[x3.offset:],
               x3.shape[1], x3.shape[2], out.buf)
    return out


def softmax(arr: CudaArray, dim: int, log: bool, out_dtype: DType) -> CudaArray:
    """softmax / log_softmax along dim by max-shifted exponentials (stable for large logits)."""
    x = arr.astype(out_dtype, copy=False)
    keep = tuple(1 if i == dim else s for i, s in enumerate(arr.shape))
    shifted = np.subtract(x, reduce(opcodes.MAX, x, (dim,), out_dtype).reshape(keep))
    e = np.exp(shifted)
    total = reduce(opcodes.SUM, e, (dim,), out_dtype).reshape(keep)
    if log:
        return np.subtract(shifted, np.log(total))
    return np.true_divide(e, total)


# ---- matmul ---------------------------------------------------------------------------------
def matmul(a: Any, b: Any) -> CudaArray:
    """np.matmul semantics (1-D promotion, broadcast batch dims) on CUDA arrays."""
    from ..kernels.cuda.linalg import TILE
    from ..kernels.cuda.linalg import matmul as kern
    a, b = as_operand(a), as_operand(b)
    dt = np.result_type(a.dtype, b.dtype)
    a, b = a.astype(dt, copy=False), b.astype(dt, copy=False)
    va = a.reshape(1, a.shape[0]) if a.ndim == 1 else a
    vb = b.reshape(b.shape[0], 1) if b.ndim == 1 else b
    m, k = va.shape[-2:]
    k2, n = vb.shape[-2:]
    if k != k2:
        raise ValueError(f"matmul: mismatch in core dimension ({va.shape} @ {vb.shape})")
    batch = np.broadcast_shapes(va.shape[:-2], vb.shape[:-2])
    nb = math.prod(batch)
    va = _flat_batch(np.broadcast_to(va, batch + (m, k)), nb)
    vb = _flat_batch(np.broadcast_to(vb, batch + (k, n)), nb)
    out = empty((nb, m, n), dt)
    if nb and m and n:
        grid = ((n + TILE - 1) // TILE, (m + TILE - 1) // TILE, nb)
        kern[grid, (TILE, TILE)](va.buf, va.offset, va.st[0], va.st[1], va.st[2],
                                 vb.buf, vb.offset, vb.st[0], vb.st[1], vb.st[2], out.buf,
                                 nb, m, n, k)
    shape = batch + ((m,) if a.ndim > 1 else ()) + ((n,) if b.ndim > 1 else ())
    return out.reshape(shape)


def _flat_batch(x, nb):
    """x (batch..., r, c) as (nb, r, c): a view when the batch dims merge, else a copy."""
    r, c = x.shape[-2:]
    if x.ndim == 3:
        return x
    if x.ndim == 2:
        return x._view((1, r, c), (0,) + x.st)
    try:
        return x.reshape((nb, r, c), copy=False)
    except ValueError:
        return x.copy().reshape(nb, r, c)


# ---- gather / scatter -----------------------------------------------------------------------
def _as3(a, dim):
    a = ascontiguous(a)
    return a.reshape(math.prod(a.shape[:dim]), a.shape[dim], math.prod(a.shape[dim + 1:]))


def _idx_kernels():
    from ..kernels.cuda import indexing
    return indexing


def gather(x: CudaArray, dim: int, idx: Any) -> CudaArray:
    region = x[tuple(slice(0, idx.shape[k]) if k != dim else slice(None)
                     for k in range(x.ndim))]
    x3, i3 = _as3(region, dim), _as3(as_operand(idx), dim)
    out = empty(idx.shape, x.dtype)
    launch(_idx_kernels().gather, out.size, x3.buf[x3.offset:], x3.shape[1],
           i3.buf[i3.offset:], i3.shape[1], i3.shape[2], out.buf)
    return out


def scatter(out: CudaArray, dim: int, idx: Any, src: Any, add: bool) -> CudaArray:
    """In place on `out` (made contiguous first if it is not)."""
    target = out if out.flags.c_contiguous else out.copy()
    sel = tuple(slice(0, idx.shape[k]) if k != dim else slice(None) for k in range(out.ndim))
    o3 = target[sel]
    if not o3.flags.c_contiguous:
        raise NotImplementedError("numtorch CUDA: scatter into a region narrower than the "
                                  "target along other dims is not supported yet")
    o3 = o3.reshape(math.prod(o3.shape[:dim]), o3.shape[dim], math.prod(o3.shape[dim + 1:]))
    i3 = _as3(as_operand(idx), dim)
    s3 = _as3(as_operand(src)[tuple(slice(0, s) for s in idx.shape)].astype(out.dtype), dim)
    launch(_idx_kernels().scatter, i3.size, bool(add), o3.buf[o3.offset:], o3.shape[1],
           i3.buf[i3.offset:], i3.shape[1], i3.shape[2], s3.buf[s3.offset:])
    if target is not out:
        out[...] = target
    return out


def index_select(x: CudaArray, dim: int, idx: Any) -> CudaArray:
    x3 = _as3(x, dim)
    flat = ascontiguous(as_operand(idx).astype(np.int64, copy=False)).reshape(-1)
    out = empty((x3.shape[0], flat.size, x3.shape[2]), x.dtype)
    launch(_idx_kernels().index_select, out.size, x3.buf[x3.offset:], x3.shape[1],
           flat.buf[flat.offset:], flat.size, x3.shape[2], out.buf)
    shape = list(x.shape)
    shape[dim] = flat.size
    return out.reshape(shape)


def index_add(out: CudaArray, dim: int, idx: Any, src: Any, alpha: Any) -> CudaArray:
    target = out if out.flags.c_contiguous else out.copy()
    o3 = _as3(target, dim)
    flat = ascontiguous(as_operand(idx).astype(np.int64, copy=False)).reshape(-1)
    s3 = _as3(as_operand(src).astype(out.dtype), dim)
    launch(_idx_kernels().index_add, s3.size, o3.buf[o3.offset:], o3.shape[1],
           flat.buf[flat.offset:], flat.size, o3.shape[2], s3.buf[s3.offset:],
           out.dtype.type(alpha))
    if target is not out:
        out[...] = target
    return out


def take(x: CudaArray, offsets: HostArray) -> CudaArray:
    """x.buf at host-computed element offsets (advanced indexing), shaped like offsets."""
    idx = to_device(offsets.reshape(-1))
    out = empty(offsets.shape, x.dtype)
    launch(_idx_kernels().index_select, out.size, x.buf, x.buf.size, idx.buf, idx.size, 1,
           out.buf)
    return out


def put(x: CudaArray, offsets: HostArray, values: Any, accumulate: bool) -> CudaArray:
    """x.buf[offsets] = values (+= with accumulate: duplicate offsets add up, atomically)."""
    idx = to_device(offsets.reshape(-1))
    # (np.broadcast_to of a CudaArray is one: __array_function__)
    src = ascontiguous(cast(CudaArray, np.broadcast_to(as_operand(values).astype(x.dtype),
                                                      offsets.shape)))
    launch(_idx_kernels().scatter, idx.size, bool(accumulate), x.buf, x.buf.size, idx.buf,
           idx.size, 1, src.buf[src.offset:])
    return x


def argsort(arr: CudaArray, dim: int, descending: bool) -> CudaArray:
    """Stable argsort along dim (int64 positions), NaN sorting as the largest value."""
    x3 = split3(ascontiguous(arr), (dim,))[0]
    idx = empty(x3.shape, np.int64)
    if arr.size:
        tmp = empty(x3.shape, np.int64)
        launch(_idx_kernels().argsort_lines, x3.shape[0] * x3.shape[2], x3.buf[x3.offset:],
               x3.shape[1], x3.shape[2], idx.buf, tmp.buf, bool(descending))
    return idx.reshape(arr.shape)


def random_states(seed: int) -> Any:
    """Generator states for random_fill: one xoroshiro128p stream per thread of a full grid."""
    from numba.cuda.random import create_xoroshiro128p_states

    from ..kernels.cuda._jit import MAX_BLOCKS, THREADS
    return create_xoroshiro128p_states(MAX_BLOCKS * THREADS, seed=seed)


def random_fill(kind: str, states: Any, out: CudaArray) -> None:
    """Fill the contiguous device array out with draws ("rand" or "randn") from states."""
    from ..kernels.cuda import random as kernels
    from ..kernels.cuda._jit import MAX_BLOCKS, THREADS
    if out.size:
        blocks = max(1, min(MAX_BLOCKS, (out.size + THREADS - 1) // THREADS))
        getattr(kernels, kind)[blocks, THREADS](states, out.buf, out.size)


# ---- what CudaArray dispatches to (it sits below this module: see cuda_array._LAUNCHERS) ----
_LAUNCHERS.update(take=take, put=put, reduce=reduce, matmul=matmul, ufunc=ufunc)


@implements(np.where)
def _np_where(cond, x=None, y=None):
    if x is None:
        return _np_nonzero(cond)
    return ternary(opcodes.WHERE, cond, x, y)


@implements(np.take_along_axis)
def _np_take_along_axis(arr, indices, axis):
    return gather(arr, axis % arr.ndim, indices)


@implements(np.matmul)
def _np_matmul(a, b, out=None):
    return matmul(a, b)
