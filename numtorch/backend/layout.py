"""C-contiguous copies of strided host arrays, with a tiled kernel for transposes."""

from typing import Optional, Tuple

import numpy as np

from ..kernels.cpu import layout as kernels
from ..kernels.cpu._jit import PARALLEL_THRESHOLD
from ._types import HostArray


def transpose_plan(arr: HostArray) -> Optional[Tuple[HostArray, Tuple[int, ...]]]:
    """(src, shape3) when arr is a (batched) transpose of a C-contiguous buffer -- its dims in
    memory order are its own with two adjacent blocks swapped, as for x.t(), x.mT or
    x.permute(0, 2, 3, 1) -- so that arr's C-ordered copy viewed as shape3 = (B, R, C) is
    the transpose of src (B, C, R).  None otherwise."""
    a = arr.reshape([n for n in arr.shape if n != 1])  # size-1 dims have arbitrary strides
    perm = sorted(range(a.ndim), key=lambda i: -a.strides[i])
    base = a.transpose(perm)
    if a.ndim < 2 or not base.flags.c_contiguous:
        return None
    k = 0
    while k < a.ndim and perm[k] == k:
        k += 1
    if k == a.ndim:
        return None  # already in order
    m = perm[k]
    if perm[k:] != list(range(m, a.ndim)) + list(range(k, m)):
        return None
    b, r, c = (int(np.prod(a.shape[lo:hi])) for lo, hi in ((0, k), (k, m), (m, a.ndim)))
    return base.reshape(b, c, r), (b, r, c)


def contiguous(arr: HostArray) -> HostArray:
    """np.ascontiguousarray(arr) for a host array."""
    if arr.size >= PARALLEL_THRESHOLD and not arr.flags.c_contiguous and arr.dtype.kind in "biuf":
        plan = transpose_plan(arr)
        if plan is not None:
            src, shape3 = plan
            out = np.empty(arr.shape, arr.dtype)
            kernels.transpose_batched(src, out.reshape(shape3))
            return out
    return np.ascontiguousarray(arr)
