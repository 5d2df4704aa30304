"""Reduction kernels over a tensor viewed as (outer, reduced, inner).

The backend moves the reduced dims together and hands a C-contiguous array: `*_inner` kernels
take (O, R) when the reduced dim is last (each row is contiguous and vectorises), `*_outer`
kernels take (O, R, I) and accumulate whole contiguous I-rows at a time.  Sums accumulate in the
output's dtype, which the backend makes float64 for float inputs and int64 for integers, so a
float32 sum of millions of elements does not drift; the elements themselves are first added in
blocks (BLOCK elements, ROW_BLOCK rows) in the input dtype, which keeps loops at full SIMD width.
"""

import numpy as np

from ...opcodes import ANY, ARGMAX, MAX, MIN, PROD, SUM
from ._jit import CHUNKS, inline, parallel_reduce_kernel, prange, reduce_kernel
from .scalar import shared  # (its exp: the float32 one that vectorises)

BLOCK = 1024  # elements per float32 partial sum along a row
ROW_BLOCK = 256  # rows per float32 partial sum across rows


@inline
def _reduce_vec(op, v, acc):
    """Fold the 1-D array v into acc (which carries the output dtype)."""
    n = v.shape[0]
    if op == SUM:
        for b in range(0, n, BLOCK):
            blk = v[b:b + BLOCK]
            part = v.dtype.type(0)
            for i in range(blk.shape[0]):
                part += blk[i]
            acc += part
    elif op == PROD:
        for i in range(n):
            acc *= v[i]
    elif op == MAX:
        for i in range(n):
            x = v[i]
            if x > acc or x != x:
                acc = x
    elif op == MIN:
        for i in range(n):
            x = v[i]
            if x < acc or x != x:
                acc = x
    elif op == ANY:
        for i in range(n):
            if v[i]:
                return True
    else:
        for i in range(n):
            if not v[i]:
                return False
    return acc


@inline
def _identity(op, v, out):
    """Start value for op, typed like out (a bare 1 would make Numba unify a float32 out's
    accumulator to float64); max/min start at the first element."""
    z = out[0]
    if op == SUM:
        z = out.dtype.type(0)
    elif op == PROD:
        z = out.dtype.type(1)
    elif op == MAX or op == MIN:
        z = v[0]
    elif op == ANY:
        z = out.dtype.type(False)
    else:
        z = out.dtype.type(True)
    return z


@reduce_kernel
def sum_small(x, divisor, out):
    """sum(x) / divisor for a small C-contiguous x of any rank, accumulated in float64 and
    stored in 0-d out (x's dtype): a small model's loss every step, which through the general
    path spent ten times longer on reshapes and bookkeeping than on adding."""
    flat = x.reshape(x.size)
    acc = 0.0
    for i in range(flat.shape[0]):
        acc += flat[i]
    out[()] = acc / divisor


@reduce_kernel
def reduce_inner(op, x, out):
    for o in range(x.shape[0]):
        row = x[o]
        out[o] = _reduce_vec(op, row, _identity(op, row, out))


@parallel_reduce_kernel
def reduce_inner_par(op, x, out):
    """Many rows: one row per task.  Few long rows: partial results per chunk, then combined."""
    nrows, n = x.shape
    if nrows >= CHUNKS:
        for o in prange(nrows):
            row = x[o]
            out[o] = _reduce_vec(op, row, _identity(op, row, out))
        return
    step = (n + CHUNKS - 1) // CHUNKS
    part = np.empty(CHUNKS, out.dtype)
    for o in range(nrows):
        row = x[o]
        for c in prange(CHUNKS):
            lo = min(n, c * step)
            hi = min(n, lo + step)
            seg = row[lo:hi] if lo < hi else row[:1]
            part[c] = _reduce_vec(op, seg, _identity(op, seg, out))
        out[o] = _reduce_vec(op, part, _identity(op, part, out))


