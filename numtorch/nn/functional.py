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
from ..autograd.composite import composite
from ..autograd.grad_mode import is_grad_enabled, no_grad
from ..backend.reduction import channel_mean_var as norm_stats
from ..kernels.cpu import elementwise as K
from ..kernels.cpu import reduction as norm_kernels
from ..random import _rng
from ..tensor import wrap
from ._losses import (  # noqa: F401  (public through this module, as in PyTorch)
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cosine_embedding_loss,
    gaussian_nll_loss,
    hinge_embedding_loss,
    huber_loss,
    kl_div,
    l1_loss,
    margin_ranking_loss,
    multi_margin_loss,
    multilabel_soft_margin_loss,
    poisson_nll_loss,
    reduce_loss,
    smooth_l1_loss,
    soft_margin_loss,
    triplet_margin_loss,
    warn_if_sizes_differ,
)

# ---- activations -------------------------------------------------------------------------


def relu(input, inplace=False):
    return input.relu_() if inplace else P.relu(input)


def _inplace(input, inplace, fn):
    """fn(input), written into input when inplace.  Under autograd the node is recorded on a
    snapshot of the input (graph.rebase_inplace): fn's backward re-reads its saved input, which
    overwriting the input itself would destroy."""
    if not inplace:
        return fn(input)
    if is_grad_enabled() and graph.requires_grad(input):
        return graph.rebase_inplace(input, fn, (), {})
    return input.copy_(fn(input))


def _saves_result(op, inplace):
    """PyTorch's node name: its in-place forms differentiate from the result (Backward1)."""
    return f"{op}Backward{int(bool(inplace))}"


def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0, inplace)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    if inplace:
        return input.clamp_(min_val, max_val)
    # the gradient is 0 at the bounds themselves (clamp's passes there)
    return composite("HardtanhBackward0", lambda x: P.where(
        P.logical_and(P.gt(x, min_val), P.lt(x, max_val)), x,
        P.clamp(x, min_val, max_val).detach()), input)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    return _inplace(input, inplace, lambda t: composite(
        _saves_result("LeakyRelu", inplace),
        lambda x: P.where(P.gt(x, 0), x, P.mul(x, negative_slope)), t))


def _elu(x, alpha, scale=1.0, input_scale=1.0):
    neg = P.mul(P.expm1(P.mul(P.clamp(x, max=0.0), input_scale)), alpha * scale)
    return P.where(P.gt(x, 0), P.mul(x, scale) if scale != 1 else x, neg)


def elu(input, alpha=1.0, inplace=False):
    return _inplace(input, inplace, lambda t: composite(
        _saves_result("Elu", inplace), lambda x: _elu(x, alpha), t))


_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def selu(input, inplace=False):
    return _inplace(input, inplace, lambda t: composite(
        _saves_result("Elu", inplace), lambda x: _elu(x, _SELU_ALPHA, _SELU_SCALE), t))


def celu(input, alpha=1.0, inplace=False):
    return _inplace(input, inplace, lambda t: composite(
        _saves_result("Celu", inplace), lambda x: _elu(x, alpha, 1.0, 1.0 / alpha), t))


def gelu(input, approximate="none"):
    if approximate == "tanh":
        def f(x):
            inner = P.mul(P.add(x, P.mul(P.mul(P.mul(x, x), x), 0.044715)),
                          math.sqrt(2 / math.pi))
            return P.mul(P.mul(x, 0.5), P.add(P.tanh(inner), 1.0))
        return composite("GeluBackward0", f, input)
    if approximate != "none":
        raise RuntimeError("approximate argument must be either none or tanh.")
    return P.record_unary(K.GELU, P._unary_forward(K.GELU, input, None, None), input)


def silu(input, inplace=False):
    return _inplace(input, inplace, P.silu)


def mish(input, inplace=False):
    return _inplace(input, inplace, lambda t: composite(
        "MishBackward0", lambda x: P.mul(x, P.tanh(_softplus(x, 1.0, 20.0))), t))


def hardsigmoid(input, inplace=False):
    return _inplace(input, inplace, lambda t: composite(
        "HardsigmoidBackward0", lambda x: P.div(P.clamp(P.add(x, 3.0), 0.0, 6.0), 6.0), t))


def hardswish(input, inplace=False):
    return _inplace(input, inplace, lambda t: composite(
        "HardswishBackward0", lambda x: P.mul(x, P.div(P.clamp(P.add(x, 3.0), 0.0, 6.0), 6.0)),
        t))


def softsign(input):
    return P.div(input, P.add(P.abs(input), 1))


def tanhshrink(input):
    return P.sub(input, P.tanh(input))


def threshold(input, threshold, value, inplace=False):
    return _inplace(input, inplace, lambda t: composite(
        _saves_result("Threshold", inplace),
        lambda x: P.where(P.gt(x, threshold), x, value), t))


