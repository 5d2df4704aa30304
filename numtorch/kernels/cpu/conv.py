"""Convolution and pooling kernels over NCHW arrays.

Most stride-1 convolutions run here directly (`conv_rows`, `conv_rows_weight_grad`, below).
The others are im2col + one batched BLAS product (done by the backend); these kernels build
the column matrix, scatter it back (col2im, for the input gradient), and run pooling.  im2col
handles padding by bounds tests in its loops, so no padded copy of the input is made.  Each
kernel parallelises over the batch (the direct ones over samples x blocks of channels).
"""

import numpy as np

from ._jit import inline, parallel_kernel, parallel_reduce_kernel, prange, reduce_kernel
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


# ---- stride-1 convolution, computed directly -------------------------------------------------
#
# Each input plane is stored flat with a row pitch of its padded width ("pitched planes"), so
# that tap (i, j) of a stride-1 conv reads, for the output at flat position q = y*pitch + z,
# the input at q + i*dh*pitch + j*dw: every tap is one long run over a whole plane, not oh short
# rows.  Positions with z >= ow ("the gap") compute values nobody keeps.  The output is built
# 4 channels at a time from 3 taps at a time: 12 multiply-adds per 7 loads and 4 stores, which
# keeps the FMA units busy (fastmath 'contract' fuses them; without it the forward ran 1.6x
# slower).  Against im2col + OpenBLAS on the 16->32 channel benchmark conv (best of 40,
# interleaved): forward 3.3 -> 2.1 ms, backward 5.6 -> 4.1 ms, and no 16 MB column matrix.
# Tap t of a group reads channel tap_chan[t] (counted inside the group) at offset tap_shift[t].


# Runs are rounded up to whole vectors where the planes have room after them: a scalar tail
# of up to 15 steps took as long as the rest of a 10x10 plane's run (forward 0.99 -> 0.61 ms
# on LeNet's second conv).  The extra outputs land in the gap, never kept; the backward's
# gradient planes hold zeros there.
_VECTOR = 16


@inline
def _whole_vectors(n):
    return (n + _VECTOR - 1) // _VECTOR * _VECTOR


