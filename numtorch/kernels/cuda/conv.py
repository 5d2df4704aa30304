"""Convolution and pooling kernels over contiguous NCHW buffers (flat, dims passed in).

conv2d is im2col + the tiled matmul, as on the CPU; col2im is written as a gather (each input
element sums the column entries that read it), so it needs no atomics.  Max pooling saves the
flat h*w index it chose; its backward scatters with atomics because windows may overlap."""

import math

from numba import cuda

from ._jit import device_fn, kernel


@kernel
def im2col(x, n_b, n_c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, cols, n):
    """cols[(c*kh + i)*kw + j, b*L + y*ow + z] = x[b, c, y*sh - ph + i*dh, z*sw - pw + j*dw]."""
    big = n_b * oh * ow
    for k in range(cuda.grid(1), n, cuda.gridsize(1)):
        row, col = k // big, k % big
        c, i, j = row // (kh * kw), (row // kw) % kh, row % kw
        b, y, z = col // (oh * ow), (col // ow) % oh, col % ow
        yy = y * sh - ph + i * dh
        xx = z * sw - pw + j * dw
        inside = 0 <= yy < h and 0 <= xx < w
        cols[k] = x[((b * n_c + c) * h + yy) * w + xx] if inside else 0


@kernel
def col2im(cols, n_b, n_c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, dx, n):
    """dx[b, c, yy, xx] = sum of the column entries im2col copied from that element."""
    big = n_b * oh * ow
    for k in range(cuda.grid(1), n, cuda.gridsize(1)):
        xx = k % w
        yy = (k // w) % h
        c = (k // (w * h)) % n_c
        b = k // (w * h * n_c)
        acc = 0.0
        for i in range(kh):
            ty = yy + ph - i * dh
            if ty < 0 or ty % sh != 0 or ty // sh >= oh:
                continue
            for j in range(kw):
                tx = xx + pw - j * dw
                if tx < 0 or tx % sw != 0 or tx // sw >= ow:
                    continue
                acc += cols[((c * kh + i) * kw + j) * big + (b * oh + ty // sh) * ow + tx // sw]
        dx[k] = acc


@kernel
def max_pool2d(x, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, out, argmax, n):
    """One thread per output: the window's max (padding never wins, NaN propagates, the first
    maximum on ties) and its flat h*w index."""
    for k in range(cuda.grid(1), n, cuda.gridsize(1)):
        z = k % ow
        y = (k // ow) % oh
        plane = (k // (ow * oh)) * h * w
        best = -math.inf
        bi = -1
        for i in range(kh):
            yy = y * sh - ph + i * dh
            if yy < 0 or yy >= h:
                continue
            for j in range(kw):
                xx = z * sw - pw + j * dw
                if xx < 0 or xx >= w:
                    continue
                v = x[plane + yy * w + xx]
                if bi < 0 or v > best or (v != v and best == best):
                    best = v
                    bi = yy * w + xx
        out[k] = best
        argmax[k] = bi


@kernel
def max_pool2d_backward(grad, argmax, hw, ohw, dx, n):
    for k in range(cuda.grid(1), n, cuda.gridsize(1)):
        a = argmax[k]
        if a >= 0:
            cuda.atomic.add(dx, (k // ohw) * hw + a, grad[k])


@device_fn
def _avg_window(y, z, h, w, kh, kw, sh, sw, ph, pw, count_include_pad, divisor):
    """(ya, yb, xa, xb, d): the in-bounds window of output (y, z) and its divisor, by
    PyTorch's rules (padding counts unless told otherwise; past the padded edge never)."""
    y0 = y * sh - ph
    x0 = z * sw - pw
    y1 = min(y0 + kh, h + ph)
    x1 = min(x0 + kw, w + pw)
    ya, yb = max(y0, 0), min(y1, h)
    xa, xb = max(x0, 0), min(x1, w)
    if divisor > 0:
        d = divisor
    elif count_include_pad:
        d = (y1 - y0) * (x1 - x0)
    else:
        d = (yb - ya) * (xb - xa)
    return ya, yb, xa, xb, d


@device_fn
def _adaptive_window(y, z, h, w, oh, ow):
    ya = (y * h) // oh
    yb = -((-(y + 1) * h) // oh)
    xa = (z * w) // ow
    xb = -((-(z + 1) * w) // ow)
    return ya, yb, xa, xb, (yb - ya) * (xb - xa)


@device_fn
def _pool_window(k, h, w, kh, kw, sh, sw, ph, pw, count_include_pad, divisor, adaptive, oh,
                 ow):
    """(plane offset, ya, yb, xa, xb, divisor) of output element k."""
    z = k % ow
    y = (k // ow) % oh
    plane = (k // (ow * oh)) * h * w
    if adaptive:
        ya, yb, xa, xb, d = _adaptive_window(y, z, h, w, oh, ow)
    else:
        ya, yb, xa, xb, d = _avg_window(y, z, h, w, kh, kw, sh, sw, ph, pw, count_include_pad,
                                        divisor)
    return plane, ya, yb, xa, xb, d


@kernel
def avg_pool2d(x, h, w, kh, kw, sh, sw, ph, pw, count_include_pad, divisor, adaptive, oh, ow,
               out, n):
    """One thread per output: the window mean (adaptive: PyTorch's adaptive windows)."""
    for k in range(cuda.grid(1), n, cuda.gridsize(1)):
        plane, ya, yb, xa, xb, d = _pool_window(k, h, w, kh, kw, sh, sw, ph, pw,
                                                count_include_pad, divisor, adaptive, oh, ow)
        s = 0.0
        for yy in range(ya, yb):
            for xx in range(xa, xb):
                s += x[plane + yy * w + xx]
        out[k] = s / d if d > 0 else 0.0


@kernel
def avg_pool2d_backward(grad, h, w, kh, kw, sh, sw, ph, pw, count_include_pad, divisor,
                        adaptive, oh, ow, dx, n):
    """Each output spreads grad / divisor over its window (windows overlap: atomics)."""
    for k in range(cuda.grid(1), n, cuda.gridsize(1)):
        plane, ya, yb, xa, xb, d = _pool_window(k, h, w, kh, kw, sh, sw, ph, pw,
                                                count_include_pad, divisor, adaptive, oh, ow)
        if d <= 0:
            continue
        g = grad[k] / d
        for yy in range(ya, yb):
            for xx in range(xa, xb):
                cuda.atomic.add(dx, plane + yy * w + xx, g)
