"""Gather/scatter along one dim of contiguous (O, R, I) buffers; scatter-adds use atomics (each
lands on its own element, unlike a reduction), so duplicate indices accumulate as in PyTorch.
Negative indices arrive already checked to be in [-R, R)."""

from numba import cuda

from ._jit import kernel


@kernel
def gather(x, rx, idx, ri, n_i, out, n):
    """out[o, r, i] = x[o, idx[o, r, i], i]."""
    for k in range(cuda.grid(1), n, cuda.gridsize(1)):
        i = k % n_i
        o = k // (ri * n_i)
        j = idx[k]
        if j < 0:
            j += rx
        out[k] = x[(o * rx + j) * n_i + i]


@kernel
def scatter(add, out, ro, idx, ri, n_i, src, n):
    """out[o, idx[o, r, i], i] (+)= src[o, r, i]."""
    for k in range(cuda.grid(1), n, cuda.gridsize(1)):
        i = k % n_i
        o = k // (ri * n_i)
        j = idx[k]
        if j < 0:
            j += ro
        dst = (o * ro + j) * n_i + i
        if add:
            cuda.atomic.add(out, dst, src[k])
        else:
            out[dst] = src[k]


@kernel
def index_select(x, rx, idx, k_sel, n_i, out, n):
    """out[o, q, i] = x[o, idx[q], i]."""
    for k in range(cuda.grid(1), n, cuda.gridsize(1)):
        i = k % n_i
        q = (k // n_i) % k_sel
        o = k // (k_sel * n_i)
        j = idx[q]
        if j < 0:
            j += rx
        out[k] = x[(o * rx + j) * n_i + i]


@kernel
def index_add(out, ro, idx, k_sel, n_i, src, alpha, n):
    """out[o, idx[q], i] += alpha * src[o, q, i]."""
    for k in range(cuda.grid(1), n, cuda.gridsize(1)):
        i = k % n_i
        q = (k // n_i) % k_sel
        o = k // (k_sel * n_i)
        j = idx[q]
        if j < 0:
            j += ro
        cuda.atomic.add(out, (o * ro + j) * n_i + i, alpha * src[k])
