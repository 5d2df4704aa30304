"""Activations (nn.functional's): relu and its relatives, the sigmoid/softmax family, gated
units."""

import math

from .. import opcodes
from ..autograd import graph
from ..autograd.composite import composite
from ..autograd.grad_mode import is_grad_enabled
from . import pointwise as P
from . import reduce


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
    return P.record_unary(opcodes.GELU, P._unary_forward(opcodes.GELU, input, None, None), input)


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
    soft = P.record_unary(opcodes.SOFTPLUS,
                          P._unary_forward(opcodes.SOFTPLUS, scaled, None, None), scaled)
    if beta != 1:
        soft = P.div(soft, beta)
    return P.where(P.gt(scaled, threshold), input, soft)


def softplus(input, beta=1.0, threshold=20.0):
    return composite("SoftplusBackward0", lambda x: _softplus(x, beta, threshold), input)


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    return reduce.softmax(input, dim, dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    return reduce.log_softmax(input, dim, dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    return reduce.softmax(P.neg(input), dim, dtype)


def logsigmoid(input):
    return composite("LogSigmoidBackward0", lambda x: P.neg(_softplus(P.neg(x), 1.0, 20.0)),
                     input)
