"""Fused optimizer updates on the GPU, one thread per element, compiling the same per-element
rules as the CPU kernels (kernels/optim_rules.py)."""

from numba import cuda

from .. import optim_rules as R
from ._jit import device_fn, kernel

_sgd_step = device_fn(R.sgd_step)
_adam_step = device_fn(R.adam_step)


@kernel
def sgd(p, g, buf, lr, momentum, dampening, weight_decay, nesterov, maximize, first, n):
    for i in range(cuda.grid(1), n, cuda.gridsize(1)):
        _sgd_step(i, p, g, buf, lr, momentum, dampening, weight_decay, nesterov, maximize,
                  first)


@kernel
def adam(p, g, m, v, vmax, lr, beta1, beta2, eps, weight_decay, decoupled, amsgrad, maximize,
         bc1, bc2_sqrt, n):
    for i in range(cuda.grid(1), n, cuda.gridsize(1)):
        _adam_step(i, p, g, m, v, vmax, lr, beta1, beta2, eps, weight_decay, decoupled,
                   amsgrad, maximize, bc1, bc2_sqrt)
