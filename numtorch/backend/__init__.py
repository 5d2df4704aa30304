"""Device dispatch: picks kernels, lays out arrays, validates what kernels would index."""

# cuda_ops registers the kernel launchers CudaArray's methods and NumPy functions run
# (cuda_array sits below it); importing it here makes any use of the backend see them
from . import cuda_ops  # noqa: F401
