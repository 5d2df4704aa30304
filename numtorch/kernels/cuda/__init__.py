"""@cuda.jit kernels: the GPU counterparts of kernels/cpu, over strided device buffers.

Every array reaches a kernel as a flat 1-D device buffer plus a small int64 "meta" vector
[offset, ndim, shape..., strides...] (elements, not bytes), so one compiled kernel serves every
rank, layout and broadcast (stride 0) -- MiniTorch's map/zip/reduce over strides.  Op codes are
the CPU kernels' (kernels/cpu/elementwise.py), so the backends share one numbering.
"""
