"""CPU dispatch for elementwise kernels: broadcasting, layout normalisation, thread choice.

Operands arrive as NumPy arrays (already in the compute dtype) or NumPy scalars.  Each call is
reduced to one of two layouts before a kernel runs:
  * flat — every operand C-contiguous with the output's shape (scalars become stride-0 views);
  * rows — 4-D views after dropping size-1 dims and merging dims that are contiguous in every
    operand; broadcast dims carry stride 0.  More than four irreducible dims fall back to copies.
"""

from typing import Any, Dict, Optional, Sequence, Tuple, cast

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .. import opcodes
from ..kernels.cpu import elementwise as kernels
from ..kernels.cpu._jit import PARALLEL_THRESHOLD
from . import cuda_ops
from ._types import Array, DType, HostArray, OpCode, Shape
from .cuda_array import CudaArray
from .cuda_array import empty as cuda_empty

FAMILIES: Dict[str, Tuple[Any, ...]] = {
    # name: (1-D kernel, parallel 1-D kernel or None, rows kernel, parallel rows kernel or None)
    "binary": (kernels.binary_1d, kernels.binary_1d_par, kernels.binary_rows,
               kernels.binary_rows_par),
    "compare": (kernels.compare_1d, None, kernels.compare_rows, None),
    "bitwise": (kernels.bitwise_1d, None, kernels.bitwise_rows, None),
    "unary": (kernels.unary_1d, kernels.unary_1d_par, kernels.unary_rows, None),
    "int_unary": (kernels.int_unary_1d, None, None, None),
    "predicate": (kernels.predicate_1d, None, None, None),
    "ternary": (kernels.ternary_1d, kernels.ternary_1d_par, kernels.ternary_rows, None),
}


def broadcast_shapes(*shapes: Shape) -> Shape:
    """Broadcast result shape, raising PyTorch's RuntimeError naming the clashing sizes."""
    if len(shapes) == 2:  # the common case, without building lists
        a, b = shapes
        if a == b:
            return a
        if len(a) == 2 and len(b) == 2:  # `x @ w + b`, every step of a small model
            (a0, a1), (b0, b1) = a, b
            if (a0 == b0 or a0 == 1 or b0 == 1) and (a1 == b1 or a1 == 1 or b1 == 1):
                return (b0 if a0 == 1 else a0, b1 if a1 == 1 else a1)
    ndim = max(len(s) for s in shapes)
    result = [1] * ndim
    for idx, s in enumerate(shapes):
        off = ndim - len(s)
        for i, n in enumerate(s):
            r = result[off + i]
            if n != r:
                if r == 1:
                    result[off + i] = n
                elif n != 1:
                    other = "a" if idx == 1 else "b"
                    this = "b" if idx == 1 else chr(ord("a") + idx)
                    raise RuntimeError(
                        f"The size of tensor {other} ({r}) must match the size of tensor {this} "
                        f"({n}) at non-singleton dimension {i + off}")
    return tuple(result)


def empty_for(shape: Shape, dtype: DType, operands: Sequence[Any]) -> Array:
    """A result array on the operands' device: CUDA when any operand lives there (then every
    other array operand must too, bar 0-d ones, which PyTorch treats as scalars)."""
    for a in operands:
        if type(a) is CudaArray:
            for b in operands:
                if type(b) is np.ndarray and b.ndim:
                    raise RuntimeError(DEVICE_MISMATCH)
            return cuda_empty(shape, dtype)
    return np.empty(shape, dtype)


DEVICE_MISMATCH = ("Expected all tensors to be on the same device, but found at least two "
                   "devices, cuda:0 and cpu!")


def _scalar_view(s, n):
    base = np.array([s])
    return np.ndarray((n,), base.dtype, buffer=base, strides=(0,))


def _collapse(shape, operands):
    """Drop size-1 dims and merge dims contiguous in all operands. Returns (shape, strides-list)."""
    ndim = len(shape)
    strides = []
    for a in operands:
        if isinstance(a, np.ndarray):
            st = [0] * ndim
            off = ndim - a.ndim
            for i in range(a.ndim):
                st[off + i] = a.strides[i] if a.shape[i] != 1 else 0
            strides.append(st)
        else:
            strides.append([0] * ndim)
    keep = [i for i in range(ndim) if shape[i] != 1]
    dims = [shape[i] for i in keep]
    sts = [[st[i] for i in keep] for st in strides]
    j = len(dims) - 1
    while j > 0:
        if all(st[j - 1] == st[j] * dims[j] for st in sts):
            dims[j - 1] *= dims[j]
            del dims[j]
            for st in sts:  # the merged dim steps like its inner half
                st[j - 1] = st[j]
                del st[j]
        j -= 1
    return dims, sts


def _view4(a, dims, st):
    pad = 4 - len(dims)
    shape4 = (1,) * pad + tuple(dims)
    strides4 = (0,) * pad + tuple(st)
    if not isinstance(a, np.ndarray):
        a = np.array([a])
    if a.flags.c_contiguous:  # ~10x cheaper than as_strided when a's buffer can be shared
        try:
            return np.ndarray(shape4, a.dtype, buffer=a, strides=strides4)
        except (TypeError, ValueError):
            pass
    return as_strided(a, shape4, strides4)


