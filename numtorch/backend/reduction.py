"""CPU dispatch for reductions: view the input as (outer, reduced, inner) and pick a kernel.

Reduced dims that are adjacent in a C-contiguous array reshape for free; otherwise they are
transposed to the end and copied once, which turns the reduction into contiguous rows.
"""

import math
from typing import Optional, Tuple

import numpy as np

from .. import opcodes
from ..kernels.cpu import reduction as kernels
from ..kernels.cpu._jit import CHUNKS, PARALLEL_THRESHOLD, entry_table, learn
from . import cuda_ops
from ._types import Array, Dims, DType, HostArray, OpCode, Shape
from .cuda_array import CudaArray


def split3(arr: Array, dims: Dims) -> Tuple[HostArray, Shape]:
    """Return (x3, kept_shape) with x3 a C-contiguous (O, R, I) array whose R axis covers
    `dims` (sorted, non-empty) and kept_shape the shape with those dims removed.  float16
    (which Numba cannot compile) is widened to float32, as PyTorch's CPU kernels compute."""
    if arr.dtype == np.float16:
        arr = arr.astype(np.float32)
    nd = arr.ndim
    if len(dims) == 1 and dims[0] == nd - 1 and arr.flags.c_contiguous:
        # the common case (softmax, a sum over rows), without the general bookkeeping
        return arr.reshape(math.prod(arr.shape[:-1]), arr.shape[-1], 1), arr.shape[:-1]
    kept = tuple(arr.shape[i] for i in range(nd) if i not in dims)
    lo, hi = dims[0], dims[-1]
    if hi - lo + 1 == len(dims):
        a = np.ascontiguousarray(arr)
        outer = math.prod(arr.shape[:lo])
        red = math.prod(arr.shape[lo:hi + 1])
        inner = math.prod(arr.shape[hi + 1:])
        return a.reshape(outer, red, inner), kept
    order = [i for i in range(nd) if i not in dims] + list(dims)
    a = np.ascontiguousarray(arr.transpose(order))
    red = math.prod(arr.shape[i] for i in dims)
    return a.reshape(-1, red, 1), kept


NUMPY_SUM_MAX = 4096
_SUM_SMALL = entry_table()


def small_total(arr: Array, divisor: float = 1.0) -> Optional[HostArray]:
    """sum(arr) / divisor as a 0-d array of arr's dtype, accumulated in float64, when arr is
    a small float32/float64 host array in the layout kernels.sum_small's entry points take (a
    small model's loss, a bias gradient: every step); None for anything else."""
    if type(arr) is not np.ndarray or not 0 < arr.size <= NUMPY_SUM_MAX or (
            arr.dtype != np.float32 and arr.dtype != np.float64) or not arr.flags.carray:
        return None
    out = np.empty((), arr.dtype)
    (_SUM_SMALL[arr.dtype][arr.ndim] or learn(_SUM_SMALL, kernels.sum_small, arr, (arr, 1.0, out)))(
        arr, divisor, out)
    return out


def sum_rows(arr: Array) -> Optional[HostArray]:
    """The sum over the last dim of a C-contiguous float32/float64 host array, in its dtype,
    accumulated in float64 (what reduce plus a cast gives, without the float64 result array,
    the cast and their bookkeeping: at 2000x2000 those took a fifth of the time); None for
    anything else, and for few long rows, which reduce splits within each row."""
    if type(arr) is not np.ndarray or (arr.dtype != np.float32 and arr.dtype != np.float64) or (
            not arr.ndim or not arr.flags.c_contiguous):
        return None
    rows = math.prod(arr.shape[:-1])
    par = arr.size >= PARALLEL_THRESHOLD
    if par and rows < CHUNKS:
        return None
    out = np.empty(arr.shape[:-1], arr.dtype)
    (kernels.sum_rows_par if par else kernels.sum_rows)(
        arr.reshape(rows, arr.shape[-1]), out.reshape(rows))
    return out


