"""Random tensor programs for differential testing against PyTorch.

A program is a start tensor (random dtype and shape -- 0-d, size-0 and broadcastable pairs
included -- optionally seen through a transpose, a strided slice or an expand), then 1-4 ops
drawn from the public op list, each given the running value (and, for binary ops, a second
operand of a broadcastable shape).  `run(m, program)` replays one on a library module `m`
(numtorch or torch), so the same program runs on both and the results can be compared.
"""

import numpy as np
from hypothesis import strategies as st

DTYPES = ["float32", "float64", "int64", "int32", "bool"]

UNARY = ["neg", "abs", "exp", "log", "sqrt", "sin", "tanh", "sigmoid", "relu", "floor", "ceil",
         "round", "trunc", "sign", "reciprocal", "square", "erf", "expm1", "log1p", "frac",
         "isnan", "isinf", "logical_not", "t_or_same", "contiguous", "flatten", "clone",
         "cumsum0", "flip0", "sum", "mean", "amax", "amin", "prod", "sum_last", "max_last",
         "argmax", "std", "var", "norm", "logsumexp", "softmax_last", "log_softmax_last",
         "any", "all", "count_nonzero", "unsqueeze0", "squeeze", "tril", "triu", "float",
         "double", "long", "bool_", "clamp", "nan_to_num", "sort_last", "cummax0",
         # more elementwise math
         "exp2", "rsqrt", "sinh", "cosh", "asinh", "acosh", "atanh", "atan", "asin", "acos",
         # (no signbit: the sign bit of a NaN made by an invalid op differs between libms)
         # (nanmean is left out too: its gradient at an all-NaN slice is 0 here, NaN in PyTorch)
         "tan", "cos", "log2", "log10", "fix", "isfinite", "isposinf", "nansum",
         # reductions and scans with arguments
         "amax_keep", "cumprod0", "cummin0", "var_mean0", "aminmax_max", "sum_keep01",
         # shape and indexing
         "roll1", "repeat2", "take0", "gather0", "index_select0", "masked_fill_pos",
         "sort_idx", "argsort_last", "topk1", "kthvalue1", "unique", "flip_all", "movedim",
         "unbind0", "chunk2", "cat_self", "stack_self", "trace", "diag", "outer_self",
         "reshape_flat", "permute_rev", "narrow0", "expand_self", "select_last",
         # aliases and the rest of the public op list (test_api_coverage.py keeps it whole)
         "absolute", "negative", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctanh",
         "erfc", "logit", "isneginf", "isreal", "bitwise_not", "clamp_max1", "clamp_min1",
         "clip", "argmin", "argwhere", "nonzero", "masked_select_pos", "atleast_1d",
         "atleast_2d", "diagonal", "fliplr", "flipud", "msort", "moveaxis", "swapaxes",
         "swapdims", "broadcast_to", "repeat_interleave", "split1", "tensor_split2", "tile",
         "unflatten", "unique_consecutive", "std_mean0", "take_along_dim", "hstack_self",
         "vstack_self", "concat_self", "concatenate_self", "bincount", "bucketize",
         "searchsorted", "mm_self", "bmm_self", "mv_self", "dot_self", "inner_self",
         "ger_self", "tensordot_self", "einsum_self", "addmm_self", "addmv_self",
         "baddbmm_self", "cross_flip", "scatter0", "scatter_add0", "index_add0",
         "ones_like", "zeros_like", "full_like", "empty_like_shape"]
BINARY = ["add", "sub", "mul", "div", "floor_divide", "remainder", "fmod", "pow", "maximum",
          "minimum", "atan2", "eq", "ne", "lt", "ge", "logical_and", "logical_xor",
          "bitwise_and", "where", "lerp_half", "matmul", "hypot", "fmax", "fmin", "logical_or",
          "gt", "le", "bitwise_or", "bitwise_xor", "addcmul_half", "clamp_min_t", "mul_",
          "divide", "multiply", "subtract", "true_divide", "not_equal", "greater",
          "greater_equal", "less", "less_equal", "arctan2", "float_power", "rsub",
          "bitwise_left_shift", "bitwise_right_shift", "isclose", "equal", "allclose",
          "addcdiv_half", "clamp_max_t", "broadcast_tensors", "meshgrid"]

