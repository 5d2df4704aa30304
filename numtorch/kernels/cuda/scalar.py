"""The CUDA build of kernels/scalar.py (`shared`: the elementwise rules and the other
per-element functions as device functions), with its portable primitives: `math`, guarded
where the simulator's Python `math` raises and the GPU returns inf or NaN."""

from .. import scalar
from ._jit import device_fn

shared = scalar.compiled(device_fn)
