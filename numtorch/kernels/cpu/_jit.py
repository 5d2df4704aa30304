"""The one place CPU kernels get their Numba options.

error_model='numpy' gives IEEE inf/nan on division instead of Python's ZeroDivisionError and
runs ~6x faster; cache=True makes a second run of a program start warm.
"""

import numpy as np
from numba import njit, prange  # noqa: F401  (prange re-exported for kernel modules)

# Cast a computed index with this: a signed index gets Numba's negative-index wraparound test,
# which stops LLVM vectorising the loop (im2col ran 2.7x slower with it)
unsigned = np.uint64

kernel = njit(cache=True, error_model="numpy", nogil=True)
parallel_kernel = njit(cache=True, error_model="numpy", nogil=True, parallel=True)
# inline helpers are compiled into their caller, so they share its cache entry
inline = njit(inline="always", error_model="numpy")
# reassoc lets float sums vectorise; no 'nnan'/'ninf' so isnan and inf still behave
reduce_kernel = njit(cache=True, error_model="numpy", nogil=True, fastmath={"reassoc", "contract"})
parallel_reduce_kernel = njit(cache=True, error_model="numpy", nogil=True, parallel=True,
                              fastmath={"reassoc", "contract"})

# Above this many elements memory-bound kernels split the work over threads; below it the
# thread start-up (a few microseconds with the omp layer) costs more than it saves.
PARALLEL_THRESHOLD = 1 << 17
CHUNKS = 16
