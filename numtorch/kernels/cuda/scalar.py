"""Per-element op functions for the CUDA kernels (math-module versions of the CPU kernels'
scalar functions: the same op codes and the same PyTorch semantics -- NaN propagation in
maximum/minimum/relu/clamp, sign(nan) == 0, Python-style remainder)."""

import math

from ... import opcodes
from .. import scalar
from ._jit import device_fn

int_power = device_fn(scalar.int_power)


@device_fn
def sigmoid(x):
    if x >= 0:
        return 1 / (1 + exp(-x))
    e = exp(x)
    return e / (1 + e)


@device_fn
def exp(x):
    # math.exp raises on overflow in the simulator (Python floats); the GPU gives inf
    return math.inf if x > 709.0 else math.exp(x)


@device_fn
def _fmod(x, y):
    # NaN where fmod is undefined: the GPU's answer, and the simulator's math.fmod raises there
    if y == 0 or math.isinf(x) or x != x or y != y:
        return math.nan
    return math.fmod(x, y)


@device_fn
def binop(op, x, y):
    if op == opcodes.ADD:
        return x + y
    if op == opcodes.SUB:
        return x - y
    if op == opcodes.MUL:
        return x * y
    if op == opcodes.DIV:
        return x / y
    if op == opcodes.FLOORDIV:
        return x // y
    if op == opcodes.TRUNCDIV:
        q = x // y
        if q * y != x and (x < 0) != (y < 0):
            q += 1
        return q
    if op == opcodes.REM:
        r = _fmod(x, y)
        if r != 0 and (r < 0) != (y < 0):
            r += y
        return r
    if op == opcodes.FMOD:
        return _fmod(x, y)
    if op == opcodes.REM_INT:
        return x % y
    if op == opcodes.FMOD_INT:
        q = x // y
        if q * y != x and (x < 0) != (y < 0):
            q += 1
        return x - q * y
    if op == opcodes.POW:
        return x ** y
    if op == opcodes.POW_INT:
        return int_power(x, y)
    if op == opcodes.MAXIMUM:
        if x != x:
            return x
        return y if (y != y or y > x) else x
    if op == opcodes.MINIMUM:
        if x != x:
            return x
        return y if (y != y or y < x) else x
    if op == opcodes.ATAN2:
        return math.atan2(x, y)
    return math.hypot(x, y)


@device_fn
def compare(op, x, y):
    if op == opcodes.EQ:
        return x == y
    if op == opcodes.NE:
        return x != y
    if op == opcodes.LT:
        return x < y
    if op == opcodes.LE:
        return x <= y
    if op == opcodes.GT:
        return x > y
    if op == opcodes.GE:
        return x >= y
    if op == opcodes.LAND:
        return (x != 0) and (y != 0)
    if op == opcodes.LOR:
        return (x != 0) or (y != 0)
    return (x != 0) != (y != 0)


@device_fn
def bitop(op, x, y):
    if op == opcodes.BAND:
        return x & y
    if op == opcodes.BOR:
        return x | y
    if op == opcodes.BXOR:
        return x ^ y
    if op == opcodes.LSHIFT:
        return x << y
    return x >> y


