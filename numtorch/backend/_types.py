"""The names the backend's signatures are written in (checked by mypy in CI)."""

from typing import TYPE_CHECKING, Sequence, Tuple, Union

import numpy as np

if TYPE_CHECKING:
    from .cuda_array import CudaArray

HostArray = np.ndarray
Array = Union[np.ndarray, "CudaArray"]  # a tensor's storage, on either device
Shape = Tuple[int, ...]
Dims = Sequence[int]
OpCode = int  # one of numtorch/opcodes.py's codes
DType = Union[np.dtype, type]  # np.dtype("float32") or np.float32
Pair = Tuple[int, int]
