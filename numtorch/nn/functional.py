"""nn.functional: activations, linear, dropout, normalisation, embedding and losses.

Everything here is written against the public Tensor API; losses that PyTorch records as one
node (MseLossBackward0, NllLossBackward0, ...) compute their forward without a graph and attach
that node with its gradient.
"""

import math

import numpy as np

from .. import _dtype as D
from .._ops import pointwise as P
from .._ops import reduce as R
from ..autograd import graph
from ..autograd.grad_mode import is_grad_enabled, no_grad
from ..backend.reduction import channel_mean_var as norm_stats
from ..kernels.cpu import elementwise as K
from ..kernels.cpu import reduction as norm_kernels
from ..random import _rng
from ..tensor import wrap

# ---- activations -------------------------------------------------------------------------


def relu(input, inplace=False):
    return input.relu_() if inplace else P.relu(input)


def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0, inplace)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    return input.clamp_(min_val, max_val) if inplace else P.clamp(input, min_val, max_val)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    res = P.where(P.gt(input, 0), input, P.mul(input, negative_slope))
    if inplace:
        input.copy_(res)
        return input
    return res


def elu(input, alpha=1.0, inplace=False):
    res = P.where(P.gt(input, 0), input, P.mul(P.expm1(P.clamp(input, max=0.0)), alpha))
    if inplace:
        input.copy_(res)
        return input
    return res


def gelu(input, approximate="none"):
    if approximate == "tanh":
        x = input
        inner = P.mul(P.add(x, P.mul(P.mul(P.mul(x, x), x), 0.044715)), math.sqrt(2 / math.pi))
        return P.mul(P.mul(x, 0.5), P.add(P.tanh(inner), 1.0))
    return P.record_unary(K.GELU, P._unary_forward(K.GELU, input, None, None), input)


def silu(input, inplace=False):
    return P.silu(input)


def sigmoid(input):
    return P.sigmoid(input)


def tanh(input):
    return P.tanh(input)


