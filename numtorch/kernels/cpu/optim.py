"""Fused optimizer updates: one pass over each parameter instead of four or five elementwise
ops.

The per-element rules (PyTorch's formulas) are plain Python, compiled twice: inlined into
the loops here and as CUDA device functions (kernels/cuda/optim.py).  They live in this file
because a cached kernel is not recompiled when a helper in another module changes.  They
take one element's values and return the updated ones -- not arrays: an inlined function
that receives arrays increfs and decrefs them on every call, which made the SGD loop 4x
slower and unvectorisable.  Scalars arrive in the parameters' dtype, derived quantities
(1 - dampening, lr / bias correction, ...) computed in double precision first, as PyTorch's
Python-side optimizers compute them."""

import math

from ._jit import CHUNKS, inline, kernel, parallel_kernel, prange


def sgd_update(p, g, buf, lr, momentum, keep, weight_decay, nesterov, maximize, first):
    """(parameter, momentum buffer) after one step; keep = 1 - dampening."""
    d = -g if maximize else g
    if weight_decay != 0:
        d += weight_decay * p
    if momentum != 0:
        buf = d if first else momentum * buf + keep * d
        d = d + momentum * buf if nesterov else buf
    return p - lr * d, buf


def adam_update(p, g, m, v, vmax, step_size, keep1, beta2, keep2, eps, weight_decay, decay,
                amsgrad, maximize, bc2_sqrt):
    """(parameter, exp_avg, exp_avg_sq, max_exp_avg_sq) after one step.  keep1/keep2 are
    1 - beta1 and 1 - beta2, step_size lr / (1 - beta1**t); AdamW passes its decoupled decay
    as decay = 1 - lr * weight_decay and weight_decay 0, Adam decay 1."""
    d = -g if maximize else g
    if decay != 1:
        p = p * decay
    if weight_decay != 0:
        d += weight_decay * p
    m += keep1 * (d - m)
    v = beta2 * v + keep2 * d * d
    if amsgrad:
        if v > vmax or v != v:  # torch.maximum: NaN wins
            vmax = v
        denom = math.sqrt(vmax) / bc2_sqrt + eps
    else:
        denom = math.sqrt(v) / bc2_sqrt + eps
    return p - step_size * m / denom, m, v, vmax


_sgd_update = inline(sgd_update)
_adam_update = inline(adam_update)


@kernel
def _sgd_1d(p, g, buf, lr, momentum, keep, weight_decay, nesterov, maximize, first):
    if momentum == 0:  # buf is a dummy then, possibly p itself
        for i in range(p.shape[0]):
            p[i] = _sgd_update(p[i], g[i], p[i], lr, momentum, keep, weight_decay, nesterov,
                               maximize, first)[0]
    else:
        for i in range(p.shape[0]):
            p[i], buf[i] = _sgd_update(p[i], g[i], buf[i], lr, momentum, keep, weight_decay,
                                       nesterov, maximize, first)


@parallel_kernel
def sgd(p, g, buf, lr, momentum, keep, weight_decay, nesterov, maximize, first):
    """In-place SGD step on flat contiguous arrays (buf is the momentum buffer)."""
    n = p.shape[0]
    step = (n + CHUNKS - 1) // CHUNKS
    for c in prange(CHUNKS):
        lo = min(n, c * step)
        hi = min(n, lo + step)
        if lo < hi:
            _sgd_1d(p[lo:hi], g[lo:hi], buf[lo:hi] if momentum != 0 else buf, lr, momentum,
                    keep, weight_decay, nesterov, maximize, first)


@kernel
def _adam_1d(p, g, m, v, vmax, step_size, keep1, beta2, keep2, eps, weight_decay, decay,
             amsgrad, maximize, bc2_sqrt):
    if amsgrad:
        for i in range(p.shape[0]):
            p[i], m[i], v[i], vmax[i] = _adam_update(
                p[i], g[i], m[i], v[i], vmax[i], step_size, keep1, beta2, keep2, eps,
                weight_decay, decay, True, maximize, bc2_sqrt)
    else:  # vmax is a dummy then
        for i in range(p.shape[0]):
            p[i], m[i], v[i], _ = _adam_update(
                p[i], g[i], m[i], v[i], v[i], step_size, keep1, beta2, keep2, eps,
                weight_decay, decay, False, maximize, bc2_sqrt)


@parallel_kernel
def adam(p, g, m, v, vmax, step_size, keep1, beta2, keep2, eps, weight_decay, decay, amsgrad,
         maximize, bc2_sqrt):
    """In-place Adam/AdamW step on flat contiguous arrays."""
    n = p.shape[0]
    step = (n + CHUNKS - 1) // CHUNKS
    for c in prange(CHUNKS):
        lo = min(n, c * step)
        hi = min(n, lo + step)
        if lo < hi:
            _adam_1d(p[lo:hi], g[lo:hi], m[lo:hi], v[lo:hi], vmax[lo:hi] if amsgrad else vmax,
                     step_size, keep1, beta2, keep2, eps, weight_decay, decay, amsgrad,
                     maximize, bc2_sqrt)