def hardshrink(input, lambd=0.5):
    return composite("HardshrinkBackward0",
                     lambda x: P.where(P.gt(P.abs(x), lambd), x, 0.0), input)


def softshrink(input, lambd=0.5):
    def f(x):
        return P.where(P.gt(x, lambd), P.sub(x, lambd),
                       P.where(P.lt(x, -lambd), P.add(x, lambd), 0.0))
    return composite("SoftshrinkBackward0", f, input)


def glu(input, dim=-1):
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    if input.shape[dim] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension "
                           f"{dim % input.ndim} is size {input.shape[dim]}")

    def f(x):
        a, b = x.chunk(2, dim)
        return P.mul(a, P.sigmoid(b))
    return composite("GluBackward0", f, input)


def prelu(input, weight):
    def f(x, w):
        shape = [1] * x.ndim
        if w.numel() > 1:
            shape[1 if x.ndim > 1 else 0] = w.numel()
        return P.where(P.gt(x, 0), x, P.mul(x, w.reshape(shape)))
    return composite("PreluKernelBackward0", f, input, weight)


def sigmoid(input):
    return P.sigmoid(input)


def tanh(input):
    return P.tanh(input)


def _softplus(input, beta, threshold):
    scaled = P.mul(input, beta) if beta != 1 else input
    soft = P.record_unary(K.SOFTPLUS, P._unary_forward(K.SOFTPLUS, scaled, None, None), scaled)
    if beta != 1:
        soft = P.div(soft, beta)
    return P.where(P.gt(scaled, threshold), input, soft)


