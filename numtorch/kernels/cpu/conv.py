"""Convolution and pooling kernels over NCHW arrays.

conv2d is im2col + one batched BLAS product (done by the backend); these kernels build the
column matrix, scatter it back (col2im, for the input gradient), and run pooling.  Strided
convolutions handle padding by bounds tests in the loops, so no padded copy of the input is
made.  Each kernel parallelises over the batch.
"""

import numpy as np

from ._jit import inline, parallel_kernel, parallel_reduce_kernel, prange
from ._jit import unsigned as _u


@inline
def _valid_cols(j, kw, dw, sw, pw, w, ow):
    """(offset, first z, count) of output columns whose tap j lands inside a row of width w,
    so the inner loops run branch-free (and vectorise) over that range."""
    off = j * dw - pw
    z_lo = 0 if off >= 0 else (-off + sw - 1) // sw
    z_hi = min(ow, (w - 1 - off) // sw + 1) if w - 1 - off >= 0 else 0
    return off, z_lo, max(z_hi - z_lo, 0)


@parallel_kernel
def im2col(x, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, cols):
    """cols[(c*kh + i)*kw + j, n*L + y*ow + z] = x[n, c, y*sh - ph + i*dh, z*sw - pw + j*dw]
    (zero where that falls in the padding).  The (CK, N*L) layout makes the forward and both
    backward products single large GEMMs.  Unsigned indices and the in-row range split off
    (no bounds test per element) let the copy vectorise: 2.7x faster than a per-element
    test with signed indices."""
    n_b, n_c, h, w = x.shape
    big_l = oh * ow
    for n in prange(n_b):
        un = _u(n)
        for c in range(n_c):
            uc = _u(c)
            for i in range(kh):
                for j in range(kw):
                    r = _u((c * kh + i) * kw + j)
                    off, z_lo, cnt = _valid_cols(j, kw, dw, sw, pw, w, ow)
                    for y in range(oh):
                        yy = y * sh - ph + i * dh
                        base = n * big_l + y * ow
                        z0, z1 = z_lo, z_lo + cnt  # the outputs reading inside the row
                        if yy < 0 or yy >= h:
                            z0 = z1 = 0
                        uyy = _u(yy)
                        for z in range(z0, z1):
                            cols[r, _u(base + z)] = x[un, uc, uyy, _u(z * sw + off)]
                        for z in range(z0):
                            cols[r, _u(base + z)] = 0
                        for z in range(z1, ow):
                            cols[r, _u(base + z)] = 0


@parallel_kernel
def col2im(cols, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, dx):
    """The adjoint of im2col: dx[n, c, ...] += cols[..., n*L + ...] (overlapping windows add
    up).  dx is written whole."""
    n_b, n_c, h, w = dx.shape
    big_l = oh * ow
    for n in prange(n_b):
        for c in range(n_c):
            plane = dx[n, c]
            plane[:] = 0
            for i in range(kh):
                for j in range(kw):
                    row = cols[(c * kh + i) * kw + j, n * big_l:(n + 1) * big_l]
                    off, z_lo, cnt = _valid_cols(j, kw, dw, sw, pw, w, ow)
                    if cnt == 0:
                        continue
                    for y in range(oh):
                        yy = y * sh - ph + i * dh
                        if yy < 0 or yy >= h:
                            continue
                        # slices, so the loop index is the bare counter: a computed index
                        # gets Numba's negative-index wraparound, which stops vectorisation
                        src = row[y * ow + z_lo:y * ow + z_lo + cnt]
                        dst = plane[yy, z_lo * sw + off::sw]
                        for k in range(cnt):
                            dst[k] += src[k]


# The input gradient of a stride-1 conv.  With the rows of its column matrix laid out at the
# padded input's width (`pitch` = W + 2*pw, the columns past the output width zero), tap (i, j)
# of sample n adds one contiguous run to the padded input plane, at offset i*dh*pitch + j*dw:
# col2im becomes 9 long vectorised adds per channel instead of oh short ones per tap, ~3x
# faster, for a dcols GEMM (W + 2*pw) / OW wider.


@parallel_kernel
def col2im_runs(cols, kh, kw, dh, dw, ph, pw, oh, ow, dx):
    """col2im for stride 1 from the pitch layout (cols[r, n*oh*pitch + y*pitch + z]; the
    columns z >= ow must hold zeros) into the unpadded dx, written whole."""
    n_b, n_c, h, w = dx.shape
    hp, pitch = h + 2 * ph, w + 2 * pw
    lv = oh * pitch
    run = (oh - 1) * pitch + ow
    for n in prange(n_b):
        plane = np.empty(hp * pitch, dx.dtype)
        for c in range(n_c):
            plane[:] = 0
            for i in range(kh):
                for j in range(kw):
                    dst = plane[i * dh * pitch + j * dw:]
                    src = cols[(c * kh + i) * kw + j, n * lv:(n + 1) * lv]
                    for k in range(run):
                        dst[k] += src[k]
            for y in range(h):
                src = plane[(y + ph) * pitch + pw:]
                dst = dx[n, c, y]
                for z in range(w):
                    dst[z] = src[z]


@parallel_kernel
def gemm_to_nchw(prod, bias, out):
    """out[n, o, l] = prod[o, n*L + l] + bias[o]: the forward GEMM's (O, N*L) product laid out
    as NCHW with the bias added in the same pass (one read, one write, no temporaries)."""
    n_b, n_o, big_l = out.shape
    for n in prange(n_b):
        for o in range(n_o):
            b = bias[o]
            src = prod[o, n * big_l:(n + 1) * big_l]
            dst = out[n, o]
            for k in range(big_l):
                dst[k] = src[k] + b


@parallel_reduce_kernel
def nchw_to_gemm(grad, ow, prod, pitch, prod_pitched, bias_grad):
    """The reverse layouts for the backward GEMMs, from one read of grad (N, O, oh*ow):
    prod[o, n*L + l] (skipped when prod has no rows) and prod_pitched in col2im_runs' layout
    with zeros past ow (skipped likewise); each channel is summed for the bias gradient on the
    way (in float64)."""
    n_b, n_o, big_l = grad.shape
    oh = big_l // ow
    for o in prange(n_o):
        s = 0.0
        for n in range(n_b):
            src = grad[n, o]
            for k in range(big_l):
                s += src[k]
            if prod.shape[0]:
                dst = prod[o, n * big_l:(n + 1) * big_l]
                for k in range(big_l):
                    dst[k] = src[k]
            if prod_pitched.shape[0]:
                for y in range(oh):
                    row = src[y * ow:]
                    dst = prod_pitched[o, (n * oh + y) * pitch:(n * oh + y + 1) * pitch]
                    for z in range(ow):
                        dst[z] = row[z]
                    dst[ow:] = 0
        bias_grad[o] = s


@parallel_kernel
def max_pool2d(x, kh, kw, sh, sw, ph, pw, dh, dw, out, argmax):
    """Max over each window (padding never wins); argmax holds the flat h*w index chosen,
    the first maximum on ties, NaN propagating.

    Loops run tap by tap over a whole output row (y, i, j, z), so the innermost loop is long;
    a per-window loop over runtime kh*kw taps ran ~2-4x slower.  Full 4-D indexing, not row
    views: a view made inside a prange loop costs an atomic refcount.  The indices are cast
    to unsigned (`_u`) because a signed computed index gets Numba's negative-index wraparound
    test, and the update is arithmetic (max, and the index moved by 0 or 1 times the step)
    because `a if take else b` compiles to a branch that random data mispredicts half the
    time: together 3.5-4.5x faster on an AVX2 core."""
    n_b, n_c, h, w = x.shape
    oh, ow = out.shape[2], out.shape[3]
    for q in prange(n_b * n_c):
        n, c = _u(q // n_c), _u(q % n_c)
        for y in range(oh):
            uy = _u(y)
            for z in range(ow):
                out[n, c, uy, _u(z)] = -np.inf
                argmax[n, c, uy, _u(z)] = -1
            for i in range(kh):
                yy = y * sh - ph + i * dh
                if yy < 0 or yy >= h:
                    continue
                for j in range(kw):
                    off, z_lo, cnt = _valid_cols(j, kw, dw, sw, pw, w, ow)
                    for zi in range(z_lo, z_lo + cnt):
                        z = _u(zi)
                        xx = zi * sw + off
                        v = x[n, c, _u(yy), _u(xx)]
                        best = out[n, c, uy, z]
                        bi = argmax[n, c, uy, z]
                        take = np.int64((bi < 0) | (v > best) | ((v != v) & (best == best)))
                        m = max(best, v)
                        if v != v:  # max() keeps best over a NaN v
                            m = v
                        out[n, c, uy, z] = m
                        argmax[n, c, uy, z] = bi + take * (yy * w + xx - bi)


@parallel_kernel
def max_pool2d_backward(grad, argmax, dx):
    """dx is written whole: each plane is zeroed while it is in cache, then scattered into."""
    n_b, n_c, oh, ow = grad.shape
    w = dx.shape[3]
    for n in prange(n_b):
        for c in range(n_c):
            plane = dx[n, c]
            plane[:] = 0
            for y in range(oh):
                for z in range(ow):
                    k = argmax[n, c, y, z]
                    if k >= 0:
                        plane[k // w, k % w] += grad[n, c, y, z]


@parallel_kernel
def avg_pool2d(x, kh, kw, sh, sw, ph, pw, count_include_pad, divisor, out):
    """Window means; the divisor counts padding (PyTorch's default) unless told otherwise,
    and never counts the part of a window past the padded edge (ceil_mode)."""
    n_b, n_c, h, w = x.shape
    oh, ow = out.shape[2], out.shape[3]
    for n in prange(n_b):
        for c in range(n_c):
            plane = x[n, c]
            for y in range(oh):
                for z in range(ow):
                    y0 = y * sh - ph
                    x0 = z * sw - pw
                    y1 = min(y0 + kh, h + ph)
                    x1 = min(x0 + kw, w + pw)
                    pool = (y1 - y0) * (x1 - x0)
                    ya, yb = max(y0, 0), min(y1, h)
                    xa, xb = max(x0, 0), min(x1, w)
                    s = 0.0
                    for yy in range(ya, yb):
                        for xx in range(xa, xb):
                            s += plane[yy, xx]
                    if divisor > 0:
                        d = divisor
                    elif count_include_pad:
                        d = pool
                    else:
                        d = (yb - ya) * (xb - xa)
                    out[n, c, y, z] = s / d if d > 0 else 0.0


@parallel_kernel
def avg_pool2d_backward(grad, kh, kw, sh, sw, ph, pw, count_include_pad, divisor, dx):
    n_b, n_c, oh, ow = grad.shape
    h, w = dx.shape[2], dx.shape[3]
    for n in prange(n_b):
        for c in range(n_c):
            plane = dx[n, c]
            for y in range(oh):
                for z in range(ow):
                    y0 = y * sh - ph
                    x0 = z * sw - pw
                    y1 = min(y0 + kh, h + ph)
                    x1 = min(x0 + kw, w + pw)
                    pool = (y1 - y0) * (x1 - x0)
                    ya, yb = max(y0, 0), min(y1, h)
                    xa, xb = max(x0, 0), min(x1, w)
                    if divisor > 0:
                        d = divisor
                    elif count_include_pad:
                        d = pool
                    else:
                        d = (yb - ya) * (xb - xa)
                    if d <= 0:
                        continue
                    g = grad[n, c, y, z] / d
                    for yy in range(ya, yb):
                        for xx in range(xa, xb):
                            plane[yy, xx] += g


@parallel_kernel
def adaptive_avg_pool2d(x, out):
    """PyTorch's adaptive windows: start = floor(i*H/OH), end = ceil((i+1)*H/OH)."""
    n_b, n_c, h, w = x.shape
    oh, ow = out.shape[2], out.shape[3]
    for n in prange(n_b):
        for c in range(n_c):
            plane = x[n, c]
            for y in range(oh):
                ya = (y * h) // oh
                yb = -((-(y + 1) * h) // oh)
                for z in range(ow):
                    xa = (z * w) // ow
                    xb = -((-(z + 1) * w) // ow)
                    s = 0.0
                    for yy in range(ya, yb):
                        for xx in range(xa, xb):
                            s += plane[yy, xx]
                    out[n, c, y, z] = s / ((yb - ya) * (xb - xa))


@parallel_kernel
def adaptive_avg_pool2d_backward(grad, dx):
    n_b, n_c, oh, ow = grad.shape
    h, w = dx.shape[2], dx.shape[3]
    for n in prange(n_b):
        for c in range(n_c):
            plane = dx[n, c]
            for y in range(oh):
                ya = (y * h) // oh
                yb = -((-(y + 1) * h) // oh)
                for z in range(ow):
                    xa = (z * w) // ow
                    xb = -((-(z + 1) * w) // ow)
                    g = grad[n, c, y, z] / ((yb - ya) * (xb - xa))
                    for yy in range(ya, yb):
                        for xx in range(xa, xb):
                            plane[yy, xx] += g
