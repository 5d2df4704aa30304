"""Per-element rules shared by the CPU and CUDA kernels: plain Python, compiled by each
target (inlined `@njit` functions in kernels/cpu/, `@cuda.jit(device=True)` functions in
kernels/cuda/), so the two compute the same thing from one definition.

They take one element's values and return the new ones -- never arrays: an inlined function
that receives arrays increfs and decrefs them on every call, which made the SGD loop 4x
slower and unvectorisable.  They must compile for both targets and run as plain Python
under the CUDA simulator: `math` functions and arithmetic only.  (Numba's cache notices
edits here: see kernels/_cache.py.)"""

import math

from ..opcodes import CUMMAX, CUMPROD, CUMSUM


def int_power(x, y):
    """x ** y (y >= 0) by repeated squaring; the products wrap, so the result is PyTorch's
    modulo 2**bits once stored in x's dtype."""
    r = x - x + 1
    b = x
    e = y
    while e > 0:
        if e % 2 == 1:  # (not e & 1: floats compile this too)
            r = r * b
        b = b * b
        e //= 2
    return r


def scan_step(op, acc, v):
    """One step of a running sum/product/max/min; a NaN, once seen, stays the running max/min."""
    if op == CUMSUM:
        return acc + v
    if op == CUMPROD:
        return acc * v
    if op == CUMMAX:
        return v if (v >= acc or v != v) else acc
    return v if (v <= acc or v != v) else acc


def sgd_update(p, g, buf, lr, momentum, keep, weight_decay, nesterov, maximize, first):
    """(parameter, momentum buffer) after one step; keep = 1 - dampening."""
    d = -g if maximize else g
    if weight_decay != 0:
        d += weight_decay * p
    if momentum != 0:
        buf = d if first else momentum * buf + keep * d
        d = d + momentum * buf if nesterov else buf
    return p - lr * d, buf


def adam_update(p, g, m, v, vmax, step_size, keep1, beta2, keep2, eps, weight_decay, decay,
                amsgrad, maximize, bc2_sqrt):
    """(parameter, exp_avg, exp_avg_sq, max_exp_avg_sq) after one step.  keep1/keep2 are
    1 - beta1 and 1 - beta2, step_size lr / (1 - beta1**t); AdamW passes its decoupled decay
    as decay = 1 - lr * weight_decay and weight_decay 0, Adam decay 1."""
    d = -g if maximize else g
    if decay != 1:
        p = p * decay
    if weight_decay != 0:
        d += weight_decay * p
    m += keep1 * (d - m)
    v = beta2 * v + keep2 * d * d
    if amsgrad:
        if v > vmax or v != v:  # torch.maximum: NaN wins
            vmax = v
        denom = math.sqrt(vmax) / bc2_sqrt + eps
    else:
        denom = math.sqrt(v) / bc2_sqrt + eps
    return p - step_size * m / denom, m, v, vmax
