"""Uniform and normal draws on the GPU from numba.cuda.random's xoroshiro128+ generators: one
generator state per thread of the launch grid, advanced in place, so a seeded sequence of
draws repeats exactly."""

from numba import cuda
from numba.cuda.random import xoroshiro128p_normal_float64, xoroshiro128p_uniform_float64

from ._jit import kernel


@kernel
def uniform(states, out, n):
    t = cuda.grid(1)
    for i in range(t, n, cuda.gridsize(1)):
        out[i] = xoroshiro128p_uniform_float64(states, t)


@kernel
def normal(states, out, n):
    t = cuda.grid(1)
    for i in range(t, n, cuda.gridsize(1)):
        out[i] = xoroshiro128p_normal_float64(states, t)
