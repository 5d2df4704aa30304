"""Batch, layer, group and instance norm (nn.functional's): fused Numba kernels forward and
backward for the common float layouts, the tensor-op formula under create_graph."""

import math

import numpy as np

from .. import _dtype as D
from ..autograd import graph
from ..autograd.composite import composite
from ..autograd.grad_mode import is_grad_enabled, no_grad
from ..backend import normalization as backend
from ..tensor import wrap
from . import pointwise as P


def _normalize_backward(mean, rstd, shape, dims, param_dims, training, bias, eps):
    """The gradients of out = (x - mean) * rstd * w + b written in tensor ops (so they
    differentiate again), from the saved input.  When the gradient's own graph is wanted in
    training mode, mean and rstd are recomputed from the input as tensor ops, so that graph
    reaches the input through the statistics too (they were constants of the forward, and
    second derivatives missed their terms); otherwise the forward's are used."""
    def backward(g, w, inp):
        m, r = mean, rstd
        if training and is_grad_enabled():
            m = inp.mean(dims, keepdim=True)
            r = P.rsqrt(inp.var(dims, keepdim=True, unbiased=False) + eps)
        xh = (inp - m) * r
        dxhat = g * w.reshape(shape) if w is not None else g
        if training:
            m1 = dxhat.mean(dims, keepdim=True)
            m2 = (dxhat * xh).mean(dims, keepdim=True)
            dx = (dxhat - m1 - xh * m2) * r
        else:
            dx = dxhat * r
        dw = (g * xh).sum(param_dims).reshape(w.shape) if w is not None else None
        db = g.sum(param_dims).reshape(bias.shape) if bias is not None else None
        return dx, dw, db
    return backward


def _normalize_node(name, input, weight, bias, dims, shape, mean, rstd, param_dims, eps,
                    training=True):
    """out = (x - mean) * rstd * w + b as one graph node (NativeLayerNormBackward0 /
    NativeBatchNormBackward0).  The input gradient uses the batch statistics when training
    (mean and rstd depend on x) and the fixed running statistics otherwise."""
    with no_grad():
        out = (input - mean) * rstd
        if weight is not None:
            out = out * weight.reshape(shape)
        if bias is not None:
            out = out + bias.reshape(shape)
    backward = _normalize_backward(mean, rstd, shape, dims, param_dims, training, bias, eps)
    return graph.attach(out, name, (input, weight, bias), backward, (weight, input))


def _batch_norm_fused(input, weight, bias, mean, rstd, training, dims, shape, eps):
    """Batch norm over (N, C, ...) float32/float64 input with Numba kernels: one pass forward;
    backward is two passes (per-channel sums, then dx).  Under create_graph the backward
    falls back to the differentiable tensor-op formula."""
    x = np.ascontiguousarray(input._data)
    x3 = x.reshape(x.shape[0], x.shape[1], -1)
    m, r = mean._data.reshape(-1), rstd._data.reshape(-1)
    w = weight._data if weight is not None else np.ones_like(m)
    scale = r * w
    out = backend.batch_norm(x3, scale,
                                   (bias._data if bias is not None else 0) - m * scale)
    out = wrap(out.reshape(x.shape), input.dtype)

    slow = _normalize_backward(mean.reshape(shape), rstd.reshape(shape), shape, dims,
                               (0,) + dims[1:], training, bias, eps)

    def backward(g, wt, inp):
        if is_grad_enabled():
            return slow(g, wt, inp)
        g3 = np.ascontiguousarray(g._data).reshape(x3.shape)
        sum_g, sum_gx = backend.batch_norm_grad_sums(g3, x3, m, r)
        dx = None
        if input._requires_grad:
            count = x3.shape[0] * x3.shape[2]
            if training:
                k_x = -r * r * w * sum_gx / count
                k_0 = -scale * sum_g / count
            else:
                k_x = k_0 = np.zeros_like(scale)
            dx = backend.batch_norm_input_grad(g3, x3, m, r, scale.astype(x.dtype),
                                                     k_x.astype(x.dtype), k_0.astype(x.dtype))
            dx = wrap(dx.reshape(x.shape), input.dtype)
        dw = wrap(sum_gx.astype(x.dtype), input.dtype) if weight is not None else None
        db = wrap(sum_g.astype(x.dtype), input.dtype) if bias is not None else None
        return dx, dw, db
    return graph.attach(out, "NativeBatchNormBackward0", (input, weight, bias), backward,
                        (weight, input))


