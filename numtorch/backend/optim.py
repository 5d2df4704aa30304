"""CPU dispatch for fused optimizer updates: only for C-contiguous float parameters whose
gradient and state share their dtype and shape; otherwise the caller uses tensor ops."""

import numpy as np

from ..kernels.cpu import optim as kernels
from ..kernels.cpu._jit import PARALLEL_THRESHOLD
from ._types import Array
from .cuda_array import CudaArray, launch


def fusable(*arrays: Array) -> bool:
    first = arrays[0]
    return first.dtype in (np.float32, np.float64) and all(
        a.flags.c_contiguous and a.dtype == first.dtype and a.shape == first.shape
        for a in arrays)


def _flat(*arrays):
    return [a.reshape(-1) for a in arrays]


def _device_flat(*arrays):
    """Flat device buffers of contiguous CudaArrays (each starting at its own offset)."""
    return [a.buf[a.offset:a.offset + a.size] if type(a) is CudaArray else a for a in arrays]


def sgd(p: Array, g: Array, buf: Array, lr: float, momentum: float, dampening: float,
        weight_decay: float, nesterov: bool, maximize: bool, first: bool) -> None:
    """SGD on one parameter; the scalars are rounded to its dtype as PyTorch's ops do."""
    t = p.dtype.type
    args = (t(lr), t(momentum), t(1 - dampening), t(weight_decay), nesterov, maximize, first)
    if type(p) is CudaArray:
        from ..kernels.cuda import optim as cuda_kernels
        return launch(cuda_kernels.sgd, p.size, *_device_flat(p, g, buf), *args)
    kernel = kernels.sgd if p.size >= PARALLEL_THRESHOLD else kernels._sgd_1d
    kernel(*_flat(p, g, buf), *args)


def adam(p: Array, g: Array, m: Array, v: Array, vmax: Array, lr: float, beta1: float,
         beta2: float, eps: float, weight_decay: float, decoupled: bool, amsgrad: bool,
         maximize: bool, bc1: float, bc2_sqrt: float) -> None:
    """Adam (AdamW when decoupled) on one parameter, scalars as in sgd."""
    t = p.dtype.type
    wd, decay = (0.0, 1 - lr * weight_decay) if decoupled else (weight_decay, 1.0)
    args = (t(lr / bc1), t(1 - beta1), t(beta2), t(1 - beta2), t(eps), t(wd), t(decay),
            amsgrad, maximize, t(bc2_sqrt))
    if type(p) is CudaArray:
        from ..kernels.cuda import optim as cuda_kernels
        return launch(cuda_kernels.adam, p.size, *_device_flat(p, g, m, v, vmax if amsgrad else m),
                      *args)
    kernel = kernels.adam if p.size >= PARALLEL_THRESHOLD else kernels._adam_1d
    kernel(*_flat(p, g, m, v, vmax), *args)
