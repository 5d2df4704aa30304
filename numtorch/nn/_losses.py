"""The elementwise losses of nn.functional, written against the public Tensor API.

Those that PyTorch computes as one fused op (SmoothL1LossBackward0, BinaryCrossEntropyBackward0,
...) are recorded as one node of that name through `autograd.composite`; those PyTorch itself
writes as a few tensor ops (margin_ranking_loss, poisson_nll_loss, ...) are a few tensor ops
here too, so their graphs print the same nodes.
"""

import math

from .. import where
from .._ops.activation import logsigmoid, softplus
from .._ops.layers import pairwise_distance
from .._ops.loss import reduce_loss, warn_if_sizes_differ  # noqa: F401  (public here too)
from ..autograd.composite import composite


def _fused(name, reduction, fn, *inputs):
    """A loss PyTorch records as one node whatever the reduction."""
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return composite(name, lambda *xs: reduce_loss(fn(*xs), reduction), *inputs)


def _tensors(*xs):
    return tuple(x for x in xs if x is not None and not isinstance(x, (int, float)))


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    warn_if_sizes_differ(input, target)
    return reduce_loss((input - target).abs(), reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    warn_if_sizes_differ(input, target)
    if beta == 0:
        return l1_loss(input, target, reduction=reduction)

    def f(x, y):
        d = (x - y).abs()
        return where(d < beta, d * d * (0.5 / beta), d - 0.5 * beta)
    return _fused("SmoothL1LossBackward0", reduction, f, input, target)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    warn_if_sizes_differ(input, target)

    def f(x, y, *w):
        d = (x - y).abs()
        loss = where(d < delta, d * d * 0.5, (d - 0.5 * delta) * delta)
        return loss * w[0] if w else loss
    return _fused("HuberLossBackward0", reduction, f, input, target, *_tensors(weight))


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input "
                         f"size ({input.shape}) is deprecated. Please ensure they have the same "
                         f"size.")
    if ((input < 0) | (input > 1)).any():
        raise RuntimeError("all elements of input should be between 0 and 1")

    def f(x, y, *w):
        # PyTorch clamps the logs at -100 so that 0 * log(0) stays finite
        loss = -(y * x.log().clamp(min=-100.0) + (1 - y) * (1 - x).log().clamp(min=-100.0))
        return loss * w[0] if w else loss
    return _fused("BinaryCrossEntropyBackward0", reduction, f, input, target,
                  *_tensors(weight))


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,
                                     reduce=None, reduction="mean", pos_weight=None):
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(f"Target size ({target.shape}) must be the same as input size "
                         f"({input.shape})")

    def f(x, y, w=None, pw=None):
        neg_logsig = softplus(-x)  # log(1 + e^-x), stably
        lw = 1 if pw is None else 1 + (pw - 1) * y
        loss = (1 - y) * x + lw * neg_logsig
        return loss if w is None else loss * w

    def g(x, y, *rest):
        it = iter(rest)
        return f(x, y, next(it) if weight is not None else None,
                 next(it) if pos_weight is not None else None)
    return _fused("BinaryCrossEntropyWithLogitsBackward0", reduction, g, input, target,
                  *_tensors(weight, pos_weight))


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    return _fused("SoftMarginLossBackward0", reduction, lambda x, y: softplus(-y * x),
                  input, target)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None,
                      reduce=None, reduction="mean"):
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if input.ndim > 2:
        raise ValueError(f"Expected non-empty vector or matrix with optional 0-dim batch size, "
                         f"but got: {list(input.shape)}")

    def f(x, *w):
        x2 = x.reshape(1, -1) if x.ndim < 2 else x
        t = target.reshape(-1, 1)
        picked = x2.gather(1, t)
        m = (margin - picked + x2).clamp(min=0)
        if p == 2:
            m = m * m
        if w:
            m = m * w[0].gather(0, t.reshape(-1)).reshape(-1, 1)
        not_target = 1 - (t == _arange_like(x2)).to(x2.dtype)
        per_sample = (m * not_target).sum(1) / x2.shape[1]
        return per_sample.reshape(target.shape) if x.ndim < 2 else per_sample
    return _fused("MultiMarginLossBackward0", reduction, f, input, *_tensors(weight))


def _arange_like(x2):
    from .. import arange
    return arange(x2.shape[1], device=x2.device).reshape(1, -1)


def margin_ranking_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None,
                        reduction="mean"):
    return reduce_loss((-target * (input1 - input2) + margin).clamp_min(0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    zeros = input.new_zeros(())
    pos = where(target == 1, input, zeros)
    neg = where(target == -1, (margin - input).clamp_min(0), zeros)
    return reduce_loss(pos + neg, reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    loss = input.exp() - target * input if log_input else input - target * (input + eps).log()
    if full:
        stirling = target * target.log() - target + 0.5 * (2 * math.pi * target).log()
        loss = loss + where(target > 1, stirling, stirling.new_zeros(()))
    return reduce_loss(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    if (var < 0).any():
        raise ValueError("var has negative entry/entries")
    var = var.clamp(min=eps)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return reduce_loss(loss, reduction)


def cosine_embedding_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None,
                          reduction="mean"):
    eps = 1e-12
    prod = (input1 * input2).sum(-1)
    mag = ((input1 * input1).sum(-1) + eps) * ((input2 * input2).sum(-1) + eps)
    cos = prod / mag.sqrt()
    zeros = cos.new_zeros(())
    pos = where(target == 1, 1 - cos, zeros)
    neg = where(target == -1, (cos - margin).clamp_min(0), zeros)
    return reduce_loss(pos + neg, reduction)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        from .. import minimum
        d_neg = minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return reduce_loss((margin + d_pos - d_neg).clamp_min(0), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    return reduce_loss(loss.sum(-1) / input.shape[-1], reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    if log_target:
        loss = target.exp() * (target - input)
    else:  # target * log(target), 0 where target is 0 (xlogy), then minus target * input
        t_log_t = where(target > 0, target * target.clamp(min=1e-45).log(), target.new_zeros(()))
        loss = t_log_t - target * input
    if reduction == "batchmean":
        return loss.sum() / input.shape[0] if input.ndim else loss.sum()
    return reduce_loss(loss, reduction)