def softplus(input, beta=1.0, threshold=20.0):
    scaled = P.mul(input, beta) if beta != 1 else input
    soft = P.record_unary(K.SOFTPLUS, P._unary_forward(K.SOFTPLUS, scaled, None, None), scaled)
    if beta != 1:
        soft = P.div(soft, beta)
    return P.where(P.gt(scaled, threshold), input, soft)


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    return R.softmax(input, dim, dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    return R.log_softmax(input, dim, dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    return R.softmax(P.neg(input), dim, dtype)


def logsigmoid(input):
    return P.neg(softplus(P.neg(input)))


# ---- linear, dropout, normalisation, embedding ---------------------------------------------


def linear(input, weight, bias=None):
    if input.ndim == 2 and bias is not None:
        from .._ops.linalg import addmm
        return addmm(bias, input, weight.t())
    out = input.matmul(weight.t())
    return out + bias if bias is not None else out


def bilinear(input1, input2, weight, bias=None):
    # out[n, o] = x1[n, i] W[o, i, j] x2[n, j] + b[o]
    out = (input1.unsqueeze(1).unsqueeze(-2) @ weight.unsqueeze(0)
           @ input2.unsqueeze(1).unsqueeze(-1)).squeeze(-1).squeeze(-1)
    return out + bias if bias is not None else out


def dropout(input, p=0.5, training=True, inplace=False):
    if p < 0 or p > 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0:
        return input
    if p == 1:
        return P.mul(input, 0.0)
    if input.is_cuda:
        from ..random import rand
        mask = P.div(P.ge(rand(input.shape, device=input.device), p).to(input.dtype), 1 - p)
    else:
        keep = _rng(None).random(input._data.shape) >= p
        mask = wrap((keep / (1 - p)).astype(input.dtype.np), input.dtype)
    res = P.mul(input, mask)
    if inplace:
        input.copy_(res)
        return input
    return res


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
    out = np.empty_like(x3)
    norm_kernels.channel_affine(x3, scale, (bias._data if bias is not None else 0) - m * scale,
                                out)
    out = wrap(out.reshape(x.shape), input.dtype)

    slow = _normalize_backward(mean.reshape(shape), rstd.reshape(shape), shape, dims,
                               (0,) + dims[1:], training, bias, eps)

    def backward(g, wt, inp):
        if is_grad_enabled():
            return slow(g, wt, inp)
        g3 = np.ascontiguousarray(g._data).reshape(x3.shape)
        sum_g = np.empty(m.shape, np.float64)
        sum_gx = np.empty(m.shape, np.float64)
        norm_kernels.channel_grad_sums(g3, x3, m, r, sum_g, sum_gx)
        dx = None
        if input._requires_grad:
            count = x3.shape[0] * x3.shape[2]
            if training:
                k_x = -r * r * w * sum_gx / count
                k_0 = -scale * sum_g / count
            else:
                k_x = k_0 = np.zeros_like(scale)
            dx = np.empty_like(x3)
            norm_kernels.batch_norm_input_grad(g3, x3, m, r, scale.astype(x.dtype),
                                               k_x.astype(x.dtype), k_0.astype(x.dtype), dx)
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
    out = np.empty_like(x2)
    mean, rstd = np.empty(len(x2)), np.empty(len(x2))
    norm_kernels.layer_norm_rows(x2, w, b, float(eps), out, mean, rstd)

    # under create_graph: the tensor-op formula (it recomputes the statistics)
    slow = _normalize_backward(None, None, normalized_shape, dims,
                               tuple(range(input.ndim - len(normalized_shape))), True, bias, eps)

    def backward(g, wt, inp):
        if is_grad_enabled():
            return slow(g, wt, inp)
        g2 = np.ascontiguousarray(g._data, x.dtype).reshape(x2.shape)
        dx = np.empty_like(x2) if input._requires_grad else np.empty((0, d), x.dtype)
        dw, db = np.zeros(d), np.zeros(d)
        norm_kernels.layer_norm_rows_backward(g2, x2, mean, rstd, w, dx, dw, db)
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
                m, v = norm_stats(input._data)
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


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    if input.dtype not in (D.int64, D.int32):
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the "
                           f"following scalar types: Long, Int; but got {input.dtype} instead")
    from ..backend.indexing import check_bounds
    if weight.is_cuda:  # rows by index_select (its backward is index_add), same values
        from .._ops.index import index_select
        rows = index_select(weight, 0, input.reshape(-1))
        if padding_idx is not None:  # same values; the padding row's gradient held back
            pad = padding_idx + weight.shape[0] if padding_idx < 0 else padding_idx
            keep = P.ne(input.reshape(-1, 1), pad)
            rows = P.where(keep, rows, rows.detach())
        return rows.reshape(tuple(input.shape) + (weight.shape[1],))
    n = weight.shape[0]
    flat = check_bounds(input._data, n, 0, IndexError, "index out of range in self")
    flat = np.where(flat < 0, flat + n, flat)
    out = wrap(weight._data[flat].reshape(tuple(input.shape) + (weight.shape[1],)),
               weight.dtype)
    rows = flat if padding_idx is None else flat[flat != padding_idx]
    keep = None if padding_idx is None else (flat != padding_idx)
    wshape = tuple(weight.shape)

    def backward(g):
        g2 = g.reshape(-1, wshape[1])
        if keep is not None:
            g2 = g2[wrap(keep, D.bool_)]
        from .._ops.shape import embed
        return embed(g2, wshape, (rows,))
    return graph.attach(out, "EmbeddingBackward0", (weight,), backward)


def one_hot(tensor, num_classes=-1):
    if tensor.dtype is not D.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    arr = tensor._data
    if num_classes == -1:
        num_classes = int(arr.max()) + 1 if arr.size else 0
    if arr.size and (arr.min() < 0 or arr.max() >= num_classes):
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = np.zeros(arr.shape + (num_classes,), np.int64, like=arr)
    np.put_along_axis(out, arr[..., None], 1, axis=-1)
    return wrap(out, D.int64)


def pad(input, pad, mode="constant", value=None):
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.ndim:
        raise RuntimeError("Padding length too large")
    if mode != "constant":
        raise NotImplementedError(f"numtorch: pad mode '{mode}' is not implemented")
    widths = [(0, 0)] * input.ndim
    for i in range(len(pad) // 2):
        widths[input.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    if any(a < 0 or b < 0 for a, b in widths):
        raise NotImplementedError("numtorch: negative padding is not implemented")
    out = np.pad(input._data, widths, constant_values=0 if value is None else value)
    key = tuple(slice(a, a + n) for (a, _), n in zip(widths, input._data.shape))
    return graph.attach(wrap(out, input.dtype), "ConstantPadNdBackward0", (input,),
                        lambda g: g[key])


# ---- losses --------------------------------------------------------------------------------


def _reduce(loss, reduction):
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _check_same_size(name, input, target):
    if tuple(input.shape) != tuple(target.shape):
        import warnings
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input "
                      f"size ({input.shape}). This will likely lead to incorrect results due "
                      f"to broadcasting. Please ensure they have the same size.", UserWarning,
                      stacklevel=3)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    _check_same_size("mse_loss", input, target)
    if reduction == "none":
        d = input - target
        return d * d
    with no_grad():
        d = input - target
        loss = _reduce(d * d, reduction)
    scale = 2.0 / d.numel() if reduction == "mean" else 2.0
    return graph.attach(loss, "MseLossBackward0", (input, target),
                        lambda g, x, y: ((x - y) * (g * scale), (y - x) * (g * scale)),
                        (input, target))


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    _check_same_size("l1_loss", input, target)
    return _reduce(P.abs(input - target), reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    _check_same_size("smooth_l1_loss", input, target)
    d = P.abs(input - target)
    if beta == 0:
        return _reduce(d, reduction)
    loss = P.where(P.lt(d, beta), d * d * (0.5 / beta), d - 0.5 * beta)
    return _reduce(loss, reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    _check_same_size("huber_loss", input, target)
    d = P.abs(input - target)
    loss = P.where(P.lt(d, delta), d * d * 0.5, (d - 0.5 * delta) * delta)
    return _reduce(loss, reduction)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input "
                         f"size ({input.shape}) is deprecated. Please ensure they have the same "
                         f"size.")
    if ((input._data < 0) | (input._data > 1)).any():
        raise RuntimeError("all elements of input should be between 0 and 1")
    # PyTorch clamps the logs at -100 so that 0 * log(0) stays finite
    log_p = P.clamp(P.log(input), min=-100.0)
    log_q = P.clamp(P.log(1 - input), min=-100.0)
    loss = -(target * log_p + (1 - target) * log_q)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,
                                     reduce=None, reduction="mean", pos_weight=None):
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(f"Target size ({target.shape}) must be the same as input size "
                         f"({input.shape})")
    # log(1 + e^-x) computed stably as softplus(-x)
    neg_logsig = softplus(P.neg(input))
    if pos_weight is not None:
        lw = 1 + (pos_weight - 1) * target
        loss = (1 - target) * input + lw * neg_logsig
    else:
        loss = (1 - target) * input + neg_logsig
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    if input.ndim < 1:
        raise ValueError("Expected 1 or more dimensions (got 0)")
    if target.dtype not in (D.int64, D.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got "
                           f"{_scalar_name(target.dtype)}")
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
    losses, wt = np.empty(t.size, kt), np.empty(t.size, kt)
    total, total_w, bad = norm_kernels.nll_rows(
        np.ascontiguousarray(logp._data, kt), t, w, ignore_index, losses, wt)
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
    from .._ops.index import gather, index_select
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


def _scalar_name(dt):
    return {"int32": "Int", "float32": "Float", "float64": "Double", "int16": "Short",
            "int8": "Char", "bool": "Bool", "float16": "Half"}.get(dt.name, dt.name)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    logp = log_softmax(input, 1 if input.ndim > 1 else 0)
    if target.dtype.is_floating_point:  # class probabilities
        if label_smoothing:
            target = target * (1 - label_smoothing) + label_smoothing / input.shape[1]
        w = 1 if weight is None else weight.reshape([1, -1] + [1] * (input.ndim - 2))
        loss = -(logp * target * w).sum(1 if input.ndim > 1 else 0)
        return _reduce(loss, reduction)
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


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    loss = P.exp(target) * (target - input) if log_target else \
        P.where(P.gt(target, 0), target * (P.log(P.clamp(target, min=1e-45)) - input), 0.0)
    if reduction == "batchmean":
        return loss.sum() / input.shape[0]
    return _reduce(loss, reduction)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    num = (x1 * x2).sum(dim)
    return num / (x1.norm(dim=dim).clamp(min=eps) * x2.norm(dim=dim).clamp(min=eps))


__all__ = [n for n in dir() if not n.startswith("_") and n not in
           ("math", "np", "D", "P", "R", "K", "graph", "no_grad", "wrap", "Tensor")]


# ---- convolution and pooling ----------------------------------------------------------------


def _pair(v, n=2):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


def _spatial_input(name, input, dims):
    """Accept batched (N, C, *spatial) or unbatched (C, *spatial) input."""
    if input.ndim == dims + 1:
        return input.unsqueeze(0), True
    if input.ndim != dims + 2:
        raise RuntimeError(f"Expected {dims + 1}D (unbatched) or {dims + 2}D (batched) input "
                           f"to {name}, but got input of size: {list(input.shape)}")
    return input, False


def _check_conv_bias(x, weight, bias):
    from ..backend.elementwise import DEVICE_MISMATCH
    if bias.ndim != 1 or bias.shape[0] != weight.shape[0]:
        raise RuntimeError(f"Given weight of size {list(weight.shape)}, expected bias to be "
                           f"1-dimensional with {weight.shape[0]} elements, but got bias of "
                           f"size {list(bias.shape)} instead")
    if bias.dtype is not x.dtype:
        from .._ops.linalg import _dtype_name
        raise RuntimeError(f"Input type ({_dtype_name(x.dtype)}) and bias type "
                           f"({_dtype_name(bias.dtype)}) should be the same")
    if bias.device != x.device:
        raise RuntimeError(DEVICE_MISMATCH)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    from ..backend import conv as C
    x, unbatched = _spatial_input("conv2d", input, 2)
    stride, dilation = _pair(stride), _pair(dilation)
    kh, kw = weight.shape[2], weight.shape[3]
    if isinstance(padding, str):
        if padding == "valid":
            padding = (0, 0)
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
            total = [dilation[0] * (kh - 1), dilation[1] * (kw - 1)]
            if any(t % 2 for t in total):  # asymmetric: pad the extra on the right/bottom
                x = pad(x, (total[1] // 2, total[1] - total[1] // 2,
                            total[0] // 2, total[0] - total[0] // 2))
                padding = (0, 0)
            else:
                padding = (total[0] // 2, total[1] // 2)
        else:
            raise ValueError(f"Invalid padding string '{padding}', should be one of "
                             f"{{'valid', 'same'}}")
    padding = _pair(padding)
    if weight.ndim != 4:
        raise RuntimeError("weight should have at least three dimensions")
    if x.shape[1] != weight.shape[1] * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {list(weight.shape)}, "
                           f"expected input{list(x.shape)} to have "
                           f"{weight.shape[1] * groups} channels, but got {x.shape[1]} "
                           f"channels instead")
    if weight.shape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by "
                           f"{groups} at dimension 0, but got weight of size "
                           f"{list(weight.shape)} instead")
    ph_, pw_ = x.shape[2] + 2 * padding[0], x.shape[3] + 2 * padding[1]
    ekh, ekw = dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1
    if ph_ < ekh or pw_ < ekw:
        raise RuntimeError(f"Calculated padded input size per channel: ({ph_} x {pw_}). Kernel "
                           f"size: ({ekh} x {ekw}). Kernel size can't be greater than actual "
                           f"input size")
    if x.dtype is not weight.dtype:
        raise RuntimeError(f"expected scalar type {_scalar_name(x.dtype)} but found "
                           f"{_scalar_name(weight.dtype)}")
    if bias is not None:
        _check_conv_bias(x, weight, bias)
    out_arr, saved = C.conv2d_forward(x._data, weight._data,
                                      None if bias is None else bias._data, stride, padding,
                                      dilation, groups)
    out = wrap(out_arr.astype(x.dtype.np, copy=False), x.dtype)
    x_shape = x._data.shape
    need_x, need_w = x._requires_grad, weight._requires_grad
    need_b = bias is not None and bias._requires_grad

    # x is saved (unused; the backward reads its copy in `saved`) because PyTorch saves it:
    # an in-place write to x before backward raises there, so it raises here
    def backward(g, _x, w):
        dx, dw, db = C.conv2d_backward(g._data, x_shape, w._data, saved, stride, padding,
                                       dilation, groups, need_x, need_w, need_b)
        return tuple(None if a is None else wrap(a.astype(t.dtype.np, copy=False), t.dtype)
                     for a, t in ((dx, x), (dw, w), (db, bias)))
    out = graph.attach(out, "ConvolutionBackward0", (x, weight, bias), backward, (x, weight))
    return out.squeeze(0) if unbatched else out


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    x, unbatched = _spatial_input("conv1d", input, 1)
    if isinstance(padding, str):
        pad2 = padding
    else:
        pad2 = (0, _pair(padding, 1)[0])
    out = conv2d(x.unsqueeze(2), weight.unsqueeze(2), bias, (1, _pair(stride, 1)[0]), pad2,
                 (1, _pair(dilation, 1)[0]), groups).squeeze(2)
    return out.squeeze(0) if unbatched else out


def _pool_args(kernel_size, stride, padding, dilation=1):
    kernel = _pair(kernel_size)
    stride = kernel if stride is None or (isinstance(stride, (list, tuple)) and not stride) \
        else _pair(stride)
    padding, dilation = _pair(padding), _pair(dilation)
    for k, p in zip(kernel, padding):
        if p > k // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                               f"pad={p}, kernel_size={k} and dilation={dilation[0]}")
    return kernel, stride, padding, dilation


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    from ..backend import conv as C
    x, unbatched = _spatial_input("max_pool2d", input, 2)
    kernel, stride, padding, dilation = _pool_args(kernel_size, stride, padding, dilation)
    out_arr, argmax = C.max_pool2d(x._data, kernel, stride, padding, dilation, ceil_mode)
    if out_arr.shape[2] <= 0 or out_arr.shape[3] <= 0:
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, x.shape[1:]))}). "
                           f"Calculated output size: ({x.shape[1]}x{out_arr.shape[2]}x"
                           f"{out_arr.shape[3]}). Output size is too small")
    out = wrap(out_arr.astype(x.dtype.np, copy=False), x.dtype)
    x_shape = x._data.shape
    out = graph.attach(out, "MaxPool2DWithIndicesBackward0", (x,),
                       lambda g: wrap(C.max_pool2d_backward(g._data, argmax, x_shape)
                                      .astype(x.dtype.np, copy=False), x.dtype))
    if unbatched:
        out = out.squeeze(0)
    if return_indices:
        idx = wrap(argmax[0] if unbatched else argmax, D.int64)
        return out, idx
    return out


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    from ..backend import conv as C
    x, unbatched = _spatial_input("avg_pool2d", input, 2)
    kernel, stride, padding, _ = _pool_args(kernel_size, stride, padding)
    out_arr = C.avg_pool2d(x._data, kernel, stride, padding, ceil_mode, count_include_pad,
                           divisor_override)
    out = wrap(out_arr.astype(x.dtype.np, copy=False), x.dtype)
    x_shape = x._data.shape
    out = graph.attach(out, "AvgPool2DBackward0", (x,),
                       lambda g: wrap(C.avg_pool2d_backward(
                           g._data, x_shape, kernel, stride, padding, count_include_pad,
                           divisor_override).astype(x.dtype.np, copy=False), x.dtype))
    return out.squeeze(0) if unbatched else out


