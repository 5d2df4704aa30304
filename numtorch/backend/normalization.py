"""CPU dispatch for the normalisation and loss kernels (kernels/cpu/reduction.py): batch norm,
layer norm and the negative log-likelihood.  Arrays in, in the layout each function states
(the callers make them contiguous and of the kernel's dtype), new arrays out; statistics and
weight-gradient sums are float64."""

from typing import Optional, Tuple

import numpy as np

from ..kernels.cpu import reduction as reduction_kernels
from ._types import HostArray


def channel_mean_var(arr: HostArray) -> Tuple[HostArray, HostArray]:
    """(mean, biased var) over every dim but 1 of an (N, C, ...) float array, in arr's dtype."""
    x = np.ascontiguousarray(arr)
    x3 = x.reshape(x.shape[0], x.shape[1], -1)
    mean = np.empty(x.shape[1], np.float64)
    var = np.empty(x.shape[1], np.float64)
    reduction_kernels.channel_mean_var(x3, mean, var)
    return mean.astype(arr.dtype), var.astype(arr.dtype)


def batch_norm(x3: HostArray, scale: HostArray, shift: HostArray) -> HostArray:
    """x3 (N, C, L) * scale[c] + shift[c], in one pass."""
    out = np.empty_like(x3)
    reduction_kernels.channel_affine(x3, scale, shift, out)
    return out


def batch_norm_grad_sums(g3: HostArray, x3: HostArray, mean: HostArray,
                         rstd: HostArray) -> Tuple[HostArray, HostArray]:
    """Per channel of (N, C, L) g3 and x3: (sum(g), sum(g * xhat)), xhat = (x - mean) * rstd."""
    sum_g = np.empty(mean.shape, np.float64)
    sum_gx = np.empty(mean.shape, np.float64)
    reduction_kernels.channel_grad_sums(g3, x3, mean, rstd, sum_g, sum_gx)
    return sum_g, sum_gx


def batch_norm_input_grad(g3: HostArray, x3: HostArray, mean: HostArray, rstd: HostArray,
                          k_g: HostArray, k_x: HostArray, k_0: HostArray) -> HostArray:
    """dx = k_g[c] * g + k_x[c] * (x - mean[c]) + k_0[c] over (N, C, L)."""
    dx = np.empty_like(x3)
    reduction_kernels.batch_norm_input_grad(g3, x3, mean, rstd, k_g, k_x, k_0, dx)
    return dx


def layer_norm(x2: HostArray, weight: HostArray, bias: HostArray,
               eps: float) -> Tuple[HostArray, HostArray, HostArray]:
    """Layer norm of the rows of x2 (R, D) with D-entry weight and bias: (out, mean, rstd)."""
    out = np.empty_like(x2)
    mean, rstd = np.empty(len(x2)), np.empty(len(x2))
    reduction_kernels.layer_norm_rows(x2, weight, bias, float(eps), out, mean, rstd)
    return out, mean, rstd


def layer_norm_backward(g2: HostArray, x2: HostArray, mean: HostArray, rstd: HostArray,
                        weight: HostArray, want_dx: bool
                        ) -> Tuple[Optional[HostArray], HostArray, HostArray]:
    """(dx or None, dw, db) of layer_norm; dw and db float64."""
    d = x2.shape[1]
    dx = np.empty_like(x2) if want_dx else np.empty((0, d), x2.dtype)
    dw, db = np.zeros(d), np.zeros(d)
    reduction_kernels.layer_norm_rows_backward(g2, x2, mean, rstd, weight, dx, dw, db)
    return (dx if want_dx else None), dw, db


def nll(logp: HostArray, target: HostArray, weight: HostArray, ignore_index: int
        ) -> Tuple[HostArray, HostArray, float, float, int]:
    """Per row of logp (N, C): losses -weight[t] * logp[i, t] and the picked weights (0 for
    ignored rows), their sums, and the first out-of-range target (ignore_index if none)."""
    losses = np.empty(target.size, logp.dtype)
    picked = np.empty(target.size, logp.dtype)
    total, total_w, bad = reduction_kernels.nll_rows(logp, target, weight, ignore_index,
                                                     losses, picked)
    return losses, picked, total, total_w, bad
