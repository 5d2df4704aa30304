"""Fused optimizer updates: one pass over each parameter instead of four or five elementwise
ops.  The formulas are PyTorch's (see numtorch/optim/algorithms.py for the reference path)."""

import numpy as np

from ._jit import CHUNKS, kernel, parallel_kernel, prange


@kernel
def _sgd_1d(p, g, buf, lr, momentum, dampening, weight_decay, nesterov, maximize, first):
    for i in range(p.shape[0]):
        d = -g[i] if maximize else g[i]
        if weight_decay != 0:
            d += weight_decay * p[i]
        if momentum != 0:
            if first:
                b = d
            else:
                b = momentum * buf[i] + (1 - dampening) * d
            buf[i] = b
            d = d + momentum * b if nesterov else b
        p[i] -= lr * d


@parallel_kernel
def sgd(p, g, buf, lr, momentum, dampening, weight_decay, nesterov, maximize, first):
    """In-place SGD step on flat contiguous arrays (buf is the momentum buffer)."""
    n = p.shape[0]
    step = (n + CHUNKS - 1) // CHUNKS
    for c in prange(CHUNKS):
        lo = min(n, c * step)
        hi = min(n, lo + step)
        if lo < hi:
            _sgd_1d(p[lo:hi], g[lo:hi], buf[lo:hi], lr, momentum, dampening, weight_decay,
                    nesterov, maximize, first)


@kernel
def _adam_1d(p, g, m, v, vmax, lr, beta1, beta2, eps, weight_decay, decoupled, amsgrad,
             maximize, bc1, bc2_sqrt):
    for i in range(p.shape[0]):
        d = -g[i] if maximize else g[i]
        if weight_decay != 0:
            if decoupled:
                p[i] *= 1 - lr * weight_decay
            else:
                d += weight_decay * p[i]
        m[i] += (1 - beta1) * (d - m[i])
        v[i] = beta2 * v[i] + (1 - beta2) * d * d
        vv = v[i]
        if amsgrad:
            if vv > vmax[i]:
                vmax[i] = vv
            vv = vmax[i]
        p[i] -= (lr / bc1) * m[i] / (np.sqrt(vv) / bc2_sqrt + eps)


@parallel_kernel
def adam(p, g, m, v, vmax, lr, beta1, beta2, eps, weight_decay, decoupled, amsgrad, maximize,
         bc1, bc2_sqrt):
    """In-place Adam/AdamW step on flat contiguous arrays."""
    n = p.shape[0]
    step = (n + CHUNKS - 1) // CHUNKS
    for c in prange(CHUNKS):
        lo = min(n, c * step)
        hi = min(n, lo + step)
        if lo < hi:
            _adam_1d(p[lo:hi], g[lo:hi], m[lo:hi], v[lo:hi], vmax[lo:hi] if amsgrad else vmax,
                     lr, beta1, beta2, eps, weight_decay, decoupled, amsgrad, maximize, bc1,
                     bc2_sqrt)