@inline
def _block(task, n_g, og):
    """Task -> (outer index, group, first output channel, channels in the block, and the
    four channel indices the block computes: past the group's end the last one repeats, its
    results computed but not kept)."""
    nb = (og + 3) // 4
    outer = task // (n_g * nb)
    g = (task // nb) % n_g
    b = task % nb
    o0 = g * og + b * 4
    ok = min(4, og - b * 4)
    return outer, g, o0, ok, o0 + min(1, ok - 1), o0 + min(2, ok - 1), o0 + min(3, ok - 1)


@parallel_reduce_kernel
def pitch_planes(x, top, left, pitch, out, sums):
    """out[n, c, (y + top)*pitch + left + z] = x[n, c, y, z], zero elsewhere (top, left >= 0,
    and out's planes hold x's rows with room to spare); sums[n, c] = the plane's sum (in
    float64), skipped when sums has no rows.  Flat unsigned indices, not row slices: a slice
    per row cost more than its copy on 14x14 planes."""
    n_b, n_c, h, w = x.shape
    size = out.shape[2]
    for p in prange(n_b * n_c):
        n, c = p // n_c, p % n_c
        dst = out[n, c]
        src = x[n, c]
        s = 0.0
        for k in range(top * pitch + left):
            dst[_u(k)] = 0
        for y in range(h):
            b = (y + top) * pitch + left
            for z in range(w):
                v = src[_u(y), _u(z)]
                dst[_u(b + z)] = v
                s += v
            for k in range(b + w, min(b + pitch, size)):  # this row's right, next row's left
                dst[_u(k)] = 0
        for k in range((h + top) * pitch + left, size):
            dst[_u(k)] = 0
        if sums.shape[0]:
            sums[n, c] = s


@parallel_kernel
def conv_rows(xp, pitch, tap_chan, tap_shift, w, bias, rows, out):
    """out[n, o, y, z] = bias[o] + sum_t w[o, t] * xp[n, group's channel tap_chan[t],
    y*pitch + z + tap_shift[t]] over xp's pitched planes; out's channels split into equal
    groups, as many as xp's channels hold tap_chan's.  Works `rows` output rows at a time, so
    4 rows of the accumulator stay in L1."""
    n_b, n_o = out.shape[0], out.shape[1]
    n_t = tap_chan.shape[0]
    cg = tap_chan[n_t - 1] + 1
    n_g = xp.shape[1] // cg
    og = n_o // n_g
    for task in prange(n_b * n_g * ((og + 3) // 4)):
        n, g, o0, ok, o1, o2, o3 = _block(task, n_g, og)
        _conv_rows_block(xp[n], pitch, tap_chan + g * cg, tap_shift, w, bias, rows, out[n],
                         o0, ok, o1, o2, o3)


@reduce_kernel
def _conv_rows_block(xp, pitch, chan, tap_shift, w, bias, rows, out, o0, ok, o1, o2, o3):
    """conv_rows for one sample (xp and out are its planes) and one block of 4 channels.

    Each pass over the accumulator rows reads and writes all four of them, so a pass takes as
    many taps as registers allow: fours (taps from the flat list, across channels), then
    threes, then ones.  Four taps keep the 16 broadcast weights in the 16 ymm registers; nine
    a pass (36 weights) spilled them to the stack, one extra load per multiply-add, and ran
    1.1-1.45x slower on this 2-vCPU EPYC VM (3x3 over 8-32 channels, LeNet's 5x5 over 1, 6
    and 16; 15 interleaved rounds, 1 and 2 threads).  Three taps a pass are within noise of
    four and take the remainder."""
    oh, ow = out.shape[1], out.shape[2]
    n_t = chan.shape[0]
    room = xp.shape[1] - tap_shift.max()  # the longest run from a plane's start
    acc = np.empty((4, rows * pitch + _VECTOR), out.dtype)
    for y0 in range(0, oh, rows):
        y1 = min(oh, y0 + rows)
        lq = min(_whole_vectors((y1 - y0 - 1) * pitch + ow), room - y0 * pitch)
        r0, r1, r2, r3 = acc[0, :lq], acc[1, :lq], acc[2, :lq], acc[3, :lq]
        r0[:], r1[:], r2[:], r3[:] = bias[o0], bias[o1], bias[o2], bias[o3]
        at = y0 * pitch
        t = 0
        while t + 4 <= n_t:
            xa, xb, xc = _tap_rows(xp, chan, tap_shift, at, lq, t)
            sd = at + tap_shift[t + 3]
            xd = xp[chan[t + 3], sd:sd + lq]
            a0, b0, c0, d0 = w[o0, t:t + 4]
            a1, b1, c1, d1 = w[o1, t:t + 4]
            a2, b2, c2, d2 = w[o2, t:t + 4]
            a3, b3, c3, d3 = w[o3, t:t + 4]
            for q in range(lq):
                ua, ub, uc, ud = xa[q], xb[q], xc[q], xd[q]
                r0[q] += a0 * ua + b0 * ub + c0 * uc + d0 * ud
                r1[q] += a1 * ua + b1 * ub + c1 * uc + d1 * ud
                r2[q] += a2 * ua + b2 * ub + c2 * uc + d2 * ud
                r3[q] += a3 * ua + b3 * ub + c3 * uc + d3 * ud
            t += 4
        while t + 3 <= n_t:
            xa, xb, xc = _tap_rows(xp, chan, tap_shift, at, lq, t)
            a0, b0, c0 = w[o0, t:t + 3]
            a1, b1, c1 = w[o1, t:t + 3]
            a2, b2, c2 = w[o2, t:t + 3]
            a3, b3, c3 = w[o3, t:t + 3]
            for q in range(lq):
                ua, ub, uc = xa[q], xb[q], xc[q]
                r0[q] += a0 * ua + b0 * ub + c0 * uc
                r1[q] += a1 * ua + b1 * ub + c1 * uc
                r2[q] += a2 * ua + b2 * ub + c2 * uc
                r3[q] += a3 * ua + b3 * ub + c3 * uc
            t += 3
        while t < n_t:
            sa = at + tap_shift[t]
            xa = xp[chan[t], sa:sa + lq]
            a0, a1, a2, a3 = w[o0, t], w[o1, t], w[o2, t], w[o3, t]
            for q in range(lq):
                u = xa[q]
                r0[q] += a0 * u
                r1[q] += a1 * u
                r2[q] += a2 * u
                r3[q] += a3 * u
            t += 1
        for k in range(ok):
            for y in range(y0, y1):
                src = acc[k, (y - y0) * pitch:]
                dst = out[o0 + k, y]
                for z in range(ow):
                    dst[z] = src[z]


@inline
def _tap_rows(xp, chan, tap_shift, at, lq, t):
    """The input runs taps t, t+1, t+2 multiply: lq elements from each tap's offset."""
    sa, sb, sc = at + tap_shift[t], at + tap_shift[t + 1], at + tap_shift[t + 2]
    return (xp[chan[t], sa:sa + lq], xp[chan[t + 1], sb:sb + lq],
            xp[chan[t + 2], sc:sc + lq])


@parallel_kernel
def conv_rows_weight_grad(gp, base, lq, xp, tap_chan, tap_shift, part):
    """part[k, o, t] = sum over the k-th chunk of samples and q < lq of
    gp[n, o, base + q] * xp[n, group's channel tap_chan[t], q + tap_shift[t]], where gp holds
    the output gradient at xp's pitch with zeros in the gap and after the last row (so those
    add nothing unless xp holds an inf or NaN there).  The chunks split the batch when there
    are few channel blocks to share between threads."""
    n_b, n_o = gp.shape[0], gp.shape[1]
    n_k, n_t = part.shape[0], tap_chan.shape[0]
    lq = min(_whole_vectors(lq), gp.shape[2] - base, xp.shape[2] - tap_shift.max())
    cg = tap_chan[n_t - 1] + 1
    n_g = xp.shape[1] // cg
    og = n_o // n_g
    per = -(-n_b // n_k)
    for task in prange(n_k * n_g * ((og + 3) // 4)):
        k, g, o0, ok, o1, o2, o3 = _block(task, n_g, og)
        _weight_grad_block(gp[k * per:(k + 1) * per], base, lq, xp[k * per:(k + 1) * per],
                           tap_chan + g * cg, tap_shift, part[k], o0, ok, o1, o2, o3)


@reduce_kernel
def _weight_grad_block(gp, base, lq, xp, chan, tap_shift, part, o0, ok, o1, o2, o3):
    """conv_rows_weight_grad for one chunk of samples and one block of 4 channels."""
    n_t = chan.shape[0]
    for o in range(o0, o0 + ok):
        part[o] = 0
    p0, p1, p2, p3 = part[o0], part[o1], part[o2], part[o3]
    for n in range(gp.shape[0]):
        g0, g1, g2, g3 = (gp[n, o0, base:base + lq], gp[n, o1, base:base + lq],
                          gp[n, o2, base:base + lq], gp[n, o3, base:base + lq])
        for t in range(0, n_t - 2, 3):
            sa, sb, sc = tap_shift[t], tap_shift[t + 1], tap_shift[t + 2]
            xa = xp[n, chan[t], sa:sa + lq]
            xb = xp[n, chan[t + 1], sb:sb + lq]
            xc = xp[n, chan[t + 2], sc:sc + lq]
            # accumulators start from the partial sums, so they take part's dtype
            s0a, s0b, s0c = p0[t], p0[t + 1], p0[t + 2]
            s1a, s1b, s1c = p1[t], p1[t + 1], p1[t + 2]
            s2a, s2b, s2c = p2[t], p2[t + 1], p2[t + 2]
            s3a, s3b, s3c = p3[t], p3[t + 1], p3[t + 2]
            for q in range(lq):
                u, v, e = xa[q], xb[q], xc[q]
                d0, d1, d2, d3 = g0[q], g1[q], g2[q], g3[q]
                s0a, s0b, s0c = s0a + d0 * u, s0b + d0 * v, s0c + d0 * e
                s1a, s1b, s1c = s1a + d1 * u, s1b + d1 * v, s1c + d1 * e
                s2a, s2b, s2c = s2a + d2 * u, s2b + d2 * v, s2c + d2 * e
                s3a, s3b, s3c = s3a + d3 * u, s3b + d3 * v, s3c + d3 * e
            # in reverse, so a repeated channel's row ends with its first copy's sums
            p3[t], p3[t + 1], p3[t + 2] = s3a, s3b, s3c
            p2[t], p2[t + 1], p2[t + 2] = s2a, s2b, s2c
            p1[t], p1[t + 1], p1[t + 2] = s1a, s1b, s1c
            p0[t], p0[t + 1], p0[t + 2] = s0a, s0b, s0c
        for t in range(n_t - n_t % 3, n_t):
            sa = tap_shift[t]
            xa = xp[n, chan[t], sa:sa + lq]
            s0, s1, s2, s3 = p0[t], p1[t], p2[t], p3[t]
            for q in range(lq):
                u = xa[q]
                s0 += g0[q] * u
                s1 += g1[q] * u
                s2 += g2[q] * u
                s3 += g3[q] * u
            p3[t], p2[t], p1[t], p0[t] = s3, s2, s1, s0


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
