"""The CPU's build of kernels/scalar.py (`shared`: the elementwise rules and the other
per-element functions, inlined into the CPU kernels), with the CPU's primitives in place of
the portable ones: NumPy's rounding, sqrt, fmod and exp2 (float-valued, and they vectorise), and
a float32 exp and erf written as plain arithmetic so that LLVM vectorises them."""

import math

import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic, overload

from .. import scalar
from ._jit import inline

# ---- a float32 exp that vectorises ---------------------------------------------------------
# Numba can only call libm's expf, one element at a time (2.7 ns here); this one is plain
# arithmetic, so LLVM runs 8 lanes at once: 0.6 ns per element, within 1 ulp (91% correctly
# rounded; libm 0.5 ulp, PyTorch's Sleef 1 ulp).


@intrinsic
def _float32_from_bits(typingctx, bits):
    """The float32 whose bit pattern is the low 32 bits of an integer."""
    if not isinstance(bits, types.Integer):
        return None

    def codegen(context, builder, sig, args):
        v = args[0]
        if bits.bitwidth > 32:
            v = builder.trunc(v, ir.IntType(32))
        return builder.bitcast(v, ir.FloatType())
    return types.float32(bits), codegen


@inline
def _expf(x):
    """e^x for a float32 x: 2^n * e^r with n = round(x / ln 2), r reduced in two steps
    (Cody-Waite), e^r = 1 + r + r^2 q(r) with q fitted (least squares, relative error) on
    |r| <= ln(2) / 2, and 2^n as two float32 factors so that results near the top of the
    range and denormals come out right."""
    f = np.float32
    xc = min(max(x, f(-104.0)), f(89.0))
    n = np.rint(xc * f(1.44269504))
    r = xc - n * f(0.693359375)
    r = r - n * f(-2.12194440e-4)
    q = f(0.00019826496200339456)
    q = q * r + f(0.0013946020784317975)
    q = q * r + f(0.00833342997533356)
    q = q * r + f(0.04166627028506924)
    q = q * r + f(0.16666666163889216)
    q = q * r + f(0.5000000078130339)
    p = f(1.0) + (r + r * r * q)
    ni = np.int32(n)
    half = ni >> np.int32(1)
    y = (p * _float32_from_bits((half + np.int32(127)) << np.int32(23))) * \
        _float32_from_bits((ni - half + np.int32(127)) << np.int32(23))
    return x if x != x else y  # NaN stays NaN; +-inf saturate through the clamp


def _for_float32(fast, other):
    """A function for kernels that compiles to `fast` for a float32 argument and to `other`
    (libm's, through NumPy or math) for any other type (a Numba overload)."""
    def pick(x):
        return other(x)

    @overload(pick)
    def _pick(x):
        return (lambda x: fast(x)) if x == types.float32 else (lambda x: other(x))
    return pick


_exp = _for_float32(_expf, np.exp)


# ---- a float32 erf that vectorises, for erf and gelu -----------------------------------------
# libm's erff costs 12 ns per element here, one at a time; this is polynomials and _expf,
# 1 ns.  Within 2 ulp (99.7% of float32 inputs within 1; libm 1 ulp): on |x| < 1.25,
# x + x*R(x^2); above, 1 - e^Q(|x|) with Q fitted to log(erfc) on [1.25, 4] (erf rounds to +-1
# from 3.92).  The coefficients are least-squares fits in float64 (relative error for R,
# error scaled by erfc/erf for Q), chosen with the float32 evaluation over a dense grid.


@inline
def _erff(x):
    f = np.float32
    t = x * x
    r = f(-7.628161706740855e-06)
    r = r * t + f(0.00010425943540168237)
    r = r * t + f(-0.0008346989966547674)
    r = r * t + f(0.0052098845210193645)
    r = r * t + f(-0.026860784775481615)
    r = r * t + f(0.1128369167398949)
    r = r * t + f(-0.37612632187908107)
    r = r * t + f(0.12837916662626436)
    near = x + x * r
    a = abs(x)
    u = min(a, f(4.0)) - f(2.625)
    q = f(2.240965186750543e-07)
    q = q * u + f(2.7903390793504457e-06)
    q = q * u + f(-9.919367263577783e-06)
    q = q * u + f(6.632599094213987e-05)
    q = q * u + f(-0.00036840555005368536)
    q = q * u + f(0.0019188987283753622)
    q = q * u + f(-0.009838199531315484)
    q = q * u + f(-0.9477703375929919)
    q = q * u + f(-5.589146715371028)
    q = q * u + f(-8.490669396940337)
    far = np.copysign(f(1.0) - _expf(q), x)
    return far if a >= f(1.25) else near  # NaN takes near, which stays NaN


_erf = _for_float32(_erff, math.erf)


shared = scalar.compiled(inline, {"exp": _exp, "erf": _erf, "exp2": np.exp2, "floor": np.floor,
                                  "ceil": np.ceil, "trunc": np.trunc, "rint": np.rint,
                                  "sqrt": np.sqrt, "fmod": np.fmod})
