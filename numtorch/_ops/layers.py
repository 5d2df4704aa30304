"""The ops behind nn's linear, dropout and embedding layers, padding, distances and attention
(nn.functional's)."""

import math

import numpy as np

from .. import _dtype as D
from ..autograd import graph
from ..backend.indexing import check_bounds
from ..random import _rng, rand
from ..tensor import wrap
from . import pointwise as P
from .activation import _inplace, softmax
from .creation import ones
from .index import index_select
from .linalg import addmm
from .shape import embed


def linear(input, weight, bias=None):
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
        mask = P.div(P.ge(rand(input.shape, device=input.device), p).to(input.dtype), 1 - p)
    else:
        keep = _rng(None).random(input._data.shape) >= p
        mask = wrap((keep / (1 - p)).astype(input.dtype.np), input.dtype)
    res = P.mul(input, mask)
    if inplace:
        input.copy_(res)
        return input
    return res


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    if input.dtype not in (D.int64, D.int32):
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the "
                           f"following scalar types: Long, Int; but got {input.dtype} instead")
    if weight.is_cuda:  # rows by index_select (its backward is index_add), same values
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


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    n1 = x1.norm(dim=dim, keepdim=True).clamp(min=eps)
    n2 = x2.norm(dim=dim, keepdim=True).clamp(min=eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    return (x1 - x2 + eps).norm(p, dim=-1, keepdim=keepdim)


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """softmax(q k^T * scale + mask) v, PyTorch's reference formulation."""
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