REDUCE_FLOAT = {"mean", "std", "var", "norm", "logsumexp", "softmax_last", "log_softmax_last"}


def _apply_unary(m, name, x):
    nd = x.ndim
    if name in ("std", "var") and x.numel() < 2:
        # one degree of freedom or none: PyTorch warns and its gradient conventions there
        # (inf vs NaN) are not worth mirroring; use the population statistic instead
        return getattr(x, name)(unbiased=False)
    if name == "t_or_same":
        return x.t() if nd <= 2 else x.transpose(0, 1)
    if name == "cumsum0":
        return x.cumsum(0) if nd else x.cumsum(0)
    if name == "flip0":
        return x.flip(0) if nd else x
    if name == "sum_last":
        return x.sum(-1) if nd else x.sum()
    if name == "max_last":
        return x.max(-1).values if nd else x.max()
    if name == "softmax_last":
        return x.softmax(-1)
    if name == "log_softmax_last":
        return x.log_softmax(-1)
    if name == "unsqueeze0":
        return x.unsqueeze(0)
    if name in ("tril", "triu"):
        return getattr(x, name)()
    if name == "bool_":
        return x.bool()
    if name == "clamp":
        return x.clamp(-1, 2)
    if name == "sort_last":
        return x.sort(-1).values if nd else x
    if name == "cummax0":
        return x.cummax(0).values
    if name == "count_nonzero":
        return m.count_nonzero(x)
    return _apply_more(m, name, x, nd)


def _ties(m, x):
    """Whether some row of x (along the last dim) holds a repeated value; bool rows are let
    through (topk and kthvalue refuse bool, which is checked)."""
    if x.dtype == m.bool:
        return False
    s = x.sort(-1).values
    return bool((s[..., 1:] == s[..., :-1]).any())


def _index(m, *values):
    return m.tensor(list(values), dtype=m.int64)


