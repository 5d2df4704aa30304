"""The small-tensor fast paths: serial kernels on small C-contiguous float host arrays, where
the Python around a kernel costs more than the kernel (`a + b` on 10 elements is ~1 us).

Callers (numtorch/_ops/pointwise.py) have already checked what these kernels assume: float32
or float64 operands of one dtype, C-contiguous, aligned and writeable NumPy arrays of the
same shape (or the stated row/scalar shapes), fewer than SMALL_MAX elements.

The hottest kernels are called through entry tables (kernels/cpu/_jit.entry_point: a compiled
function called without Numba's dispatch, which types every argument, ~150 ns).  BINARY and
BINARY_SCALAR are exposed so that `a + b` can look its entry point up itself, in the line
that calls it: a wrapper function would cost as much again as the lookup saves.
"""

from typing import Callable, Optional

import numpy as np

from .. import opcodes
from ..kernels.cpu import elementwise as elementwise_kernels
from ..kernels.cpu._jit import entry_table, learn
from ._types import HostArray, OpCode

# Broadcasting in the kernel is single-threaded; larger operands take the parallel rows path
SMALL_MAX = 1 << 16

BINARY = entry_table()  # binary(op, x, y, out): same shape (out may be x: in place)
BINARY_SCALAR = entry_table()  # binary_scalar(op, x, s, out): x op s
_BINARY_LEFT = entry_table()  # s op x
_UNARY = entry_table()
_ROWVEC = entry_table()  # slot: 8 * the full operand's rank + the row's


def learn_binary(op: OpCode, x: HostArray, y: HostArray, out: HostArray) -> Callable:
    """The entry point for BINARY[x.dtype][x.ndim] (compiled or loaded now)."""
    return learn(BINARY, elementwise_kernels.binary_small, x, (op, x, y, out))


def learn_binary_scalar(op: OpCode, x: HostArray, s: float, out: HostArray) -> Callable:
    """The entry point for BINARY_SCALAR[x.dtype][x.ndim]; s typed as x's dtype."""
    return learn(BINARY_SCALAR, elementwise_kernels.binary_small_scalar, x,
                 (op, x, x.dtype.type(s), out))


def binary(op: OpCode, x: HostArray, y: HostArray, out: HostArray) -> None:
    (BINARY[x.dtype][x.ndim] or learn_binary(op, x, y, out))(op, x, y, out)


def binary_scalar(op: OpCode, x: HostArray, s: float, out: HostArray) -> None:
    """out = x op s; the entry point converts s to x's dtype as np.float32(s) would."""
    (BINARY_SCALAR[x.dtype][x.ndim] or learn_binary_scalar(op, x, s, out))(op, x, s, out)


def binary_scalar_left(op: OpCode, s: float, x: HostArray, out: HostArray) -> None:
    """out = s op x (1 - x, 1 / x)."""
    (_BINARY_LEFT[x.dtype][x.ndim]
     or learn(_BINARY_LEFT, elementwise_kernels.binary_small_scalar_left, x,
              (op, x.dtype.type(s), x, out)))(op, s, x, out)


def binary_rowvec(op: OpCode, big: HostArray, vec: HostArray, out: HostArray,
                  swap: bool) -> None:
    """out = big op vec (vec op big with swap), vec one row of big's last dim (`x @ w + b`)."""
    slot = 8 * big.ndim + vec.ndim
    (_ROWVEC[big.dtype][slot]
     or learn(_ROWVEC, elementwise_kernels.binary_rowvec, big, (op, big, vec, out, swap),
              slot))(op, big, vec, out, swap)


def unary(op: OpCode, a: HostArray, out: HostArray) -> None:
    (_UNARY[a.dtype][a.ndim] or learn(_UNARY, elementwise_kernels.unary_small, a,
                                      (op, a, out)))(op, a, out)


def compare(op: OpCode, x: HostArray, y: HostArray, out: HostArray) -> None:
    elementwise_kernels.compare_small(op, x, y, out)


def compare_scalar(op: OpCode, x: HostArray, s: float, out: HostArray) -> None:
    elementwise_kernels.compare_small_scalar(op, x, s, out)


def where(cond: HostArray, x: HostArray, y: HostArray, out: HostArray) -> None:
    """out = where(cond, x, y) on flat arrays (x, y may be stride-0 views of a number)."""
    elementwise_kernels.ternary_1d(opcodes.WHERE, cond, x, y, out)


def unary_grad(op: OpCode, g: HostArray, v: HostArray, out: HostArray) -> None:
    """out = d op(v) * g from op's saved output v (relu, sigmoid, tanh)."""
    elementwise_kernels.unary_grad_small(op, g, v, g.dtype.type(1), out)


def clamp_grad(g: HostArray, x: HostArray, lo: Optional[float], hi: Optional[float],
               out: HostArray) -> None:
    """out = g where lo <= x <= hi, else 0 (None: no bound)."""
    t = g.dtype.type
    elementwise_kernels.clamp_grad_small(g, x, t(-np.inf if lo is None else lo),
                                         t(np.inf if hi is None else hi), out)
