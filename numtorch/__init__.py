"""numtorch: a PyTorch-compatible tensor library whose kernels are Numba functions.

    import numtorch as torch
"""

# first, kept apart from the sorted imports: its settings must precede NumPy, Numba, OpenBLAS
from . import _runtime  # noqa: I001

import numpy as _np  # noqa: I001
from . import (  # noqa: F401
    _methods,  # noqa: F401  (attaches methods and operators to Tensor)
    accelerator,
    autograd,
    cuda,
    return_types,
)
from ._device import device, get_default_device, set_default_device
from ._dtype import bool_ as bool
from ._dtype import (
    dtype,
    float16,
    float32,
    float64,
    get_default_dtype,
    int8,
    int16,
    int32,
    int64,
    promote_types,
    set_default_dtype,
    uint8,
)
from ._dtype import result_type as _result_type
from .backend.elementwise import broadcast_shapes as _broadcast_shapes
from ._ops.convert import allclose, clone, equal, isclose
from ._ops.creation import (
    arange,
    as_tensor,
    asarray,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    logspace,
    meshgrid,
    ones,
    ones_like,
    range,
    tensor,
    zeros,
    zeros_like,
)
from ._ops.index import (
    argsort,
    argwhere,
    bincount,
    bucketize,
    gather,
    index_add,
    index_copy,
    index_fill,
    index_select,
    kthvalue,
    median,
    nanmedian,
    index_put,
    masked_fill,
    masked_scatter,
    masked_select,
    msort,
    nonzero,
    put,
    scatter,
    scatter_add,
    searchsorted,
    sort,
    take,
    take_along_dim,
    topk,
    unique,
    unique_consecutive,
)
from ._ops.einsum import einsum, inner, tensordot
from ._ops.linalg import (
    addmm,
    addmv,
    baddbmm,
    bmm,
    cross,
    dot,
    ger,
    matmul,
    mm,
    mv,
    outer,
    trace,
)
from ._ops.pointwise import UNARY_OPS as _UNARY_OPS
from ._ops.pointwise import (
    add,
    addcdiv,
    addcmul,
    arctan2,
    atan2,
    bitwise_and,
    bitwise_left_shift,
    bitwise_not,
    bitwise_or,
    bitwise_right_shift,
    bitwise_xor,
    clamp,
    clamp_max,
    clamp_min,
    clip,
    div,
    divide,
    eq,
    float_power,
    floor_divide,
    fmax,
    fmin,
    fmod,
    ge,
    greater,
    greater_equal,
    gt,
    hypot,
    isfinite,
    isinf,
    isnan,
    isneginf,
    isposinf,
    isreal,
    le,
    lerp,
    less,
    less_equal,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    logit,
    lt,
    maximum,
    minimum,
    mul,
    multiply,
    nan_to_num,
    ne,
    not_equal,
    pow,
    remainder,
    rsub,
    signbit,
    sub,
    subtract,
    true_divide,
    where,
)
from ._ops.reduce import (
    all,
    amax,
    amin,
    aminmax,
    any,
    argmax,
    argmin,
    count_nonzero,
    cummax,
    cummin,
    cumprod,
    cumsum,
    log_softmax,
    logsumexp,
    max,
    mean,
    min,
    nanmean,
    nansum,
    norm,
    prod,
    softmax,
    std,
    std_mean,
    sum,
    var,
    var_mean,
)
from ._ops.shape import (
    atleast_1d,
    atleast_2d,
    broadcast_to,
    cat,
    chunk,
    concat,
    concatenate,
    diag,
    diagonal,
    flatten,
    flip,
    diff,
    ravel,
    fliplr,
    flipud,
    hstack,
    moveaxis,
    movedim,
    narrow,
    permute,
    repeat_interleave,
    reshape,
    roll,
    select,
    split,
    squeeze,
    stack,
    swapaxes,
    swapdims,
    t,
    tensor_split,
    tile,
    transpose,
    tril,
    triu,
    unbind,
    unflatten,
    unsqueeze,
    vstack,
)
from ._printing import get_printoptions, set_printoptions
from ._size import Size
from ._threads import get_num_threads, set_num_threads
from .autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .random import (
    Generator,
    bernoulli,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    multinomial,
    normal,
    poisson,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    seed,
    set_rng_state,
)
from .tensor import Tensor, _array_from_data
from .tensor import shape_arg as _shape_arg
from .tensor import wrap as _wrap

