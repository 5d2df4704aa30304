"""CPU dispatch for fused optimizer updates: only for C-contiguous float parameters whose
gradient and state share their dtype and shape; otherwise the caller uses tensor ops."""

import numpy as np

from ..kernels.cpu import optim as K
from ..kernels.cpu._jit import PARALLEL_THRESHOLD


def fusable(*arrays):
    first = arrays[0]
    return first.dtype in (np.float32, np.float64) and all(
        a.flags.c_contiguous and a.dtype == first.dtype and a.shape == first.shape
        for a in arrays)


def _flat(*arrays):
    return [a.reshape(-1) for a in arrays]


def sgd(p, g, buf, lr, momentum, dampening, weight_decay, nesterov, maximize, first):
    fp, fg, fb = _flat(p, g, buf)
    kernel = K.sgd if p.size >= PARALLEL_THRESHOLD else K._sgd_1d
    kernel(fp, fg, fb, lr, momentum, dampening, weight_decay, nesterov, maximize, first)


def adam(p, g, m, v, vmax, lr, beta1, beta2, eps, weight_decay, decoupled, amsgrad, maximize,
         bc1, bc2_sqrt):
    fp, fg, fm, fv, fvm = _flat(p, g, m, v, vmax)
    kernel = K.adam if p.size >= PARALLEL_THRESHOLD else K._adam_1d
    kernel(fp, fg, fm, fv, fvm, lr, beta1, beta2, eps, weight_decay, decoupled, amsgrad,
           maximize, bc1, bc2_sqrt)
