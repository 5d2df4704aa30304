"""Gather/scatter along one dim of contiguous (O, R, I) buffers; scatter-adds use atomics (each
lands on its own element, unlike a reduction), so duplicate indices accumulate as in PyTorch.
Negative indices arrive already checked to be in [-R, R)."""

from numba import cuda

from ._jit import device_fn, kernel


@device_fn
def _along(k, j, r_src, r_k, n_i):
    """Flat offset of element (o, j, i) of an (O, r_src, I) buffer, where (o, i) are those of
    element k of an (O, r_k, I) one; a negative j counts from the end."""
    i = k % n_i
    o = k // (r_k * n_i)
    if j < 0:
        j += r_src
    return (o * r_src + j) * n_i + i


@kernel
def gather(x, rx, idx, ri, n_i, out, n):
    """out[o, r, i] = x[o, idx[o, r, i], i]."""
    for k in range(cuda.grid(1), n, cuda.gridsize(1)):
        out[k] = x[_along(k, idx[k], rx, ri, n_i)]


@kernel
def scatter(add, out, ro, idx, ri, n_i, src, n):
    """out[o, idx[o, r, i], i] (+)= src[o, r, i]."""
    for k in range(cuda.grid(1), n, cuda.gridsize(1)):
        dst = _along(k, idx[k], ro, ri, n_i)
        if add:
            cuda.atomic.add(out, dst, src[k])
        else:
            out[dst] = src[k]


@kernel
def index_select(x, rx, idx, k_sel, n_i, out, n):
    """out[o, q, i] = x[o, idx[q], i]."""
    for k in range(cuda.grid(1), n, cuda.gridsize(1)):
        out[k] = x[_along(k, idx[(k // n_i) % k_sel], rx, k_sel, n_i)]


@kernel
def index_add(out, ro, idx, k_sel, n_i, src, alpha, n):
    """out[o, idx[q], i] += alpha * src[o, q, i]."""
    for k in range(cuda.grid(1), n, cuda.gridsize(1)):
        cuda.atomic.add(out, _along(k, idx[(k // n_i) % k_sel], ro, k_sel, n_i), alpha * src[k])


@device_fn
def _before(a, b, descending):
    """Whether value a sorts strictly before b: NaN counts as the largest value."""
    if descending:
        return (a > b) or (a != a and b == b)
    return (a < b) or (b != b and a == a)


@kernel
def argsort_lines(x, n_r, n_i, idx, tmp, descending, n):
    """Stable argsort of each (o, i) line along R of a contiguous (O, R, I) buffer into idx
    (tmp: scratch of the same size): one thread per line, a bottom-up merge sort, so equal
    values keep their order as in the CPU's stable sort."""
    for t in range(cuda.grid(1), n, cuda.gridsize(1)):
        base = (t // n_i) * n_r * n_i + t % n_i
        for r in range(n_r):
            idx[base + r * n_i] = r
        src, dst = idx, tmp
        width = 1
        passes = 0
        while width < n_r:
            for lo in range(0, n_r, 2 * width):
                mid = min(lo + width, n_r)
                hi = min(lo + 2 * width, n_r)
                i, j = lo, mid
                for k in range(lo, hi):
                    take_right = j < hi and (i >= mid or _before(
                        x[base + src[base + j * n_i] * n_i], x[base + src[base + i * n_i] * n_i],
                        descending))
                    if take_right:
                        dst[base + k * n_i] = src[base + j * n_i]
                        j += 1
                    else:
                        dst[base + k * n_i] = src[base + i * n_i]
                        i += 1
            src, dst = dst, src
            width *= 2
            passes += 1
        if passes % 2:  # an odd number of passes left the result in the scratch buffer
            for r in range(n_r):
                idx[base + r * n_i] = tmp[base + r * n_i]
