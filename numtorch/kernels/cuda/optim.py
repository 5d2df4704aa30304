"""Fused optimizer updates on the GPU, one thread per element: the update formulas of
kernels/cpu/optim.py (PyTorch's), over flat contiguous buffers."""

import math

from numba import cuda

from ._jit import kernel


@kernel
def sgd(p, g, buf, lr, momentum, dampening, weight_decay, nesterov, maximize, first, n):
    for i in range(cuda.grid(1), n, cuda.gridsize(1)):
        d = -g[i] if maximize else g[i]
        if weight_decay != 0:
            d += weight_decay * p[i]
        if momentum != 0:
            b = d if first else momentum * buf[i] + (1 - dampening) * d
            buf[i] = b
            d = d + momentum * b if nesterov else b
        p[i] -= lr * d


@kernel
def adam(p, g, m, v, vmax, lr, beta1, beta2, eps, weight_decay, decoupled, amsgrad, maximize,
         bc1, bc2_sqrt, n):
    for i in range(cuda.grid(1), n, cuda.gridsize(1)):
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
        p[i] -= (lr / bc1) * m[i] / (math.sqrt(vv) / bc2_sqrt + eps)