def column_sums(arr: Array, n_cols: int) -> Optional[HostArray]:
    """The C-contiguous float32/float64 host arr viewed as (rows, n_cols) and summed over its
    rows, flat, in arr's dtype, accumulated in float64 (a Linear's bias gradient: the sum of
    the output gradient over the batch); None for anything else, and for sizes the parallel
    kernels take."""
    if type(arr) is not np.ndarray or (arr.dtype != np.float32 and arr.dtype != np.float64) or (
            not arr.flags.c_contiguous or not 0 < arr.size < PARALLEL_THRESHOLD):
        return None
    out = np.empty(n_cols, arr.dtype)
    kernels.sum_cols(arr.reshape(1, arr.size // n_cols, n_cols), out)
    return out


def reduce(op: OpCode, arr: Array, dims: Dims, acc_dtype: DType) -> Array:
    """Fold `arr` over `dims` with op, accumulating (and returning) in acc_dtype."""
    if type(arr) is CudaArray:
        return cuda_ops.reduce(op, arr, dims, acc_dtype)
    if arr.dtype == np.float16 or np.dtype(acc_dtype) == np.float16:
        wide = np.float32 if np.dtype(acc_dtype) == np.float16 else acc_dtype
        return reduce(op, arr.astype(np.float32), dims, wide).astype(acc_dtype)
    n = arr.size
    if op == opcodes.SUM and n <= NUMPY_SUM_MAX:
        # a small tensor's sum is all call overhead: NumPy's own reduce has the least (and
        # accumulates in acc_dtype, float64 or int64, like the kernels)
        return np.asarray(np.add.reduce(arr, axis=dims, dtype=acc_dtype))
    if op == opcodes.PROD and arr.dtype.kind == "f":
        # in order, as PyTorch multiplies: the kernels' reassociated (vectorised) product is
        # CPU-dependent, and on an AMD EPYC gave 1e30*1e-30*1e30*1e-30 = 1, not float32's inf
        with np.errstate(over="ignore", invalid="ignore"):
            return np.asarray(np.multiply.reduce(arr, axis=dims, dtype=acc_dtype))
    # Only float inputs may be summed in blocks of their own dtype (then accumulated wider):
    # a bool or small-int partial sum would saturate or wrap, so those are widened first.
    if arr.dtype != acc_dtype and arr.dtype.kind != "f":
        arr = arr.astype(acc_dtype)
    if len(dims) == arr.ndim and 0 < n < PARALLEL_THRESHOLD and arr.flags.c_contiguous and (
            arr.dtype == acc_dtype or op in (opcodes.SUM, opcodes.PROD)):
        out = np.empty(1, acc_dtype)  # whole small tensor: one row, no (O, R, I) bookkeeping
        kernels.reduce_inner(op, arr.reshape(1, n), out)
        return out.reshape(())
    x3, kept = split3(arr, dims)
    n_o, n_r, n_i = x3.shape
    out = np.empty((n_o, n_i), acc_dtype)
    if out.size and n_r:
        if x3.dtype != acc_dtype and op not in (opcodes.SUM, opcodes.PROD):
            x3 = x3.astype(acc_dtype)
        big = x3.size >= PARALLEL_THRESHOLD
        if n_i == 1:
            (kernels.reduce_inner_par if big else kernels.reduce_inner)(op, x3[:, :, 0], out[:, 0])
        elif big:
            kernels.reduce_outer_par(op, x3, out)
        else:
            kernels.reduce_outer(op, x3, out, 0, n_i)
    elif out.size:
        out.fill({opcodes.SUM: 0, opcodes.PROD: 1, opcodes.ANY: False, opcodes.ALL: True}[op])
    return out.reshape(kept)


def argreduce(op: OpCode, arr: Array, dim: int) -> Tuple[Array, Array]:
    """(values, int64 indices) of the first max/min along one dim."""
    if type(arr) is CudaArray:
        idx = cuda_ops.arg_reduce(arr, dim, op == opcodes.ARGMAX)
        extreme = opcodes.MAX if op == opcodes.ARGMAX else opcodes.MIN
        return cuda_ops.reduce(extreme, arr, (dim,), arr.dtype), idx
    x3, kept = split3(arr, (dim,))
    values = np.empty((x3.shape[0], x3.shape[2]), x3.dtype)
    indices = np.empty((x3.shape[0], x3.shape[2]), np.int64)
    if values.size:
        kernels.argreduce(op, x3, values, indices)
    return values.reshape(kept).astype(arr.dtype, copy=False), indices.reshape(kept)


def moments(arr: Array, dims: Dims, correction: float, acc_dtype: DType
            ) -> Tuple[Array, Array]:
    if type(arr) is CudaArray:
        return cuda_ops.moments(arr, dims, correction, acc_dtype)
    x3, kept = split3(arr, dims)
    mean = np.empty((x3.shape[0], x3.shape[2]), acc_dtype)
    var = np.empty_like(mean)
    if mean.size:
        kernels.moments(x3, correction, mean, var)
    return mean.reshape(kept), var.reshape(kept)


def softmax(arr: Array, dim: int, log: bool) -> Array:
    """(log-)softmax of a float32/float64 array along dim, in its dtype."""
    if type(arr) is CudaArray:
        return cuda_ops.softmax(arr, dim, log, arr.dtype)
    x3, _ = split3(arr, (dim,))
    n_o, n_r, n_i = x3.shape
    out = np.empty(x3.shape, x3.dtype)
    if out.size and n_i == 1:
        x2, out2 = x3.reshape(n_o, n_r), out.reshape(n_o, n_r)
        if x3.size >= PARALLEL_THRESHOLD and n_o > 1:
            kernels.softmax_rows_par(x2, out2, log)
        else:
            kernels.softmax_rows(x2, out2, log, 0, n_o)
    elif out.size:
        kernels.softmax(x3, out, log)
    return out.reshape(arr.shape)


def cumulative(op: OpCode, arr: Array, dim: int, out_dtype: DType) -> Array:
    """Running CUMSUM/CUMPROD/CUMMAX/CUMMIN of arr along dim (the values; a float16 arr is
    scanned by the caller in a wider dtype)."""
    if type(arr) is CudaArray:
        return cuda_ops.cumulative(op, arr, dim, out_dtype)
    x3, _ = split3(arr, (dim,))
    out = np.empty(x3.shape, x3.dtype if out_dtype == np.float16 else out_dtype)
    if out.size:
        kernels.cumulative(op, x3, out)
    return out.reshape(arr.shape).astype(out_dtype, copy=False)


def softmax_rows_backward(g: HostArray, y: HostArray, log: bool) -> HostArray:
    """The input gradient of (log_)softmax over the last dim from its output y and the
    incoming g: same-shape, same-dtype float C-contiguous host arrays."""
    out = np.empty_like(y)
    n = y.shape[-1]
    kernels.softmax_rows_backward(g.reshape(-1, n), y.reshape(-1, n), out.reshape(-1, n), log)
    return out
