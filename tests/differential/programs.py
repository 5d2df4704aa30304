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
         "double", "long", "bool_", "clamp", "nan_to_num", "sort_last", "cummax0"]
BINARY = ["add", "sub", "mul", "div", "floor_divide", "remainder", "fmod", "pow", "maximum",
          "minimum", "atan2", "eq", "ne", "lt", "ge", "logical_and", "logical_xor",
          "bitwise_and", "where", "lerp_half", "matmul"]

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
    return getattr(x, name)()


def _apply_binary(m, name, x, y):
    if name == "where":
        return m.where(x > 0 if x.dtype != m.bool else x, x, y)
    if name == "lerp_half":
        return m.lerp(x, y, 0.5)
    if name == "matmul":
        return x @ y
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
