"""Numba kernels: cpu/ (@njit) and, with the CUDA backend, cuda/ (@cuda.jit)."""