@reduce_kernel
def sum_rows(x, out):
    """out[o] = the sum of row o of the float 2-D x, accumulated in float64 and stored in
    out's dtype (x's): a float32 sum over the last dim with no float64 result to cast after."""
    for o in range(x.shape[0]):
        out[o] = _reduce_vec(SUM, x[o], 0.0)


@parallel_reduce_kernel
def sum_rows_par(x, out):
    """sum_rows, one row per task (the caller sends many rows; few long ones take
    reduce_inner_par's chunked split)."""
    for o in prange(x.shape[0]):
        out[o] = _reduce_vec(SUM, x[o], 0.0)


@inline
def _fold_row(op, acc, v):
    n = v.shape[0]
    if op == SUM:
        for i in range(n):
            acc[i] += v[i]
    elif op == PROD:
        for i in range(n):
            acc[i] *= v[i]
    elif op == MAX:
        for i in range(n):
            x = v[i]
            if x > acc[i] or x != x:
                acc[i] = x
    elif op == MIN:
        for i in range(n):
            x = v[i]
            if x < acc[i] or x != x:
                acc[i] = x
    elif op == ANY:
        for i in range(n):
            acc[i] = acc[i] or v[i]
    else:
        for i in range(n):
            acc[i] = acc[i] and v[i]


@inline
def _sum_rows_blocked(acc, x, o, r_lo, r_hi, lo, hi):
    """acc += x[o, r_lo:r_hi, lo:hi].sum(0), adding ROW_BLOCK rows at a time in x's dtype.
    Rows are taken as x[o, r][lo:hi] so Numba sees contiguous 1-D arrays and vectorises."""
    part = np.empty(acc.shape[0], x.dtype)
    for r0 in range(r_lo, r_hi, ROW_BLOCK):
        part[:] = 0
        for r in range(r0, min(r_hi, r0 + ROW_BLOCK)):
            row = x[o, r][lo:hi]
            for i in range(part.shape[0]):
                part[i] += row[i]
        for i in range(acc.shape[0]):
            acc[i] += part[i]


@reduce_kernel
def sum_cols(x, out):
    """out[j] = the sum over r of x[0, r, j] (a float (1, R, C) x), accumulated in float64 and
    stored in out's dtype (x's): a bias gradient with no float64 result to cast after."""
    acc = np.zeros(x.shape[2])
    _sum_rows_blocked(acc, x, 0, 0, x.shape[1], 0, x.shape[2])
    for i in range(acc.shape[0]):
        out[i] = acc[i]


@reduce_kernel
def reduce_outer(op, x, out, lo, hi):
    """out[o, lo:hi] = op over r of x[o, r, lo:hi]."""
    for o in range(x.shape[0]):
        acc = out[o, lo:hi]
        first = x[o, 0, lo:hi]
        for i in range(acc.shape[0]):
            acc[i] = _identity(op, first[i:i + 1], out[o])
        if op == SUM:
            _sum_rows_blocked(acc, x, o, 0, x.shape[1], lo, hi)
        else:
            for r in range(x.shape[1]):
                _fold_row(op, acc, x[o, r][lo:hi])


@parallel_reduce_kernel
def reduce_outer_par(op, x, out):
    """Sums split the reduced rows over threads (each streams contiguous memory into a private
    partial row); other ops split the kept columns."""
    n_o, n_r, n = x.shape
    if op == SUM and n_o < CHUNKS:
        rstep = (n_r + CHUNKS - 1) // CHUNKS
        partial = np.zeros((CHUNKS, n), out.dtype)
        for o in range(n_o):
            for c in prange(CHUNKS):
                r_lo = min(n_r, c * rstep)
                _sum_rows_blocked(partial[c], x, o, r_lo, min(n_r, r_lo + rstep), 0, n)
            acc = out[o]
            acc[:] = 0
            for c in range(CHUNKS):
                pc = partial[c]
                for i in range(n):
                    acc[i] += pc[i]
                pc[:] = 0
        return
    step = (n + CHUNKS - 1) // CHUNKS
    for c in prange(CHUNKS):
        lo = min(n, c * step)
        hi = min(n, lo + step)
        if lo < hi:
            reduce_outer(op, x, out, lo, hi)