def softplus(input, beta=1.0, threshold=20.0):
    return composite("SoftplusBackward0", lambda x: _softplus(x, beta, threshold), input)


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    return R.softmax(input, dim, dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    return R.log_softmax(input, dim, dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    return R.softmax(P.neg(input), dim, dtype)


def logsigmoid(input):
    return composite("LogSigmoidBackward0", lambda x: P.neg(_softplus(P.neg(x), 1.0, 20.0)),
                     input)


# ---- linear, dropout, normalisation, embedding ---------------------------------------------


def linear(input, weight, bias=None):
    from .._ops.linalg import addmm
    if input.ndim == 2 and bias is not None:
        return addmm(bias, input, weight.t())
    if input.ndim > 2 and bias is not None:  # as PyTorch: one addmm over the folded batch
        flat = addmm(bias, input.reshape(-1, input.shape[-1]), weight.t())
        return flat.view(tuple(input.shape[:-1]) + (weight.shape[0],))
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
    flat = check_bounds(input._data, n, 0, "index out of range in self")
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
    if arr.size and arr.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if arr.size and arr.max() >= num_classes:
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


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    n1 = x1.norm(dim=dim, keepdim=True).clamp(min=eps)
    n2 = x2.norm(dim=dim, keepdim=True).clamp(min=eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    return (x1 - x2 + eps).norm(p, dim=-1, keepdim=keepdim)


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """softmax(q k^T * scale + mask) v, PyTorch's reference formulation."""
    from .. import ones
    scale = 1 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = query @ key.transpose(-2, -1) * scale
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be "
                               "set when is_causal=True")
        lq, lk = query.shape[-2], key.shape[-2]
        attn_mask = ones(lq, lk, dtype=D.bool_, device=query.device).tril()
    if attn_mask is not None:
        if attn_mask.dtype is D.bool_:
            scores = scores.masked_fill(attn_mask.logical_not(), -math.inf)
        else:
            scores = scores + attn_mask
    weights = softmax(scores, -1)
    if dropout_p > 0:
        weights = dropout(weights, dropout_p)
    return weights @ value


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


__all__ = [n for n in dir() if not n.startswith("_") and n not in
           ("math", "np", "D", "P", "R", "K", "graph", "no_grad", "wrap", "Tensor", "composite",
            "reduce_loss", "warn_if_sizes_differ")]


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
    if size == (1, 1):  # a global average pool is a mean, as PyTorch records it
        out = x.mean((-2, -1), keepdim=True)
        return out.squeeze(0) if unbatched else out
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


# ---- resampling, transposed convolution ------------------------------------------------------


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zeroes whole channels: one mask value per (sample, channel)."""
    if p < 0 or p > 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0:
        return input
    batched = input.ndim == 4
    shape = tuple(input.shape[:2] if batched else input.shape[:1]) + (1, 1)
    keep = _rng(None).random(shape) >= p
    mask = wrap((keep / (1 - p)).astype(input.dtype.np), input.dtype)
    return _inplace(input, inplace, lambda t: P.mul(t, mask))


def pixel_shuffle(input, upscale_factor):
    r = upscale_factor
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but input.size(-3)={c} "
                           f"is not divisible by {r * r}")
    x = input.reshape(*lead, c // (r * r), r, r, h, w)
    n = len(lead)
    x = x.permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)
    return x.reshape(*lead, c // (r * r), h * r, w * r)


def _source_index(out_size, in_size, scale, align_corners):
    """Where each output pixel samples the input along one axis (PyTorch's conventions)."""
    out = np.arange(out_size, dtype=np.float64)
    if align_corners:
        return out * ((in_size - 1) / (out_size - 1) if out_size > 1 else 0.0)
    ratio = 1.0 / scale if scale else in_size / out_size
    return np.maximum((out + 0.5) * ratio - 0.5, 0.0)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """nearest, (bi)linear resampling over the trailing 1 or 2 spatial dims, as index_select
    and weighted sums (so autograd differentiates them)."""
    from .. import tensor as make
    dims = input.ndim - 2
    if dims not in (1, 2):
        raise NotImplementedError(f"numtorch: interpolate over {dims} spatial dims")
    if (size is None) == (scale_factor is None):
        raise ValueError("only one of size or scale_factor should be defined")
    in_sizes = tuple(input.shape[2:])
    scales = _pair(scale_factor, dims) if scale_factor is not None else (None,) * dims
    out_sizes = _pair(size, dims) if size is not None else \
        tuple(int(math.floor(s * f)) for s, f in zip(in_sizes, scales))
    if recompute_scale_factor:
        scales = (None,) * dims
    if mode not in ("nearest", "linear", "bilinear"):
        raise NotImplementedError(f"numtorch: interpolate mode '{mode}'")
    if mode != "nearest" and align_corners is None:
        align_corners = False
    out = input
    for k, (n_in, n_out, sc) in enumerate(zip(in_sizes, out_sizes, scales)):
        axis = 2 + k
        if mode == "nearest":
            ratio = 1.0 / sc if sc else n_in / n_out
            idx = np.minimum(np.floor(np.arange(n_out) * ratio), n_in - 1).astype(np.int64)
            out = out.index_select(axis, make(idx, device=input.device))
            continue
        src = _source_index(n_out, n_in, sc, align_corners)
        lo = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
        hi = np.minimum(lo + 1, n_in - 1)
        frac = (src - lo).astype(input.dtype.np)
        shape = [1] * input.ndim
        shape[axis] = n_out
        w = make(frac.reshape(shape), device=input.device)
        a = out.index_select(axis, make(lo, device=input.device))
        b = out.index_select(axis, make(hi, device=input.device))
        out = a + (b - a) * w
    return out


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    return interpolate(input, size, scale_factor, mode, align_corners)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1):
    """The gradient of conv2d with respect to its input, written as a conv2d: the input
    spread out by `stride` (zeros between), padded by the kernel's reach minus `padding`,
    convolved with the weights flipped and transposed per group."""
    from .. import cat
    x, unbatched = _spatial_input("conv_transpose2d", input, 2)
    stride, padding = _pair(stride), _pair(padding)
    output_padding, dilation = _pair(output_padding), _pair(dilation)
    cin, cout_g, kh, kw = weight.shape
    if x.shape[1] != cin:
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected "
                           f"input{list(x.shape)} to have {cin} channels, but got "
                           f"{x.shape[1]} channels instead")
    for ax, s in ((3, stride[0]), (4, stride[1])):
        if s > 1:  # interleave s - 1 zeros after every element, then drop the trailing ones
            xs = x.unsqueeze(ax)
            zeros = xs.new_zeros(tuple(xs.shape[:ax]) + (s - 1,) + tuple(xs.shape[ax + 1:]))
            n = x.shape[ax - 1]
            x = cat([xs, zeros], ax).reshape(*x.shape[:ax - 1], n * s, *x.shape[ax:])
            x = x.narrow(ax - 1, 0, (n - 1) * s + 1)
    reach = (dilation[0] * (kh - 1) - padding[0], dilation[1] * (kw - 1) - padding[1])
    pads = (reach[1], reach[1] + output_padding[1], reach[0], reach[0] + output_padding[0])
    if any(p < 0 for p in pads):  # padding beyond the reach crops instead
        crop = [max(-p, 0) for p in pads]
        x = x.narrow(3, crop[0], x.shape[3] - crop[0] - crop[1])
        x = x.narrow(2, crop[2], x.shape[2] - crop[2] - crop[3])
        pads = tuple(max(p, 0) for p in pads)
    if any(pads):
        x = pad(x, pads)
    w = weight.reshape(groups, cin // groups, cout_g, kh, kw).transpose(1, 2)
    w = w.reshape(groups * cout_g, cin // groups, kh, kw).flip((-2, -1))
    out = conv2d(x, w, bias, 1, 0, dilation, groups)
    return out.squeeze(0) if unbatched else out
