"""The per-element SGD and Adam/AdamW update rules (PyTorch's formulas), written once as plain
Python and compiled twice: inlined into the CPU kernels' loops (kernels/cpu/optim.py) and as
CUDA device functions (kernels/cuda/optim.py).  Each updates element i of the flat arrays in
place."""

import math


def sgd_step(i, p, g, buf, lr, momentum, dampening, weight_decay, nesterov, maximize, first):
    d = -g[i] if maximize else g[i]
    if weight_decay != 0:
        d += weight_decay * p[i]
    if momentum != 0:
        b = d if first else momentum * buf[i] + (1 - dampening) * d
        buf[i] = b
        d = d + momentum * b if nesterov else b
    p[i] -= lr * d


def adam_step(i, p, g, m, v, vmax, lr, beta1, beta2, eps, weight_decay, decoupled, amsgrad,
              maximize, bc1, bc2_sqrt):
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