def _layer_norm_fused(input, normalized_shape, weight, bias, eps, dims):
    """Layer norm of float32/float64 CPU input (weight and bias of its dtype) with Numba
    kernels, one pass over the rows each way (5x faster than the tensor ops on 256x1024);
    None when it doesn't apply.  Under create_graph the backward falls back to the
    differentiable tensor-op formula."""
    x = input._data
    dt = input.dtype
    params = [p for p in (weight, bias) if p is not None]
    if (type(x) is not np.ndarray or dt not in (D.float32, D.float64) or input.numel() == 0
            or any(p.dtype is not dt or type(p._data) is not np.ndarray
                   or tuple(p.shape) != normalized_shape for p in params)):
        return None
    d = math.prod(normalized_shape)
    x2 = np.ascontiguousarray(x).reshape(-1, d)
    w = np.ascontiguousarray(weight._data).reshape(d) if weight is not None else np.ones(d, x.dtype)
    b = np.ascontiguousarray(bias._data).reshape(d) if bias is not None else np.zeros(d, x.dtype)
    out, mean, rstd = backend.layer_norm(x2, w, b, eps)

    # under create_graph: the tensor-op formula (it recomputes the statistics)
    slow = _normalize_backward(None, None, normalized_shape, dims,
                               tuple(range(input.ndim - len(normalized_shape))), True, bias, eps)

    def backward(g, wt, inp):
        if is_grad_enabled():
            return slow(g, wt, inp)
        g2 = np.ascontiguousarray(g._data, x.dtype).reshape(x2.shape)
        dx, dw, db = backend.layer_norm_backward(g2, x2, mean, rstd, w,
                                                       input._requires_grad)
        return (wrap(dx.reshape(input.shape), dt) if input._requires_grad else None,
                wrap(dw.astype(x.dtype).reshape(normalized_shape), dt)
                if weight is not None else None,
                wrap(db.astype(x.dtype).reshape(normalized_shape), dt)
                if bias is not None else None)
    return graph.attach(wrap(out.reshape(input.shape), dt), "NativeLayerNormBackward0",
                        (input, weight, bias), backward, (weight, input))


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    normalized_shape = tuple(normalized_shape)
    if tuple(input.shape[-len(normalized_shape):]) != normalized_shape:
        raise RuntimeError(f"Given normalized_shape={list(normalized_shape)}, expected input "
                           f"with shape [*, {', '.join(map(str, normalized_shape))}], but got "
                           f"input of size{list(input.shape)}")
    dims = tuple(range(input.ndim - len(normalized_shape), input.ndim))
    fused = _layer_norm_fused(input, normalized_shape, weight, bias, eps, dims)
    if fused is not None:
        return fused
    with no_grad():
        mean = input.mean(dims, keepdim=True)
        var = input.var(dims, keepdim=True, unbiased=False)
        rstd = P.rsqrt(var + eps)
    # weight/bias broadcast over the leading dims as they are
    leading = tuple(range(input.ndim - len(normalized_shape)))
    return _normalize_node("NativeLayerNormBackward0", input, weight, bias, dims,
                           normalized_shape, mean, rstd, leading, eps)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    dims = (0,) + tuple(range(2, input.ndim))
    shape = [1, input.shape[1]] + [1] * (input.ndim - 2)
    with no_grad():
        if training:
            n = input.numel() // input.shape[1]
            if n <= 1:
                raise ValueError(f"Expected more than 1 value per channel when training, got "
                                 f"input size {list(input.shape)}")
            if input.dtype in (D.float32, D.float64) and not input.is_cuda:  # one Numba pass
                m, v = backend.channel_mean_var(input._data)
                mean, var = wrap(m, input.dtype), wrap(v, input.dtype)
            else:
                mean = input.mean(dims)
                var = input.var(dims, unbiased=False)
            if running_mean is not None:
                running_mean.mul_(1 - momentum).add_(mean * momentum)
                running_var.mul_(1 - momentum).add_(var * (momentum * n / (n - 1)))
        else:
            mean, var = running_mean, running_var
        rstd = P.rsqrt(var + eps)
    if input.dtype in (D.float32, D.float64) and mean.dtype is input.dtype and not input.is_cuda:
        return _batch_norm_fused(input, weight, bias, mean, rstd, training, dims, shape,
                                 eps)
    return _normalize_node("NativeBatchNormBackward0", input, weight, bias, dims, shape,
                           mean.reshape(shape), rstd.reshape(shape), dims, eps, training)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    denom = input.norm(p, dim, keepdim=True).clamp(min=eps)
    return P.div(input, denom, out=out)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    n, c = input.shape[0], input.shape[1]
    if c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by "
                           f"num_groups, but got input of shape {list(input.shape)} and "
                           f"num_groups={num_groups}")
    shape = [1, c] + [1] * (input.ndim - 2)

    def f(x, *wb):
        g = x.reshape(n, num_groups, -1)
        mean = g.mean(-1, keepdim=True)
        var = g.var(-1, keepdim=True, unbiased=False)
        out = ((g - mean) * P.rsqrt(var + eps)).reshape(x.shape)
        it = iter(wb)
        if weight is not None:
            out = out * next(it).reshape(shape)
        if bias is not None:
            out = out + next(it).reshape(shape)
        return out
    return composite("NativeGroupNormBackward0", f, input,
                     *(t for t in (weight, bias) if t is not None))


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """batch_norm over the (1, N*C, ...) view, PyTorch's own formulation."""
    n, c = input.shape[0], input.shape[1]

    def rep(t):
        return None if t is None else t.repeat(n)
    rm, rv = rep(running_mean), rep(running_var)
    out = batch_norm(input.reshape((1, n * c) + tuple(input.shape[2:])), rm, rv, rep(weight),
                     rep(bias), use_input_stats, momentum, eps)
    if running_mean is not None and use_input_stats:
        with no_grad():
            running_mean.copy_(rm.reshape(n, c).mean(0))
            running_var.copy_(rv.reshape(n, c).mean(0))
    return out.view(input.shape)