def run(family: str, op: OpCode, operands: Sequence[Any], out: Array) -> Array:
    """Run an elementwise family over operands (arrays broadcastable to out.shape, or scalars)
    writing into `out` (any layout).  Chooses flat or rows layout and serial or parallel."""
    if type(out) is CudaArray:
        return cuda_ops.run(family, op, operands, out)
    k1d, k1d_par, krows, krows_par = FAMILIES[family]
    shape = out.shape
    n = out.size
    if n == 0:
        return out
    if family == "unary" and isinstance(operands[0], np.ndarray) and _numpy_unary(
            op, operands[0], out):
        return out
    if out.flags.c_contiguous and all(
            (not isinstance(a, np.ndarray)) or (a.shape == shape and a.flags.c_contiguous)
            for a in operands):
        flat = [a.reshape(-1) if isinstance(a, np.ndarray) else _scalar_view(a, n)
                for a in operands]
        kern = k1d_par if (k1d_par is not None and n >= PARALLEL_THRESHOLD) else k1d
        kern(op, *flat, out.reshape(-1))
        return out
    dims, sts = _collapse(shape, list(operands) + [out])
    if krows is None or len(dims) > 4:
        return _run_copied(family, op, operands, out)
    views = [_view4(a, dims, st) for a, st in zip(operands, sts[:-1])]
    out4 = _view4(out, dims, sts[-1])
    rows = out4.shape[0] * out4.shape[1] * out4.shape[2]
    if krows_par is not None and n >= PARALLEL_THRESHOLD and rows >= 4:
        krows_par(op, *views, out4)
    else:
        krows(op, *views, out4, 0, rows)
    return out


# NumPy's own SIMD loops for these float32 functions beat Numba's calls into libm: per
# element on 262k floats, one thread, ns: log 1.7 vs 5.9, tanh 2.6 vs 15.4, sin and cos 1.6
# vs 6.7, exp2 2.5 vs 4.0, log2 2.8 vs 4.0 (no gain in float64, nor for the others; exp has
# its own vectorised kernel, 0.6 ns against NumPy's 1.4).  From NUMPY_UNARY_MIN elements
# on, where np.errstate's 2.6 us is paid back.
NUMPY_UNARY = {opcodes.LOG: np.log, opcodes.TANH: np.tanh, opcodes.SIN: np.sin, opcodes.COS: np.cos,
               opcodes.EXP2: np.exp2, opcodes.LOG2: np.log2}
NUMPY_UNARY_MIN = 4096


def _numpy_unary(op, x, out):
    """Run unary op with NUMPY_UNARY's loop (any layout) when it has one for these arrays;
    whether it did."""
    ufunc = NUMPY_UNARY.get(op)
    if (ufunc is None or x.dtype != np.float32 or out.dtype != np.float32
            or out.size < NUMPY_UNARY_MIN):
        return False
    with np.errstate(all="ignore"):  # PyTorch is silent about inf and NaN
        ufunc(x, out=out)
    return True


def run_simple(family: str, op: OpCode, x: Array, y: Any = None,
               out: Optional[Array] = None) -> Optional[Array]:
    """Fast path for a C-contiguous x with an optional same-shape C-contiguous y or NumPy
    scalar y ('binary' and 'unary' families): call the flat kernel into `out` (x itself for
    in-place ops) or a new array.  None when the layout differs."""
    if type(x) is CudaArray or type(y) is CudaArray:
        operands = (x,) if y is None else (x, y)
        if out is None:
            out = empty_for(x.shape, x.dtype, operands)
        return cuda_ops.run(family, op, operands, cast(CudaArray, out))
    if not x.flags.c_contiguous:
        return None
    n = x.size
    if y is not None and isinstance(y, np.ndarray) and (
            y.shape != x.shape or not y.flags.c_contiguous):
        return None
    if out is None:
        out = np.empty(x.shape, x.dtype)
    if y is None and family == "unary" and _numpy_unary(op, x, out):
        return out
    if n >= PARALLEL_THRESHOLD:
        k1d_par = FAMILIES[family][1]
        if y is None:
            k1d_par(op, x.reshape(-1), out.reshape(-1))
        else:
            yf = y.reshape(-1) if isinstance(y, np.ndarray) else _scalar_view(y, n)
            k1d_par(op, x.reshape(-1), yf, out.reshape(-1))
    elif y is None:
        kernels.unary_small(op, x, out)
    elif isinstance(y, np.ndarray):
        kernels.binary_small(op, x, y, out)
    else:
        kernels.binary_small_scalar(op, x, y, out)
    return out


def run_broadcast(op: OpCode, x: HostArray, y: HostArray, shape: Shape
                  ) -> Optional[HostArray]:
    """Binary op over same-dtype arrays broadcasting to `shape` (at most 4-D, small): the
    kernel broadcasts itself, so no strided views are built here."""
    if type(x) is CudaArray or type(y) is CudaArray:
        return cuda_ops.run("binary", op, (x, y), empty_for(shape, x.dtype, (x, y)))
    out = np.empty(shape, x.dtype)
    if out.size:
        kernels.binary_bcast(op, x.reshape(_as4(x.shape)), y.reshape(_as4(y.shape)),
                       out.reshape(_as4(shape)))
    return out


def _as4(shape):
    """shape padded with leading 1s to 4 dims (the shapes binary_bcast takes)."""
    n = len(shape)
    return shape if n == 4 else (1, 1, 1, 1)[n:] + shape


def _run_copied(family, op, operands, out):
    """Fallback for layouts the rows kernel can't take: materialise contiguous operands."""
    shape = out.shape
    ops = [np.ascontiguousarray(np.broadcast_to(a, shape)) if isinstance(a, np.ndarray) else a
           for a in operands]
    if out.flags.c_contiguous:
        return run(family, op, ops, out)
    tmp = np.empty(shape, out.dtype)
    run(family, op, ops, tmp)
    out[...] = tmp
    return out
