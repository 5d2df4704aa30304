"""Kernel decorators and launch geometry shared by the CUDA kernels."""

from numba import config, cuda

device_fn = cuda.jit(device=True)
kernel = cuda.jit
# The simulator runs each GPU thread as a Python thread, so it gets small blocks; the kernels
# are the same code either way (block sizes only change how work is split).
SIMULATED = bool(config.ENABLE_CUDASIM)
THREADS = 8 if SIMULATED else 256  # threads per block (reductions: one block per output)
MAX_BLOCKS = 16 if SIMULATED else 4096


def grid(n):
    """(blocks, threads) for n elements; kernels loop grid-stride over anything beyond."""
    return max(1, min(MAX_BLOCKS, (n + THREADS - 1) // THREADS)), THREADS