@inline
def _better(op, x, best):
    # NaN wins both argmax and argmin (torch reports the first NaN); ties keep the first index
    if best != best:
        return False
    if x != x:
        return True
    return x > best if op == ARGMAX else x < best


@reduce_kernel
def argreduce(op, x, values, indices):
    """x (O, R, I): values/indices (O, I) of the first extreme along R."""
    for o in range(x.shape[0]):
        for i in range(x.shape[2]):
            best = x[o, 0, i]
            bi = 0
            for r in range(1, x.shape[1]):
                v = x[o, r, i]
                if _better(op, v, best):
                    best = v
                    bi = r
            values[o, i] = best
            indices[o, i] = bi


@reduce_kernel
def softmax(x, out, log):
    """Softmax (or log-softmax) along R of x (O, R, I), subtracting the max for stability:
    the max, the exps and the sums run over whole contiguous I-rows at a time, so they
    vectorise (a column at a time, over R's stride, ran 10x slower than PyTorch on 256x1024
    along dim 0).  NaN and all -inf columns as in softmax_rows; sums in float64."""
    n_o, n_r, n_i = x.shape
    m = np.empty(n_i, x.dtype)
    s = np.empty(n_i)
    zero = np.zeros(1, x.dtype)  # x's dtype: a literal 0 would widen m
    for o in range(n_o):
        m[:] = x[o, 0]
        for r in range(1, n_r):
            row = x[o, r]
            for i in range(n_i):
                v, mi = row[i], m[i]
                m[i] = v if (v > mi or v != v) else mi
        for i in range(n_i):
            m[i] = zero[0] if m[i] == -np.inf else m[i]
        s[:] = 0
        for r in range(n_r):
            row, dst = x[o, r], out[o, r]
            for i in range(n_i):
                e = shared.exp(row[i] - m[i])
                s[i] += e
                if not log:
                    dst[i] = e
        if log:
            for i in range(n_i):
                s[i] = np.log(s[i])
            for r in range(n_r):
                row, dst = x[o, r], out[o, r]
                for i in range(n_i):
                    dst[i] = row[i] - m[i] - s[i]
        else:
            for i in range(n_i):
                s[i] = 1.0 / s[i]
            for r in range(n_r):
                dst = out[o, r]
                for i in range(n_i):
                    dst[i] *= s[i]


@reduce_kernel
def softmax_rows(x, out, log, lo, hi):
    """softmax for rows lo:hi of a C-contiguous 2-D x: the common last-dim case, where
    the rows are contiguous and each loop vectorises (the general kernel above would run
    over I-rows of one element).  The max is subtracted and the sum accumulated in float64;
    a NaN anywhere in a row makes that row NaN.  The max stays in x's dtype, so float32 rows
    take float32 exps (_expf, vectorised: 256x1024 0.98 -> 0.47 ms against libm's expf; a
    float64 exp took 8 ns here)."""
    zero_nan = np.empty(2, x.dtype)  # 0 and NaN of x's dtype: a literal would widen m
    zero_nan[0] = 0
    zero_nan[1] = np.nan
    scale = np.empty(1, x.dtype)  # 1 / sum rounded to x's dtype: float32 products, 20% faster
    for o in range(lo, hi):
        row = x[o]
        dst = out[o]
        m = row[0]
        nan = False
        for r in range(row.shape[0]):
            v = row[r]
            m = max(m, v)
            nan |= v != v
        if nan:
            m = zero_nan[1]
        elif m == -np.inf:
            m = zero_nan[0]
        s = 0.0
        if log:
            for r in range(row.shape[0]):
                s += shared.exp(row[r] - m)
            ls = np.log(s)
            for r in range(row.shape[0]):
                dst[r] = row[r] - m - ls
        else:
            for r in range(row.shape[0]):
                e = shared.exp(row[r] - m)
                dst[r] = e
                s += e
            scale[0] = 1.0 / s
            inv = scale[0]
            for r in range(row.shape[0]):
                dst[r] *= inv


