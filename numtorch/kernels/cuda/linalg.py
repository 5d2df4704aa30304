"""Batched matrix product C[b] = A[b] @ B[b], tiled in shared memory (TILE x TILE blocks).

A and B arrive as flat buffers with explicit element strides (batch, row, col), so transposed
and broadcast (stride 0 batch) operands need no copies; C is contiguous (B, M, N)."""

from numba import cuda, float64

from ._jit import SIMULATED, kernel

TILE = 4 if SIMULATED else 16


@kernel
def matmul(a, a_off, sab, sam, sak, b, b_off, sbb, sbk, sbn, c, n_b, m, n, k):
    ta = cuda.shared.array((TILE, TILE), float64)
    tb = cuda.shared.array((TILE, TILE), float64)
    tx, ty = cuda.threadIdx.x, cuda.threadIdx.y
    col = cuda.blockIdx.x * TILE + tx
    row = cuda.blockIdx.y * TILE + ty
    batch = cuda.blockIdx.z
    acc = float64(0)
    for t0 in range(0, k, TILE):
        ka, kb = t0 + tx, t0 + ty
        ta[ty, tx] = a[a_off + batch * sab + row * sam + ka * sak] if (row < m and ka < k) \
            else 0
        tb[ty, tx] = b[b_off + batch * sbb + kb * sbk + col * sbn] if (kb < k and col < n) \
            else 0
        cuda.syncthreads()
        for q in range(TILE):
            acc += ta[ty, q] * tb[q, tx]
        cuda.syncthreads()
    if row < m and col < n:
        c[(batch * m + row) * n + col] = acc
