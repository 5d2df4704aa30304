"""Scratch buffers the conv kernels reuse from one training step to the next.

A fresh multi-megabyte NumPy array is fresh mmap'd memory: the first touch of every page
faults, and LeNet's im2col ran 1.06 ms per call inside a step against 0.24 ms on reused
memory -- a third of the step.  Keeping the allocator's blocks (glibc's mmap thresholds)
instead lost the transparent huge pages NumPy asks for on big arrays and slowed the 16 MB
conv2d matrices by 25%, so the few large scratch matrices are recycled here explicitly.

Buffers never escape to users: `take` hands one out, `give` takes it back, and a `Lease`
gives back the im2col matrix a graph node saved once that node is freed.
"""

import threading

import numpy as np

from ._types import DType, HostArray, Shape

_MAX_PER_SHAPE = 2   # a forward and a backward of the same layer can overlap
_MAX_SHAPES = 16     # layers x batch sizes of a typical loop; older shapes are dropped
_free: dict = {}     # (shape, dtype) -> arrays ready for reuse, oldest shape first
_lock = threading.Lock()  # threads training at once share the pool; a Lease may die anywhere


def take(shape: Shape, dtype: DType) -> HostArray:
    """An uninitialised array, recycled when one of this shape and dtype is free."""
    with _lock:
        arrays = _free.get((shape, np.dtype(dtype)))
        if arrays:
            return arrays.pop()
    return np.empty(shape, dtype)


def take_matrix(rows: int, cols: int, dtype: DType) -> HostArray:
    """A (rows, ld) buffer for a (rows, cols) GEMM operand, ld >= cols: rows a multiple of 4 KiB
    apart map to the same cache sets, and OpenBLAS ran 30-50% slower on such matrices (the
    N*L = 50176 columns of LeNet's first conv, say), so those get 64 bytes more per row.
    Use buf[:, :cols] for the matrix; kernels may take the whole buffer."""
    itemsize = np.dtype(dtype).itemsize
    ld = cols + 64 // itemsize if (cols * itemsize) % 4096 == 0 else cols
    return take((rows, ld), dtype)


def give(array: HostArray) -> None:
    key = (array.shape, array.dtype)
    with _lock:
        arrays = _free.setdefault(key, [])
        if len(arrays) < _MAX_PER_SHAPE:
            arrays.append(array)
        while len(_free) > _MAX_SHAPES:
            del _free[next(iter(_free))]


class Lease:
    """Owns a buffer a backward closure needs; returns it to the pool when the closure (and
    with it this object) is freed, i.e. after backward without retain_graph."""

    __slots__ = ("array",)

    def __init__(self, array):
        self.array = array

    def __del__(self):
        try:
            give(self.array)
        except Exception:  # interpreter shutdown: module globals may already be gone
            pass