@device_fn
def unop(op, x):
    if x != x:  # NaN in, NaN out (sign(nan) is 0 in PyTorch)
        return 0.0 if op == opcodes.SIGN else x
    if math.isinf(x) and (op == opcodes.SIN or op == opcodes.COS or op == opcodes.TAN):
        return math.nan
    if op == opcodes.RELU:  # (-0.0 stays -0.0, as in PyTorch)
        return 0.0 if x < 0 else x
    if op == opcodes.NEG:
        return -x
    if op == opcodes.ABS:
        return abs(x)
    if op == opcodes.SIGN:
        return 1.0 if x > 0 else (-1.0 if x < 0 else 0.0)
    if op == opcodes.EXP:
        return exp(x)
    if op == opcodes.LOG:
        return math.log(x) if x > 0 else (-math.inf if x == 0 else math.nan)
    if op == opcodes.LOG2:
        return math.log2(x) if x > 0 else (-math.inf if x == 0 else math.nan)
    if op == opcodes.LOG10:
        return math.log10(x) if x > 0 else (-math.inf if x == 0 else math.nan)
    if op == opcodes.LOG1P:
        return math.log1p(x) if x > -1 else (-math.inf if x == -1 else math.nan)
    if op == opcodes.EXPM1:
        return math.inf if x > 709.0 else math.expm1(x)
    if op == opcodes.SQRT:
        return math.sqrt(x) if x >= 0 else math.nan
    if op == opcodes.RSQRT:
        if x == 0:  # +-inf (the simulator's Python 1 / 0.0 would raise)
            return math.copysign(math.inf, x)
        return 1 / math.sqrt(x) if x > 0 else math.nan
    if op == opcodes.SIN:
        return math.sin(x)
    if op == opcodes.COS:
        return math.cos(x)
    if op == opcodes.TAN:
        return math.tan(x)
    if op == opcodes.ASIN:
        return math.asin(x) if -1 <= x <= 1 else math.nan
    if op == opcodes.ACOS:
        return math.acos(x) if -1 <= x <= 1 else math.nan
    if op == opcodes.ATAN:
        return math.atan(x)
    if op == opcodes.SINH:
        return math.copysign(math.inf, x) if abs(x) > 709.0 else math.sinh(x)
    if op == opcodes.COSH:
        return math.inf if abs(x) > 709.0 else math.cosh(x)
    if op == opcodes.TANH:
        return math.tanh(x)
    if op == opcodes.SIGMOID:
        return sigmoid(x)
    if x != x or math.isinf(x):  # rounding ops below: inf and nan are their own result
        if op == opcodes.FLOOR or op == opcodes.CEIL or op == opcodes.ROUND or op == opcodes.TRUNC:
            return x
        if op == opcodes.FRAC:
            return math.nan
    if op == opcodes.FLOOR:
        return math.floor(x)
    if op == opcodes.CEIL:
        return math.ceil(x)
    if op == opcodes.ROUND:  # half to even, as torch.round
        r = math.floor(x + 0.5)
        if r - x == 0.5 and r % 2 != 0:
            r -= 1
        return r
    if op == opcodes.TRUNC:  # (not math.trunc: the simulator's NumPy scalars have no __trunc__)
        return math.floor(x) if x >= 0 else math.ceil(x)
    if op == opcodes.RECIPROCAL:
        return 1 / x
    if op == opcodes.SQUARE:
        return x * x
    if op == opcodes.ERF:
        return math.erf(x)
    if op == opcodes.ERFC:
        return math.erfc(x)
    if op == opcodes.FRAC:
        return x - (math.floor(x) if x >= 0 else math.ceil(x))
    if op == opcodes.EXP2:
        return math.inf if x > 1023.0 else 2.0 ** x
    if op == opcodes.SILU:
        return x * sigmoid(x)
    if op == opcodes.SOFTPLUS:
        return max(x, 0) + math.log1p(math.exp(-abs(x)))
    if op == opcodes.ASINH:
        return math.asinh(x)
    if op == opcodes.ACOSH:
        return math.acosh(x) if x >= 1 else math.nan
    if op == opcodes.ATANH:
        return math.atanh(x) if -1 < x < 1 else (math.copysign(math.inf, x) if abs(x) == 1
                                                 else math.nan)
    if op == opcodes.LOGIT:
        if x == 0 or x == 1:
            return -math.inf if x == 0 else math.inf
        return math.log(x / (1 - x)) if 0 < x < 1 else math.nan
    if op == opcodes.GELU:
        return 0.5 * x * (1 + math.erf(x * 0.7071067811865476))
    if op == opcodes.GELU_TANH:
        return 0.5 * x * (1 + math.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))
    return x


@device_fn
def int_unop(op, x):
    if op == opcodes.NEG:
        return -x
    if op == opcodes.ABS:
        return -x if x < 0 else x
    if op == opcodes.SIGN:
        return 1 if x > 0 else (-1 if x < 0 else 0)
    if op == opcodes.RELU:
        return x if x > 0 else 0
    if op == opcodes.SQUARE:
        return x * x
    return ~x


@device_fn
def predicate(op, x):
    if op == opcodes.ISNAN:
        return x != x
    if op == opcodes.ISINF:
        return math.isinf(x)
    if op == opcodes.ISFINITE:
        return not (math.isinf(x) or x != x)
    if op == opcodes.ISPOSINF:
        return x == math.inf
    if op == opcodes.ISNEGINF:
        return x == -math.inf
    return math.copysign(1.0, x) < 0


@device_fn
def ternop(op, a, b, c):
    if op == opcodes.WHERE:
        return b if a else c
    if op == opcodes.CLAMP:  # min(max(a, lo), hi), a NaN anywhere giving NaN (as in PyTorch)
        v = b if (a < b) | (b != b) else a
        return c if (v > c) | (c != c) else v
    if op == opcodes.CLAMP_MIN:
        return b if (a < b) | (b != b) else a
    if op == opcodes.CLAMP_MAX:
        return b if (a > b) | (b != b) else a
    if abs(c) < 0.5:  # LERP, torch's two-sided formula
        return a + c * (b - a)
    return b - (b - a) * (1 - c)