def _apply_more(m, name, x, nd):
    first = x.shape[0] if nd else 0
    table = {
        "amax_keep": lambda: x.amax(-1, keepdim=True) if nd else x.amax(),
        "cumprod0": lambda: x.cumprod(0),
        "cummin0": lambda: x.cummin(0).values,
        "var_mean0": lambda: m.var_mean(x, 0)[0] if nd else m.var_mean(x)[1],
        "aminmax_max": lambda: m.aminmax(x).max,
        "sum_keep01": lambda: x.sum((0, 1), keepdim=True) if nd >= 2 else x.sum(),
        "roll1": lambda: x.roll(1, 0) if nd else x.roll(1),
        "repeat2": lambda: x.repeat(*([2] + [1] * max(nd - 1, 0))) if nd else x.repeat(2),
        "take0": lambda: x.take(_index(m, 0, -1)) if x.numel() else x,
        "gather0": lambda: x.gather(0, m.zeros_like(x, dtype=m.int64)) if x.numel() else x,
        "index_select0": lambda: x.index_select(0, _index(m, first - 1, 0)) if first else x,
        "masked_fill_pos": lambda: x.masked_fill(x > 0 if x.dtype != m.bool else x, 1),
        "sort_idx": lambda: x.sort(-1).indices if nd else x,
        "argsort_last": lambda: x.argsort(-1) if nd else x,
        # (with ties PyTorch picks an implementation-defined element, and the gradient follows
        # it, so tied rows take amax/amin instead -- on both libraries alike)
        "topk1": lambda: (x.topk(1).values if not _ties(m, x) else x.amax(-1, keepdim=True))
        if nd and x.shape[-1] else x,
        "kthvalue1": lambda: (x.kthvalue(1).values if not _ties(m, x) else x.amin(-1))
        if nd and x.shape[-1] else x,
        "unique": lambda: m.unique(x),
        "flip_all": lambda: x.flip(list(range(nd))) if nd else x,
        "movedim": lambda: x.movedim(0, -1) if nd else x,
        "unbind0": lambda: x.unbind(0)[0] if first else x,
        "chunk2": lambda: x.chunk(2)[0] if first else x,
        "cat_self": lambda: m.cat([x, x]) if nd else x,
        "stack_self": lambda: m.stack([x, x], -1),
        "trace": lambda: x.trace() if nd == 2 else x,
        "diag": lambda: x.diag() if nd in (1, 2) else x,
        "outer_self": lambda: m.outer(x, x) if nd == 1 else x,
        "reshape_flat": lambda: x.reshape(-1),
        "permute_rev": lambda: x.permute(*range(nd - 1, -1, -1)),
        "narrow0": lambda: x.narrow(0, 0, 1) if first else x,
        "expand_self": lambda: x.expand(2, *x.shape),
        "select_last": lambda: x.select(-1, -1) if nd and x.shape[-1] else x,
        "clamp_max1": lambda: x.clamp_max(1),
        "clamp_min1": lambda: x.clamp_min(1),
        "clip": lambda: x.clip(-1, 2),
        "masked_select_pos": lambda: x.masked_select(x > 0 if x.dtype != m.bool else x),
        "atleast_1d": lambda: m.atleast_1d(x),
        "atleast_2d": lambda: m.atleast_2d(x),
        "diagonal": lambda: x.diagonal() if nd >= 2 else x,
        "fliplr": lambda: m.fliplr(x),
        "flipud": lambda: m.flipud(x),
        "msort": lambda: m.msort(x),
        "moveaxis": lambda: m.moveaxis(x, 0, -1) if nd else x,
        "swapaxes": lambda: m.swapaxes(x, 0, -1) if nd else x,
        "swapdims": lambda: m.swapdims(x, 0, -1) if nd else x,
        "broadcast_to": lambda: m.broadcast_to(x, (2, *x.shape)),
        "repeat_interleave": lambda: x.repeat_interleave(2, 0) if nd else x.repeat_interleave(2),
        "split1": lambda: x.split(1)[-1] if first else x,
        "tensor_split2": lambda: m.tensor_split(x, 2)[-1] if nd else x,
        "tile": lambda: x.tile((2,)),
        "unflatten": lambda: x.unflatten(0, (1, first)) if nd else x,
        "unique_consecutive": lambda: m.unique_consecutive(x),
        "std_mean0": lambda: (m.std_mean(x, 0)[0] if nd and first > 1
                              else m.std_mean(x, unbiased=False)[1]),
        "take_along_dim": lambda: m.take_along_dim(x, x.argsort(-1), -1) if nd else x,
        "hstack_self": lambda: m.hstack([x, x]),
        "vstack_self": lambda: m.vstack([x, x]),
        "concat_self": lambda: m.concat([x, x]) if nd else x,
        "concatenate_self": lambda: m.concatenate([x, x], -1) if nd else x,
        "bincount": lambda: m.bincount(x.flatten().abs()),
        "bucketize": lambda: m.bucketize(x, m.tensor([-1.0, 0.0, 2.0])),
        "searchsorted": lambda: m.searchsorted(m.tensor([-1.0, 0.0, 2.0]), x, right=True),
        "mm_self": lambda: m.mm(x, x.t()) if nd == 2 else x,
        "bmm_self": lambda: m.bmm(x, x.transpose(1, 2)) if nd == 3 else x,
        "mv_self": lambda: m.mv(x, x[0]) if nd == 2 and first else x,
        "dot_self": lambda: m.dot(x, x.flip(0)) if nd == 1 else x,
        # (bool inner is refused or not by PyTorch depending on memory layout: left out)
        "inner_self": lambda: m.inner(x, x) if x.dtype != m.bool else x,
        "ger_self": lambda: m.ger(x, x.flip(0)) if nd == 1 else x,
        "tensordot_self": lambda: m.tensordot(x, x, dims=([0], [0]))
        if nd and x.dtype != m.bool else x,  # (bool: the same layout quirk as inner)
        "einsum_self": lambda: m.einsum("ij,kj->ik", x, x) if nd == 2 else x,
        "addmm_self": lambda: m.addmm(x.t() @ x, x.t(), x, beta=0.5) if nd == 2 else x,
        "addmv_self": lambda: m.addmv(x[0], x.t(), x[0]) if nd == 2 and first and
        x.shape[0] == x.shape[1] else x,
        "baddbmm_self": lambda: m.baddbmm(x, x, x, alpha=2.0) if nd == 3 and
        x.shape[1] == x.shape[2] else x,
        "cross_flip": lambda: m.cross(x, x.flip(-1), dim=-1) if nd and x.shape[-1] == 3 else x,
        "scatter0": lambda: x.scatter(0, m.zeros_like(x, dtype=m.int64), x) if nd else x,
        "scatter_add0": lambda: m.scatter_add(x, 0, m.zeros_like(x, dtype=m.int64), x)
        if nd else x,
        "index_add0": lambda: m.index_add(x, 0, _index(m, *([0] * first)), x) if first else x,
        "ones_like": lambda: m.ones_like(x),
        "zeros_like": lambda: m.zeros_like(x),
        "full_like": lambda: m.full_like(x, 3),
        # its values are arbitrary: shape and dtype are what is compared
        "empty_like_shape": lambda: m.empty_like(x).fill_(0),
    }
    if name in table:
        return table[name]()
    return getattr(x, name)()


