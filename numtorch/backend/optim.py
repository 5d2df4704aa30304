"""CPU dispatch for fused optimizer updates: only for C-contiguous float parameters whose
gradient and state share their dtype and shape; otherwise the caller uses tensor ops."""

import numpy as np

from ..kernels.cpu import optim as K
from ..kernels.cpu._jit import PARALLEL_THRESHOLD
from .cuda_array import CudaArray, launch


def fusable(*arrays):
    first = arrays[0]
    return first.dtype in (np.float32, np.float64) and all(
        a.flags.c_contiguous and a.dtype == first.dtype and a.shape == first.shape
        for a in arrays)


def _flat(*arrays):
    return [a.reshape(-1) for a in arrays]


def _device_flat(*arrays):
    """Flat device buffers of contiguous CudaArrays (each starting at its own offset)."""
    return [a.buf[a.offset:a.offset + a.size] if type(a) is CudaArray else a for a in arrays]


def sgd(p, g, buf, lr, momentum, dampening, weight_decay, nesterov, maximize, first):
    """SGD on one parameter; the scalars are rounded to its dtype as PyTorch's ops do."""
    t = p.dtype.type
    args = (t(lr), t(momentum), t(1 - dampening), t(weight_decay), nesterov, maximize, first)
    if type(p) is CudaArray:
        from ..kernels.cuda import optim as KG
        return launch(KG.sgd, p.size, *_device_flat(p, g, buf), *args)
    kernel = K.sgd if p.size >= PARALLEL_THRESHOLD else K._sgd_1d
    kernel(*_flat(p, g, buf), *args)


def adam(p, g, m, v, vmax, lr, beta1, beta2, eps, weight_decay, decoupled, amsgrad, maximize,
         bc1, bc2_sqrt):
    """Adam (AdamW when decoupled) on one parameter, scalars as in sgd."""
    t = p.dtype.type
    wd, decay = (0.0, 1 - lr * weight_decay) if decoupled else (weight_decay, 1.0)
    args = (t(lr / bc1), t(1 - beta1), t(beta2), t(1 - beta2), t(eps), t(wd), t(decay),
            amsgrad, maximize, t(bc2_sqrt))
    if type(p) is CudaArray:
        from ..kernels.cuda import optim as KG
        return launch(KG.adam, p.size, *_device_flat(p, g, m, v, vmax if amsgrad else m), *args)
    kernel = K.adam if p.size >= PARALLEL_THRESHOLD else K._adam_1d
    kernel(*_flat(p, g, m, v, vmax), *args)
