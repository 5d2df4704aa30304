"""CPU kernels, all @njit(cache=True)."""
