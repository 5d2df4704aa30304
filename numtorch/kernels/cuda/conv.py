"""Convolution and pooling kernels over contiguous NCHW buffers (flat, dims passed in).

conv2d is im2col + the tiled matmul, as on the CPU; col2im is written as a gather (each input
element sums the column entries that read it), so it needs no atomics.  Max pooling saves the
flat h*w index it chose; its backward scatters with atomics because windows may overlap."""

import math

from numba import cuda

from ._jit import kernel


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
