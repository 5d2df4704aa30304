"""One step of a running sum/product/max/min, written once as plain Python and compiled twice:
inlined into the CPU scan kernel (kernels/cpu/reduction.py) and as a CUDA device function
(kernels/cuda/reduction.py).  Op codes: 0 sum, 1 product, 2 max, 3 min (the CPU module's
CUMSUM, CUMPROD, CUMMAX, CUMMIN); a NaN, once seen, stays the running max/min."""


def scan_step(op, acc, v):
    if op == 0:
        return acc + v
    if op == 1:
        return acc * v
    if op == 2:
        return v if (v >= acc or v != v) else acc
    return v if (v <= acc or v != v) else acc