@parallel_reduce_kernel
def softmax_rows_par(x, out, log):
    n = x.shape[0]
    step = (n + CHUNKS - 1) // CHUNKS
    for c in prange(CHUNKS):
        softmax_rows(x, out, log, min(n, c * step), min(n, c * step + step))


@reduce_kernel
def softmax_rows_backward(g, y, out, log):
    """The input gradient of (log-)softmax over the contiguous rows of 2-D y, its output:
    g - exp(y) * sum(g) for log-softmax, y * (g - sum(g * y)) for softmax.  One pass per
    row instead of three tensor ops; the row sum accumulates in float64 and is rounded to
    y's dtype, so float32 rows take float32 products."""
    one = np.empty(1, y.dtype)  # the sum's rounding target: a literal would widen it
    for o in range(y.shape[0]):
        gr, yr, dst = g[o], y[o], out[o]
        s = 0.0
        if log:
            for r in range(yr.shape[0]):
                s += gr[r]
            one[0] = s
            for r in range(yr.shape[0]):
                dst[r] = gr[r] - shared.exp(yr[r]) * one[0]
        else:
            for r in range(yr.shape[0]):
                s += gr[r] * yr[r]
            one[0] = s
            for r in range(yr.shape[0]):
                dst[r] = yr[r] * (gr[r] - one[0])


@reduce_kernel
def nll_rows(logp, target, weight, ignore_index, losses, picked_weight):
    """Negative log-likelihood of the target class of each row of logp (N, C): fills
    losses[i] = -weight[t] * logp[i, t] and picked_weight[i] = weight[t] (both 0 for an
    ignored row) and returns (sum of losses, sum of weights, first out-of-range target or
    ignore_index when none); the sums accumulate in float64."""
    total = 0.0
    total_w = 0.0
    n_c = logp.shape[1]
    for i in range(logp.shape[0]):
        t = target[i]
        if t == ignore_index:
            losses[i] = 0
            picked_weight[i] = 0
            continue
        if t < 0 or t >= n_c:
            return total, total_w, t
        w = weight[t]
        loss = -(w * logp[i, t])
        losses[i] = loss
        picked_weight[i] = w
        total += loss
        total_w += w
    return total, total_w, ignore_index




_scan_step = shared.scan_step


@reduce_kernel
def cumulative(op, x, out):
    """Running sum/product along R of x (O, R, I) into out (same shape)."""
    n_o, n_r, n_i = x.shape
    for o in range(n_o):
        for i in range(n_i):
            acc = x[o, 0, i]
            out[o, 0, i] = acc
            for r in range(1, n_r):
                acc = _scan_step(op, acc, x[o, r, i])
                out[o, r, i] = acc


@reduce_kernel
def moments(x, correction, mean, var):
    """Two-pass mean and variance along R of x (O, R, I), accumulated in float64."""
    n_o, n_r, n_i = x.shape
    denom = max(n_r - correction, 0)
    for o in range(n_o):
        for i in range(n_i):
            s = 0.0
            for r in range(n_r):
                s += x[o, r, i]
            mu = s / n_r
            ss = 0.0
            for r in range(n_r):
                d = x[o, r, i] - mu
                ss += d * d
            mean[o, i] = mu
            var[o, i] = ss / denom


@parallel_reduce_kernel
def channel_mean_var(x, mean, var):
    """Per-channel mean and biased variance of x viewed as (N, C, L) -- batch-norm statistics.
    Two passes over each channel (mean, then squared deviations) in float64: one pass of
    sum and sum-of-squares loses everything to cancellation when |mean| >> std."""
    n_b, n_c, n_l = x.shape
    count = n_b * n_l
    for c in prange(n_c):
        s = 0.0
        for n in range(n_b):
            row = x[n, c]
            part = x.dtype.type(0)
            for i in range(n_l):
                part += row[i]
            s += part
        m = s / count
        q = 0.0
        for n in range(n_b):
            row = x[n, c]
            for i in range(n_l):
                d = row[i] - m
                q += d * d
        mean[c] = m
        var[c] = q / count


