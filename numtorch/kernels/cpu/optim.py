"""Fused optimizer updates: one pass over each parameter instead of four or five elementwise
ops.  The per-element rules live in kernels/optim_rules.py, shared with the CUDA kernels."""

from .. import optim_rules as R
from ._jit import CHUNKS, inline, kernel, parallel_kernel, prange

_sgd_step = inline(R.sgd_step)
_adam_step = inline(R.adam_step)


@kernel
def _sgd_1d(p, g, buf, lr, momentum, dampening, weight_decay, nesterov, maximize, first):
    for i in range(p.shape[0]):
        _sgd_step(i, p, g, buf, lr, momentum, dampening, weight_decay, nesterov, maximize,
                  first)


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
        _adam_step(i, p, g, m, v, vmax, lr, beta1, beta2, eps, weight_decay, decoupled,
                   amsgrad, maximize, bc1, bc2_sqrt)


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
