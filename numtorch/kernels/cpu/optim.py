"""Fused optimizer updates: one pass over each parameter instead of four or five elementwise
ops.

The per-element rules (PyTorch's formulas) are kernels/scalar.py's, inlined into the loops
here and compiled as CUDA device functions by kernels/cuda/optim.py.  Scalars arrive in the
parameters' dtype, derived quantities (1 - dampening, lr / bias correction, ...) computed in
double precision first, as PyTorch's Python-side optimizers compute them."""

from ._jit import CHUNKS, kernel, parallel_kernel, prange
from .scalar import shared

_sgd_update = shared.sgd_update
_adam_update = shared.adam_update


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