def _apply_binary(m, name, x, y):
    if name == "where":
        return m.where(x > 0 if x.dtype != m.bool else x, x, y)
    if name == "lerp_half":
        return m.lerp(x, y, 0.5)
    if name == "matmul":
        return x @ y
    if name == "addcmul_half":
        return m.addcmul(x, x, y, value=0.5)
    if name == "clamp_min_t":
        return m.clamp(x, min=y)
    if name == "mul_":  # in place on a fresh copy (x may be a view of the leaf)
        return x.clone().mul_(y)
    if name == "addcdiv_half":
        # (a float x with an integer divisor works forward, but PyTorch's backward then fails
        # casting the divisor's gradient to Long -- a PyTorch quirk not mirrored here)
        return m.addcdiv(x, x, y.to(x.dtype) if x.dtype.is_floating_point else y, value=0.5)
    if name == "clamp_max_t":
        return m.clamp(x, max=y)
    if name == "rsub":
        return m.rsub(x, y)
    if name in ("equal", "allclose"):  # Python bools: compared as 0-d tensors
        return m.tensor(getattr(m, name)(x, y))
    if name == "broadcast_tensors":
        return m.broadcast_tensors(x, y)[1]
    if name == "meshgrid":
        return m.meshgrid(x.flatten(), y.flatten(), indexing="ij")[0]
    return getattr(m, name)(x, y)


@st.composite
def tensors(draw, shape=None):
    dtype = draw(st.sampled_from(DTYPES))
    if shape is None:
        shape = tuple(draw(st.lists(st.integers(0, 4), min_size=0, max_size=3)))
    n = int(np.prod(shape)) if shape else 1
    if dtype == "bool":
        vals = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    elif dtype.startswith("int"):
        vals = draw(st.lists(st.integers(-6, 6), min_size=n, max_size=n))
    else:
        vals = draw(st.lists(st.one_of(st.floats(-6, 6, width=32), st.sampled_from(
            [0.0, -0.0, 1.0, np.inf, -np.inf, np.nan])), min_size=n, max_size=n))
    return {"dtype": dtype, "shape": shape, "values": vals}


@st.composite
def programs(draw):
    base = draw(tensors())
    view = draw(st.sampled_from(["none", "transpose", "slice", "expand"]))
    steps = []
    for _ in range(draw(st.integers(1, 4))):
        if draw(st.booleans()):
            steps.append(("u", draw(st.sampled_from(UNARY))))
        else:
            # the second operand broadcasts against a suffix of the base shape
            k = draw(st.integers(0, len(base["shape"])))
            suffix = tuple(1 if draw(st.booleans()) else s for s in base["shape"][k:])
            steps.append(("b", draw(st.sampled_from(BINARY)), draw(tensors(shape=suffix))))
    grad = base["dtype"].startswith("float") and draw(st.booleans())
    return {"base": base, "view": view, "steps": steps, "grad": grad}


def make(m, spec):
    arr = np.array(spec["values"], dtype=spec["dtype"]).reshape(spec["shape"])
    return m.tensor(arr)


def run(m, program):
    """(result, leaf) of the program on library m; leaf is the tensor gradients flow to."""
    x = make(m, program["base"])
    if program["grad"]:
        x.requires_grad_(True)
    leaf = x
    v = program["view"]
    if v == "transpose" and x.ndim >= 2:
        x = x.transpose(0, -1)
    elif v == "slice" and x.ndim >= 1:
        x = x[::2]
    elif v == "expand":
        x = x.unsqueeze(0).expand(2, *x.shape)
    for step in program["steps"]:
        if step[0] == "u":
            x = _apply_unary(m, step[1], x)
        else:
            x = _apply_binary(m, step[1], x, make(m, step[2]))
    return x, leaf