def adaptive_avg_pool2d(input, output_size):
    from ..backend import conv as C
    x, unbatched = _spatial_input("adaptive_avg_pool2d", input, 2)
    size = tuple(x.shape[2 + i] if s is None else s for i, s in enumerate(_pair(output_size)))
    out = wrap(C.adaptive_avg_pool2d(x._data, size).astype(x.dtype.np, copy=False), x.dtype)
    x_shape = x._data.shape
    out = graph.attach(out, "AdaptiveAvgPool2DBackward0", (x,),
                       lambda g: wrap(C.adaptive_avg_pool2d_backward(g._data, x_shape)
                                      .astype(x.dtype.np, copy=False), x.dtype))
    return out.squeeze(0) if unbatched else out


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    x, unbatched = _spatial_input("max_pool1d", input, 1)
    k, s = _pair(kernel_size, 1)[0], _pair(stride if stride is not None else kernel_size, 1)[0]
    out = max_pool2d(x.unsqueeze(2), (1, k), (1, s), (0, _pair(padding, 1)[0]),
                     (1, _pair(dilation, 1)[0]), ceil_mode, return_indices)
    if return_indices:
        out, idx = out
        out, idx = out.squeeze(2), idx.squeeze(2)
        return (out.squeeze(0), idx.squeeze(0)) if unbatched else (out, idx)
    out = out.squeeze(2)
    return out.squeeze(0) if unbatched else out


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    x, unbatched = _spatial_input("avg_pool1d", input, 1)
    k, s = _pair(kernel_size, 1)[0], _pair(stride if stride is not None else kernel_size, 1)[0]
    out = avg_pool2d(x.unsqueeze(2), (1, k), (1, s), (0, _pair(padding, 1)[0]), ceil_mode,
                     count_include_pad).squeeze(2)
    return out.squeeze(0) if unbatched else out