@reduce_kernel
def layer_norm_rows(x, weight, bias, eps, out, mean, rstd):
    """Layer norm over the contiguous rows of x (R, D): each row's mean and biased variance in
    two float64 passes (as channel_mean_var), then out = (x - mean) * rstd * weight + bias in
    x's dtype.  weight and bias have D entries (ones and zeros when the layer has none)."""
    d = x.shape[1]
    for r in range(x.shape[0]):
        row, dst = x[r], out[r]
        s = 0.0
        for i in range(d):
            s += row[i]
        mu = s / d
        ss = 0.0
        for i in range(d):
            t = row[i] - mu
            ss += t * t
        rs = 1.0 / np.sqrt(ss / d + eps)
        mean[r] = mu
        rstd[r] = rs
        cast = type(row[0])  # x's dtype: float64 scalars would widen the products
        mu_t, rs_t = cast(mu), cast(rs)
        for i in range(d):
            dst[i] = (row[i] - mu_t) * rs_t * weight[i] + bias[i]


@reduce_kernel
def layer_norm_rows_backward(g, x, mean, rstd, weight, dx, dw, db):
    """The gradients of layer_norm_rows: dx = rstd * (g*w - mean(g*w) - xhat * mean(g*w*xhat))
    per row (dx with no rows when not wanted), and dw += sum(g * xhat), db += sum(g) over
    rows (float64 accumulators)."""
    d = x.shape[1]
    for r in range(x.shape[0]):
        gr, xr = g[r], x[r]
        mu, rs = mean[r], rstd[r]
        s1 = 0.0
        s2 = 0.0
        for i in range(d):
            xh = (xr[i] - mu) * rs
            gw = gr[i] * weight[i]
            s1 += gw
            s2 += gw * xh
            dw[i] += gr[i] * xh
            db[i] += gr[i]
        if dx.shape[0]:
            c1, c2 = s1 / d, s2 / d
            dst = dx[r]
            for i in range(d):
                dst[i] = rs * (gr[i] * weight[i] - c1 - (xr[i] - mu) * rs * c2)


@parallel_reduce_kernel
def channel_affine(x, scale, shift, out):
    """out[n, c, l] = x[n, c, l] * scale[c] + shift[c]: batch norm's forward in one pass."""
    n_b, n_c, n_l = x.shape
    for q in prange(n_b * n_c):
        n, c = q // n_c, q % n_c
        a, b = scale[c], shift[c]
        src, dst = x[n, c], out[n, c]
        for i in range(n_l):
            dst[i] = src[i] * a + b


@parallel_reduce_kernel
def channel_grad_sums(g, x, mean, rstd, sum_g, sum_gxhat):
    """Per channel: sum(g) and sum(g * xhat) with xhat = (x - mean) * rstd, in float64."""
    n_b, n_c, n_l = g.shape
    for c in prange(n_c):
        m, r = mean[c], rstd[c]
        s1 = 0.0
        s2 = 0.0
        for n in range(n_b):
            gr, xr = g[n, c], x[n, c]
            for i in range(n_l):
                s1 += gr[i]
                s2 += gr[i] * (xr[i] - m) * r
        sum_g[c] = s1
        sum_gxhat[c] = s2


@parallel_reduce_kernel
def batch_norm_input_grad(g, x, mean, rstd, k_g, k_x, k_0, dx):
    """dx = k_g[c] * g + k_x[c] * (x - mean[c]) + k_0[c]: the training-mode input gradient
    once the per-channel sums are folded into the three coefficients."""
    n_b, n_c, n_l = g.shape
    for q in prange(n_b * n_c):
        n, c = q // n_c, q % n_c
        a, b, d, m = k_g[c], k_x[c], k_0[c], mean[c]
        gr, xr, out = g[n, c], x[n, c], dx[n, c]
        for i in range(n_l):
            out[i] = a * gr[i] + b * (xr[i] - m) + d
