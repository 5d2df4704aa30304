"""Fused optimizer updates on the GPU, one thread per element, compiling the per-element
rules the CPU kernels inline (kernels/scalar.py)."""

from numba import cuda

from ._jit import kernel
from .scalar import shared

_sgd_update = shared.sgd_update
_adam_update = shared.adam_update


@kernel
def sgd(p, g, buf, lr, momentum, keep, weight_decay, nesterov, maximize, first, n):
    for i in range(cuda.grid(1), n, cuda.gridsize(1)):
        p_new, b_new = _sgd_update(p[i], g[i], buf[i], lr, momentum, keep, weight_decay,
                                   nesterov, maximize, first)
        if momentum != 0:  # buf is a dummy (p itself) otherwise
            buf[i] = b_new
        p[i] = p_new


@kernel
def adam(p, g, m, v, vmax, step_size, keep1, beta2, keep2, eps, weight_decay, decay, amsgrad,
         maximize, bc2_sqrt, n):
    for i in range(cuda.grid(1), n, cuda.gridsize(1)):
        p[i], m[i], v[i], vm = _adam_update(p[i], g[i], m[i], v[i], vmax[i], step_size, keep1,
                                            beta2, keep2, eps, weight_decay, decay, amsgrad,
                                            maximize, bc2_sqrt)
        if amsgrad:  # vmax is a dummy (m) otherwise
            vmax[i] = vm
