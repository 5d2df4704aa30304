"""Gather/scatter kernels over tensors viewed as (outer, dim, inner).

Indices are validated (range and dtype) by the backend before these run; negative indices are
wrapped here so callers need not copy the index tensor.
"""

from ...opcodes import SCATTER_ADD, SCATTER_ASSIGN
from ._jit import kernel


@kernel
def gather(x, idx, out):
    """out[o, r, i] = x[o, idx[o, r, i], i]"""
    n = x.shape[1]
    if idx.shape[2] == 1:  # along the last dim: row loops, half the time of the 3-D ones
        for o in range(idx.shape[0]):
            xr, ir, dst = x[o, :, 0], idx[o, :, 0], out[o, :, 0]
            for r in range(ir.shape[0]):
                j = ir[r]
                dst[r] = xr[j + n if j < 0 else j]
        return
    for o in range(idx.shape[0]):
        for r in range(idx.shape[1]):
            for i in range(idx.shape[2]):
                j = idx[o, r, i]
                out[o, r, i] = x[o, j + n if j < 0 else j, i]


@kernel
def scatter(mode, out, idx, src):
    """out[o, idx[o, r, i], i] (=, +=, *=) src[o, r, i]"""
    n = out.shape[1]
    for o in range(idx.shape[0]):
        for i in range(idx.shape[2]):
            # one (strided) row of each: along the last dim these are contiguous
            dst, ir, sr = out[o, :, i], idx[o, :, i], src[o, :, i]
            if mode == SCATTER_ASSIGN:
                for r in range(ir.shape[0]):
                    j = ir[r]
                    dst[j + n if j < 0 else j] = sr[r]
            elif mode == SCATTER_ADD:
                for r in range(ir.shape[0]):
                    j = ir[r]
                    dst[j + n if j < 0 else j] += sr[r]
            else:
                for r in range(ir.shape[0]):
                    j = ir[r]
                    dst[j + n if j < 0 else j] *= sr[r]


@kernel
def index_select(x, idx, out):
    """out[o, k, :] = x[o, idx[k], :]"""
    n = x.shape[1]
    for o in range(x.shape[0]):
        for k in range(idx.shape[0]):
            j = idx[k]
            if j < 0:
                j += n
            out[o, k, :] = x[o, j, :]


@kernel
def index_add(out, idx, src, alpha):
    """out[o, idx[k], :] += alpha * src[o, k, :]  (duplicate indices accumulate)"""
    n = out.shape[1]
    for o in range(out.shape[0]):
        for k in range(idx.shape[0]):
            j = idx[k]
            if j < 0:
                j += n
            row = out[o, j]
            s = src[o, k]
            for i in range(row.shape[0]):
                row[i] += alpha * s[i]


@kernel
def put_flat(out, idx, src, accumulate):
    """out.flat[idx[k]] (= or +=) src[k] on a contiguous 1-D out."""
    n = out.shape[0]
    for k in range(idx.shape[0]):
        j = idx[k]
        if j < 0:
            j += n
        if accumulate:
            out[j] += src[k]
        else:
            out[j] = src[k]


@kernel
def bounds(idx, n):
    """(min, max) of an int64 index array, so the caller can report the first bad index."""
    lo = 0
    hi = 0
    if idx.shape[0]:
        lo = idx[0]
        hi = idx[0]
    for k in range(idx.shape[0]):
        v = idx[k]
        if v < lo:
            lo = v
        if v > hi:
            hi = v
    return lo, hi