globals().update({_name: _fn for _name, (_fn, _) in _UNARY_OPS.items()})  # torch.exp, ...

__version__ = "0.1.0"

# dtype aliases PyTorch exposes at the top level
float = float32
double = float64
half = float16
long = int64
int = int32
short = int16
strided = "torch.strided"


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_floating_point(input):
    return input.dtype.is_floating_point


def is_nonzero(input):
    if input.numel() != 1:
        amount = "no values" if input.numel() == 0 else "more than one value"
        raise RuntimeError(f"Boolean value of Tensor with {amount} is ambiguous")
    return builtins_bool(input.item())


def numel(input):
    return input.numel()


def broadcast_shapes(*shapes):
    return Size(_broadcast_shapes(*[tuple(s) if not isinstance(s, builtins_int) else (s,)
                                    for s in shapes]))


def broadcast_tensors(*tensors):
    shp = broadcast_shapes(*[x.shape for x in tensors])
    return tuple(x.expand(shp) for x in tensors)


def result_type(tensor1, tensor2):
    return _result_type(tensor1, tensor2)


def can_cast(from_, to):
    return from_.category <= to.category


import builtins as _builtins  # noqa: E402

builtins_bool = _builtins.bool
builtins_int = _builtins.int


def _legacy_type(dt, name):
    """torch.FloatTensor(...) and friends: Tensor(...) with a fixed dtype."""

    def make(*args, **kwargs):
        if len(args) == 1 and not isinstance(args[0], (builtins_int, _np.integer)):
            arr, _ = _array_from_data(args[0], dt)
            return _wrap(arr, dt)
        return _wrap(_np.zeros(_shape_arg(args), dt.np), dt)

    make.__name__ = make.__qualname__ = name
    make.__doc__ = f"Legacy constructor: a {dt!r} tensor from sizes or data."
    return make


FloatTensor = _legacy_type(float32, "FloatTensor")
DoubleTensor = _legacy_type(float64, "DoubleTensor")
HalfTensor = _legacy_type(float16, "HalfTensor")
LongTensor = _legacy_type(int64, "LongTensor")
IntTensor = _legacy_type(int32, "IntTensor")
ShortTensor = _legacy_type(int16, "ShortTensor")
CharTensor = _legacy_type(int8, "CharTensor")
ByteTensor = _legacy_type(uint8, "ByteTensor")
BoolTensor = _legacy_type(bool, "BoolTensor")

from . import backends  # noqa: E402
from .serialization import load, save  # noqa: E402


def cdist(x1, x2, p=2.0, compute_mode=None):
    """Pairwise p-norm distances between the rows of x1 (..., P, M) and x2 (..., R, M)."""
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: "
                           f"{x1.shape[-1]} X2: {x2.shape[-1]}")
    delta = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    return delta.norm(p, dim=-1)


# The training toolkit (nn, optim, utils, vision, datasets) sits on top of everything above
# and imports this package for its public API, so the package reaches it on first use (as
# `torch.nn` or `import numtorch.nn`) instead of importing it: no import circle.  plot pulls
# in matplotlib, distributed starts MPI (when mpi4py is installed).
_SUBPACKAGES = ("nn", "optim", "utils", "vision", "datasets", "plot", "distributed")


def __getattr__(name):
    if name in _SUBPACKAGES:
        import importlib
        return importlib.import_module("." + name, __name__)
    raise AttributeError(f"module 'numtorch' has no attribute '{name}'")
