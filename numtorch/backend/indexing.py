"""CPU dispatch for gather/scatter/index_select/index_add/put: bounds checks and (O, R, I)
views, so the kernels never see an index they could misuse."""

import math
from typing import Optional

import numpy as np

from .. import opcodes
from .._errors import IndexOutOfRange
from ..kernels.cpu import indexing as kernels
from . import cuda_ops
from ._types import Array, OpCode
from .cuda_array import CudaArray, advanced_offsets, to_device


def check_bounds(idx: Array, n: int, dim: int, message: Optional[str] = None,
                 negative: bool = False) -> Array:
    """Raise IndexOutOfRange (an IndexError and a RuntimeError, as PyTorch's ops differ)
    naming the first index outside [0, n), or [-n, n) for the ops that count
    negative indices from the end (indexing, take, put_, index_fill_; PyTorch's gather, scatter,
    index_select, index_add and embedding refuse them).  CUDA indices are checked on a host
    copy (PyTorch checks them on the device)."""
    if type(idx) is CudaArray:
        idx = idx.get()
    flat = np.ascontiguousarray(idx, dtype=np.int64).reshape(-1)
    if flat.size == 0:
        return flat
    lo, hi = kernels.bounds(flat, n)
    low = -n if negative else 0
    if lo < low or hi >= n:
        bad = lo if lo < low else hi
        template = message or "index {index} is out of bounds for dimension {dim} with size {size}"
        raise IndexOutOfRange(template.format(index=bad, dim=dim, size=n))
    return flat


def _as3(arr, dim):
    shape = arr.shape
    return np.ascontiguousarray(arr).reshape(math.prod(shape[:dim]), shape[dim],
                                             math.prod(shape[dim + 1:]))


def gather(x: Array, dim: int, idx: Array) -> Array:
    """out[..., r, ...] = x[..., idx[..., r, ...], ...] along dim (idx no larger than x)."""
    region = x[tuple(slice(0, idx.shape[k]) if k != dim else slice(None)
                     for k in range(x.ndim))]
    check_bounds(idx, x.shape[dim], dim)
    if type(x) is CudaArray:
        return cuda_ops.gather(x, dim, idx)
    out = np.empty(idx.shape, x.dtype)
    if out.size:
        kernels.gather(_as3(region, dim), _as3(idx, dim), out.reshape(_as3(idx, dim).shape))
    return out


def scatter(out: Array, dim: int, idx: Array, src: Array, mode: OpCode) -> Array:
    """In place on `out`: out[..., idx[...], ...] (=, +=, *=) src[...]."""
    check_bounds(idx, out.shape[dim], dim)
    if idx.size == 0:
        return out
    if type(out) is CudaArray:
        if mode in (opcodes.SCATTER_ASSIGN, opcodes.SCATTER_ADD):
            return cuda_ops.scatter(out, dim, idx, src, mode == opcodes.SCATTER_ADD)
        # reduce='multiply' has no atomic multiply on the GPU: the rare op runs on the host
        host = out.get()
        scatter(host, dim, idx.get() if type(idx) is CudaArray else idx,
                src.get() if type(src) is CudaArray else src, mode)
        out[...] = host
        return out
    sel = tuple(slice(0, idx.shape[k]) if k != dim else slice(None) for k in range(out.ndim))
    region = np.ascontiguousarray(out[sel])
    src_region = src[tuple(slice(0, s) for s in idx.shape)]
    src3 = _as3(np.ascontiguousarray(src_region, dtype=out.dtype), dim)
    kernels.scatter(mode, _as3(region, dim), _as3(idx, dim), src3)
    out[sel] = region
    return out


def index_select(x: Array, dim: int, idx: Array) -> Array:
    if x.shape[dim] == 0 and idx.size:
        raise IndexOutOfRange("index_select(): self indexing axis dim should be positive")
    else:
        flat = check_bounds(idx, x.shape[dim], dim, "index out of range in self")
    if type(x) is np.ndarray:  # NumPy's take: a third of the overhead of the kernel below
        return np.take(x, flat, axis=dim)
    if type(x) is CudaArray:
        return cuda_ops.index_select(x, dim, idx)
    x3 = _as3(x, dim)
    out = np.empty((x3.shape[0], flat.size, x3.shape[2]), x.dtype)
    if out.size:
        kernels.index_select(x3, flat, out)
    shape = list(x.shape)
    shape[dim] = flat.size
    return out.reshape(shape)


def index_add(out: Array, dim: int, idx: Array, src: Array, alpha: float) -> Array:
    flat = check_bounds(idx, out.shape[dim], dim, "index out of range in self")
    if flat.size == 0:
        return out
    if type(out) is CudaArray:
        return cuda_ops.index_add(out, dim, idx, src, alpha)
    o3 = _as3(out, dim)
    kernels.index_add(o3, flat, _as3(np.asarray(src, dtype=out.dtype), dim), o3.dtype.type(alpha))
    if not np.shares_memory(o3, out):
        out[...] = o3.reshape(out.shape)
    return out


def put(out: Array, idx: Array, src: Array, accumulate: bool) -> Array:
    flat = check_bounds(idx, out.size, 0,
                        "out of range: tried to access index {index} on a tensor of {size} "
                        "elements.", negative=True)
    if type(out) is CudaArray:
        key = np.unravel_index(np.where(flat < 0, flat + out.size, flat), out.shape)
        src = src.get() if type(src) is CudaArray else np.asarray(src)
        values = to_device(np.ascontiguousarray(src.reshape(-1)[:flat.size], out.dtype))
        return cuda_ops.put(out, advanced_offsets(out, key), values, accumulate)
    o = out.reshape(-1)
    if not np.shares_memory(o, out):
        o = o.copy()
    kernels.put_flat(o, flat, np.ascontiguousarray(src, dtype=out.dtype).reshape(-1), accumulate)
    if not np.shares_memory(o, out):
        out[...] = o.reshape(out.shape)
    return out
