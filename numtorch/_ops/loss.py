"""The losses PyTorch records as one node (MseLossBackward0, NllLossBackward0, ...): forward
without a graph, then that node with its gradient (nn.functional's; the rest are nn/_losses.py)."""

import warnings

import numpy as np

from .. import _dtype as D
from ..autograd import graph
from ..autograd.composite import composite
from ..autograd.grad_mode import no_grad
from ..backend import normalization as backend
from ..tensor import wrap
from . import pointwise as P
from .activation import log_softmax
from .index import gather, index_select


def reduce_loss(loss, reduction):
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(f"{reduction} is not a valid value for reduction")


def warn_if_sizes_differ(input, target):
    if tuple(input.shape) != tuple(target.shape):
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input "
                      f"size ({input.shape}). This will likely lead to incorrect results due "
                      f"to broadcasting. Please ensure they have the same size.", UserWarning,
                      stacklevel=3)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    warn_if_sizes_differ(input, target)
    if reduction == "none":
        return composite("MseLossBackward0", lambda x, y: (x - y) * (x - y), input, target)
    with no_grad():
        d = input - target
        loss = reduce_loss(d * d, reduction)
    scale = (2.0 / d.numel() if d.numel() else float("nan")) if reduction == "mean" else 2.0
    return graph.attach(loss, "MseLossBackward0", (input, target),
                        lambda g, x, y: ((x - y) * (g * scale), (y - x) * (g * scale)),
                        (input, target))


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    if input.ndim < 1:
        raise ValueError("Expected 1 or more dimensions (got 0)")
    if target.dtype not in (D.int64, D.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got "
                           f"{D.type_name(target.dtype)}")
    if input.ndim == 1:
        input, target = input.unsqueeze(0), target.reshape(1)
    n, c = input.shape[0], input.shape[1]
    if target.shape[0] != n:
        raise ValueError(f"Expected input batch_size ({n}) to match target batch_size "
                         f"({target.shape[0]}).")
    # classes along dim 1; any trailing dims are folded into the batch
    logp = input.movedim(1, -1).reshape(-1, c) if input.ndim > 2 else input
    if logp.is_cuda:
        return _nll_loss_cuda(logp, target, weight, ignore_index, reduction)
    if reduction not in ("none", "sum", "mean"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    t = target._data.reshape(-1).astype(np.int64, copy=False)
    dt = logp.dtype.np
    kt = dt.type if dt in (np.float32, np.float64) else np.float32  # the kernel's dtype
    w = np.ones(c, kt) if weight is None else np.ascontiguousarray(weight._data, kt)
    losses, wt, total, total_w, bad = backend.nll(
        np.ascontiguousarray(logp._data, kt), t, w, ignore_index)
    if bad != ignore_index:
        raise IndexError(f"Target {bad} is out of bounds.")
    if reduction == "none":
        value, scale = losses.reshape(target.shape), wt
    elif reduction == "sum":
        value, scale = total, wt
    elif total_w:
        value, scale = total / total_w, wt / kt(total_w)
    else:  # every target ignored: 0 / 0 is NaN, as in PyTorch
        with np.errstate(divide="ignore", invalid="ignore"):
            value, scale = np.float64(total) / total_w, wt / kt(total_w)
    out = wrap(np.asarray(value, dt), logp.dtype)
    shape = tuple(logp.shape)
    in_shape = tuple(input.shape)

    def backward(g):
        grad = np.zeros(shape, dt)
        gv = g._data.reshape(-1) if reduction == "none" else g._data
        keep = t != ignore_index
        grad[np.flatnonzero(keep), t[keep]] = -(scale * gv)[keep]
        res = wrap(grad, logp.dtype)
        if len(in_shape) > 2:
            moved = (in_shape[0],) + in_shape[2:] + (in_shape[1],)
            res = res.reshape(moved).movedim(-1, 1)
        return res
    return graph.attach(out, "NllLossBackward0", (input,), backward)


def _nll_loss_cuda(logp, target, weight, ignore_index, reduction):
    """nll_loss from gather/index_select tensor ops (so autograd differentiates it) for CUDA
    inputs; the targets are checked on a host copy first."""
    t = target.reshape(-1).long()
    host = t._data.get()
    bad = host[(host != ignore_index) & ((host < 0) | (host >= logp.shape[1]))]
    if bad.size:
        raise IndexError(f"Target {int(bad[0])} is out of bounds.")
    valid = t != ignore_index
    tc = P.where(valid, t, 0)
    w = weight if weight is not None else logp.new_ones(logp.shape[1])
    wt = index_select(w.to(logp.dtype), 0, tc) * valid
    losses = -gather(logp, 1, tc.unsqueeze(1)).squeeze(1) * wt
    if reduction == "none":
        return losses.reshape(target.shape)
    if reduction == "sum":
        return losses.sum()
    if reduction == "mean":
        return losses.sum() / wt.sum()
    raise ValueError(f"{reduction} is not a valid value for reduction")


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    logp = log_softmax(input, 1 if input.ndim > 1 else 0)
    if target.dtype.is_floating_point:  # class probabilities
        if label_smoothing:
            target = target * (1 - label_smoothing) + label_smoothing / input.shape[1]
        w = 1 if weight is None else weight.reshape([1, -1] + [1] * (input.ndim - 2))
        terms = logp * target * w
        if reduction == "none":
            return -terms.sum(1 if input.ndim > 1 else 0)
        if reduction == "sum":
            return -terms.sum()
        if reduction == "mean":  # over the samples, as PyTorch divides the total
            return -terms.sum() / (input.numel() // input.shape[1] if input.ndim > 1 else 1)
        raise ValueError(f"{reduction} is not a valid value for reduction")
    nll = nll_loss(logp, target, weight, ignore_index=ignore_index, reduction=reduction)
    if not label_smoothing:
        return nll
    c = input.shape[1] if input.ndim > 1 else input.shape[0]
    valid = wrap((target._data != ignore_index).astype(logp.dtype.np), logp.dtype)
    w = 1 if weight is None else weight.reshape([1, -1] + [1] * (input.ndim - 2))
    smooth = -(logp * w).sum(1 if input.ndim > 1 else 0) * valid
    if reduction == "mean":
        denom = valid.sum() if weight is None else \
            (valid * weight[wrap(np.where(target._data != ignore_index, target._data, 0))]).sum()
        smooth = smooth.sum() / denom
    elif reduction == "sum":
        smooth = smooth.sum()
    return nll * (1 - label_smoothing) + smooth * (label_smoothing / c)
