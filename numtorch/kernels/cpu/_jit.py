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

# Above this many elements memory-bound kernels split the work over threads.  Below it waking
# the sleeping workers costs more than the split saves: 5-10 us on bare metal, but 60-200 us
# on the 2-vCPU VMs the benchmarks run on, where a 400k-element SGD update inside an MLP step
# took 270-460 us in parallel against 185-210 us on one thread (1 << 17 before).
PARALLEL_THRESHOLD = 1 << 20
CHUNKS = 16
