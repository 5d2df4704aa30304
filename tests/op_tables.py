"""The unary maths the op-table tests run: every op in numtorch/_ops/pointwise.py's UNARY_OPS
(the table that also makes torch.<name> and Tensor.<name>), so a new op is taken up by
test_elementwise (values against PyTorch, every dtype, views), test_autograd (gradients
against central differences) and the differential programs without being listed anywhere.
An op that is only defined on part of the real line names its domain here."""

import numpy as np

from numtorch._ops.pointwise import UNARY_OPS

# the inputs an op is checked on, as a map from standard-normal draws
DOMAINS = {
    "real": lambda a: a,
    "positive": lambda a: np.abs(a) + 0.5,
    "unit": lambda a: np.tanh(a) * 0.9,  # |x| < 1
    "above_one": lambda a: np.abs(a) + 1.5,
}
DOMAIN = {**dict.fromkeys(["log", "log2", "log10", "log1p", "sqrt", "rsqrt"], "positive"),
          **dict.fromkeys(["asin", "acos", "atanh"], "unit"),
          "acosh": "above_one"}

# each op once, under the name it is defined with (aliases -- arcsin, fix, ... -- are the
# same function, drawn by the differential programs under their own names)
UNARY = sorted({fn.__name__ for fn, _ in UNARY_OPS.values()})
UNARY_AND_ALIASES = sorted(UNARY_OPS)


def domain(name):
    """The value map for op `name`'s inputs (standard normal -> where the op is defined)."""
    return DOMAINS[DOMAIN.get(name, "real")]
