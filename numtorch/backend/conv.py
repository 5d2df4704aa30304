"""CPU dispatch for convolution (direct kernels at stride 1, im2col + BLAS otherwise) and
pooling.  Shapes are validated by the functional layer; this module only lays out arrays for
the kernels."""

import functools
from typing import Any, Optional, Tuple

import numpy as np
from numba import get_num_threads

from ..kernels.cpu import conv as kernels
from . import cuda_conv, workspace
from ._types import HostArray, Pair, Shape
from .cuda_array import CudaArray


def out_size(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool = False) -> int:
    span = n + 2 * p - d * (k - 1) - 1
    if ceil_mode:
        o = -(-span // s) + 1
        # the last window must start inside the input or left padding (PyTorch's rule)
        if (o - 1) * s >= n + p:
            o -= 1
        return o
    return span // s + 1


def _compute(x):
    """Kernels and BLAS run in float32/float64; float16 computes in float32."""
    return x.astype(np.float32) if x.dtype == np.float16 else np.ascontiguousarray(x)


def _direct(w_shape, stride, padding, dilation, groups, oh, ow):
    """Whether the direct kernels take a conv: they can at stride 1 with padding within the
    kernel's reach (the input gradient pads the output gradient by reach - padding)."""
    o, cg, kh, kw = w_shape
    return (stride == (1, 1) and padding[0] <= dilation[0] * (kh - 1)
            and padding[1] <= dilation[1] * (kw - 1) and _direct_pays(cg, kh * kw, groups, oh * ow))


def _direct_pays(cg, taps, groups, plane):
    """Where the direct kernels beat im2col + BLAS (forward + backward, 2-core AVX2 machine).
    They pay a fixed cost per tap and output plane, so they win on big planes over few input
    channels: 0.55-0.8x im2col's time for 1-32 channels on 16x16 to 224x224 planes, 3x3 and
    5x5; even at 6 channels on LeNet's 10x10 planes (taken: then LeNet compiles no im2col
    kernels) and at 64 channels on 16x16; 2x and 3.4x slower for 128 channels on 8x8 and 256
    on 4x4.  Grouped convs over few channels per group are loops of small GEMMs for im2col,
    and the direct kernels take them on any plane (depthwise 3x3: 0.12x).  A 1x1 conv's
    im2col is a plain copy (1.2x)."""
    return taps > 1 and cg * taps < 576 and (groups > 1 or plane >= 100)


def conv2d_forward(x: HostArray, w: HostArray, bias: Optional[HostArray], stride: Pair,
                   padding: Pair, dilation: Pair, groups: int) -> Tuple[HostArray, Any]:
    """Returns (out, saved): what saved holds for the backward depends on the path, and
    workspace buffers in it come as leases.  bias may be None."""
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    oh = out_size(h, kh, stride[0], padding[0], dilation[0])
    ow = out_size(wd, kw, stride[1], padding[1], dilation[1])
    if type(x) is CudaArray:
        out, cols = cuda_conv.conv2d_forward(x, w.astype(x.dtype, copy=False), stride, padding,
                                             dilation, groups, oh, ow)
        if bias is not None:
            out = out + bias.astype(x.dtype, copy=False).reshape(1, -1, 1, 1)
        return out, cols
    x = _compute(x)
    w = _compute(w).astype(x.dtype, copy=False)
    bias = np.zeros(o, x.dtype) if bias is None else np.ascontiguousarray(bias, x.dtype)
    if _direct(w.shape, stride, padding, dilation, groups, oh, ow):
        return _direct_forward(x, w, bias, padding, dilation)
    return _im2col_forward(x, w, bias, stride, padding, dilation, groups, oh, ow)


_ROW_ELEMENTS = 1024  # conv_rows' accumulator rows: 4 x 4 KB of float32, with room in L1
_NO_SUMS = np.empty((0, 0))


@functools.lru_cache(maxsize=64)
def _taps(cg, kh, kw, dilation, pitch):
    """(channel, offset) of each tap of a group, in the order of weight.reshape(O, -1)."""
    t = np.arange(cg * kh * kw)
    i, j = t // kw % kh, t % kw
    return t // (kh * kw), i * dilation[0] * pitch + j * dilation[1]


def _direct_forward(x, w, bias, padding, dilation):
    """Saves the input as padded pitched planes, with room for the kernels' whole vectors after
    the last row (a copy even without padding: 0.2 ms of the benchmark's 2.1-2.7 ms forward)."""
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    hp, pitch = h + 2 * padding[0], wd + 2 * padding[1]
    xp = workspace.take((n, c, hp * pitch + kernels._VECTOR), x.dtype)
    kernels.pitch_planes(x, padding[0], padding[1], pitch, xp, _NO_SUMS)
    out = np.empty((n, o, hp - dilation[0] * (kh - 1), pitch - dilation[1] * (kw - 1)),
                   x.dtype)
    chan, shift = _taps(cg, kh, kw, dilation, pitch)
    kernels.conv_rows(xp, pitch, chan, shift, w.reshape(o, -1), bias,
                      max(1, _ROW_ELEMENTS // pitch), out)
    return out, workspace.Lease(xp)


def _direct_backward(grad, x_shape, w, saved, padding, dilation, need_input, need_weight):
    """The output gradient goes into pitched planes once, padded by the kernel's reach less
    the forward padding on each side: read at the forward's offsets it is the weight
    gradient's operand (the gap holds zeros), and its full convolution with the flipped
    weights is the input gradient."""
    n, c, h, wd = x_shape
    o, cg, kh, kw = w.shape
    groups, oh, ow = c // cg, grad.shape[2], grad.shape[3]
    og = o // groups
    xp = saved.array
    pitch = wd + 2 * padding[1]
    top, left = dilation[0] * (kh - 1) - padding[0], dilation[1] * (kw - 1) - padding[1]
    rows = oh + 2 * top
    gp = workspace.take((n, o, rows * pitch + dilation[1] * (kw - 1) + kernels._VECTOR), grad.dtype)
    sums = np.empty((n, o))
    kernels.pitch_planes(grad, top, left, pitch, gp, sums)
    dx = dw = None
    if need_weight:
        chunks = min(n, max(1, -(-2 * get_num_threads() // (groups * -(-og // 4)))))
        part = np.empty((chunks, o, cg * kh * kw), grad.dtype)
        chan, shift = _taps(cg, kh, kw, dilation, pitch)
        kernels.conv_rows_weight_grad(gp, top * pitch + left, (oh - 1) * pitch + ow, xp, chan,
                                      shift, part)
        dw = (part[0] if chunks == 1 else part.sum(0)).reshape(w.shape)
        if not np.isfinite(dw).all():
            planes = xp[:, :, :(h + 2 * padding[0]) * pitch].reshape(n, c, -1, pitch)
            dw = _exact_weight_grad(grad, planes, w, dilation, groups)
    if need_input:
        wt = w.reshape(groups, og, cg, kh, kw)[:, :, :, ::-1, ::-1].transpose(0, 2, 1, 3, 4)
        chan, shift = _taps(og, kh, kw, dilation, pitch)
        dx = np.empty(x_shape, grad.dtype)
        kernels.conv_rows(gp, pitch, chan, shift, np.ascontiguousarray(wt).reshape(c, -1),
                    np.zeros(c, grad.dtype), max(1, _ROW_ELEMENTS // pitch), dx)
    workspace.give(gp)
    return dx, dw, sums.sum(0).astype(grad.dtype)


def _exact_weight_grad(grad, planes, w, dilation, groups):
    """The weight gradient by im2col from the padded input planes, for when the direct one is
    not finite: its gap adds 0 * x for inputs outside each tap's windows, NaN where such an x
    is inf or NaN."""
    _, cols = _im2col_forward(planes, w, np.zeros(w.shape[0], w.dtype), (1, 1), (0, 0),
                              dilation, groups, grad.shape[2], grad.shape[3])
    return _im2col_backward(grad, planes.shape, w, cols, (1, 1), (0, 0), dilation, groups,
                            False, True)[1]


def _im2col_forward(x, w, bias, stride, padding, dilation, groups, oh, ow):
    """Per group: one im2col into a (C*kh*kw, N*L) matrix, kept for the weight gradient, and
    one GEMM with the (O, C*kh*kw) weights."""
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    og, nl = o // groups, n * oh * ow
    prod = workspace.take_matrix(o, nl, x.dtype)
    cols_all = []
    for g in range(groups):
        xg = np.ascontiguousarray(x[:, g * cg:(g + 1) * cg]) if groups > 1 else x
        cols = workspace.take_matrix(cg * kh * kw, nl, x.dtype)
        kernels.im2col(xg, kh, kw, stride[0], stride[1], padding[0], padding[1], dilation[0],
                 dilation[1], oh, ow, cols)
        np.matmul(w[g * og:(g + 1) * og].reshape(og, -1), cols[:, :nl],
                  out=prod[g * og:(g + 1) * og, :nl])
        cols_all.append(workspace.Lease(cols))
    out = np.empty((n, o, oh * ow), x.dtype)
    kernels.gemm_to_nchw(prod, bias, out)
    workspace.give(prod)
    return out.reshape(n, o, oh, ow), cols_all


def conv2d_backward(grad: HostArray, x_shape: Shape, w: HostArray, saved: Any, stride: Pair,
                    padding: Pair, dilation: Pair, groups: int, need_input: bool,
                    need_weight: bool, need_bias: bool
                    ) -> Tuple[Optional[HostArray], Optional[HostArray], Optional[HostArray]]:
    """(dx, dw, dbias), each None unless asked for; saved is what the forward returned."""
    if type(grad) is CudaArray:
        dx, dw = cuda_conv.conv2d_backward(grad, x_shape, w.astype(grad.dtype, copy=False),
                                           saved, stride, padding, dilation, groups,
                                           need_input, need_weight)
        return dx, dw, grad.sum((0, 2, 3)) if need_bias else None
    grad = _compute(grad)
    w = _compute(w).astype(grad.dtype, copy=False)
    if _direct(w.shape, stride, padding, dilation, groups, grad.shape[2], grad.shape[3]):
        dx, dw, db = _direct_backward(grad, x_shape, w, saved, padding, dilation, need_input,
                                      need_weight)
    else:
        dx, dw, db = _im2col_backward(grad, x_shape, w, saved, stride, padding, dilation,
                                      groups, need_input, need_weight)
    return dx, dw, db if need_bias else None


def _im2col_backward(grad, x_shape, w, cols_all, stride, padding, dilation, groups,
                     need_input, need_weight):
    n, c, h, wd = x_shape
    o, cg, kh, kw = w.shape
    og = o // groups
    oh, ow = grad.shape[2], grad.shape[3]
    nl = n * oh * ow
    # The gradient in the forward product's (O, N*L) layout for the weight GEMM, and for the
    # input GEMM of a stride-1 conv in col2im_runs' pitch layout instead.
    runs = need_input and stride == (1, 1)
    pitch = wd + 2 * padding[1] if runs else ow
    nlp = n * oh * pitch
    none = np.empty((0, 0), grad.dtype)  # "no such layout" for nchw_to_gemm
    g2 = workspace.take_matrix(o, nl, grad.dtype) if need_weight or not runs else none
    g2p = workspace.take_matrix(o, nlp, grad.dtype) if runs else none
    db = np.empty(o, np.float64)
    kernels.nchw_to_gemm(np.ascontiguousarray(grad).reshape(n, o, oh * ow), ow, g2, pitch, g2p, db)
    dx = np.empty((n, c, h, wd), grad.dtype) if need_input else None
    dw = np.empty(w.shape, grad.dtype) if need_weight else None
    for g in range(groups):
        rows = slice(g * og, (g + 1) * og)
        if need_weight:
            # as dW^T = cols @ g2^T: OpenBLAS runs this orientation ~20% faster
            dw_t = np.matmul(cols_all[g].array[:, :nl], g2[rows, :nl].T)
            dw[rows] = dw_t.T.reshape(og, cg, kh, kw)
        if need_input:
            dxg = np.empty((n, cg, h, wd), grad.dtype) if groups > 1 else dx
            _input_grad((g2p if runs else g2)[rows], w[rows], oh, ow, pitch, stride, padding,
                        dilation, dxg)
            if groups > 1:
                dx[:, g * cg:(g + 1) * cg] = dxg
    for buf in (g2, g2p):
        if buf.size:
            workspace.give(buf)
    return dx, dw, db.astype(grad.dtype)


_CHUNK_BYTES = 4 << 20


def _input_grad(g2, w, oh, ow, pitch, stride, padding, dilation, dx):
    """dx from the gradient g2 (O, N*oh*pitch): the W^T @ g2 GEMM and col2im, a few samples
    at a time so the column matrix between them stays in cache (a whole-batch one is written
    to memory and read back: 0.5 ms of the 16->32 channel benchmark conv)."""
    n, o, (kh, kw) = dx.shape[0], w.shape[0], w.shape[2:]
    wt = np.ascontiguousarray(w.reshape(o, -1).T)  # contiguous: OpenBLAS ~15% faster
    lp = oh * pitch
    step = min(n, max(1, _CHUNK_BYTES // (wt.size // o * lp * dx.itemsize)))
    dcols = workspace.take_matrix(wt.shape[0], step * lp, dx.dtype)
    for n0 in range(0, n, step):
        m = min(step, n - n0)
        np.matmul(wt, g2[:, n0 * lp:(n0 + m) * lp], out=dcols[:, :m * lp])
        if pitch != ow:
            kernels.col2im_runs(dcols, kh, kw, dilation[0], dilation[1], padding[0], padding[1], oh,
                          ow, dx[n0:n0 + m])
        else:
            kernels.col2im(dcols, kh, kw, stride[0], stride[1], padding[0], padding[1], dilation[0],
                     dilation[1], oh, ow, dx[n0:n0 + m])
    workspace.give(dcols)


def max_pool2d(x: HostArray, kernel: Pair, stride: Pair, padding: Pair, dilation: Pair,
               ceil_mode: bool) -> Tuple[HostArray, HostArray]:
    n, c, h, w = x.shape
    oh = out_size(h, kernel[0], stride[0], padding[0], dilation[0], ceil_mode)
    ow = out_size(w, kernel[1], stride[1], padding[1], dilation[1], ceil_mode)
    if type(x) is CudaArray:
        return cuda_conv.max_pool2d(x, kernel, stride, padding, dilation, oh, ow)
    x = _compute(x)
    out = np.empty((n, c, oh, ow), x.dtype)
    argmax = np.empty((n, c, oh, ow), np.int64)
    kernels.max_pool2d(x, kernel[0], kernel[1], stride[0], stride[1], padding[0], padding[1],
                 dilation[0], dilation[1], out, argmax)
    return out, argmax


def max_pool2d_backward(grad: HostArray, argmax: HostArray, x_shape: Shape) -> HostArray:
    if type(grad) is CudaArray:
        return cuda_conv.max_pool2d_backward(grad, argmax, x_shape)
    dx = np.empty(x_shape, np.float32 if grad.dtype == np.float16 else grad.dtype)
    kernels.max_pool2d_backward(_compute(grad), argmax, dx)
    return dx


def avg_pool2d(x: HostArray, kernel: Pair, stride: Pair, padding: Pair, ceil_mode: bool,
               count_include_pad: bool, divisor: Optional[int]) -> HostArray:
    n, c, h, w = x.shape
    oh = out_size(h, kernel[0], stride[0], padding[0], 1, ceil_mode)
    ow = out_size(w, kernel[1], stride[1], padding[1], 1, ceil_mode)
    if type(x) is CudaArray:
        return cuda_conv.avg_pool2d(x, kernel, stride, padding, count_include_pad, divisor,
                                    oh, ow)
    x = _compute(x)
    out = np.empty((n, c, oh, ow), x.dtype)
    kernels.avg_pool2d(x, kernel[0], kernel[1], stride[0], stride[1], padding[0], padding[1],
                 count_include_pad, divisor or 0, out)
    return out


def avg_pool2d_backward(grad: HostArray, x_shape: Shape, kernel: Pair, stride: Pair,
                        padding: Pair, count_include_pad: bool, divisor: Optional[int]
                        ) -> HostArray:
    if type(grad) is CudaArray:
        return cuda_conv.avg_pool2d_backward(grad, x_shape, kernel, stride, padding,
                                             count_include_pad, divisor)
    dx = np.zeros(x_shape, np.float32 if grad.dtype == np.float16 else grad.dtype)
    kernels.avg_pool2d_backward(_compute(grad), kernel[0], kernel[1], stride[0], stride[1],
                          padding[0], padding[1], count_include_pad, divisor or 0, dx)
    return dx


def adaptive_avg_pool2d(x: HostArray, size: Pair) -> HostArray:
    if type(x) is CudaArray:
        return cuda_conv.avg_pool2d(x, (0, 0), (1, 1), (0, 0), False, 0, size[0], size[1],
                                    adaptive=True)
    x = _compute(x)
    out = np.empty(x.shape[:2] + tuple(size), x.dtype)
    kernels.adaptive_avg_pool2d(x, out)
    return out


def adaptive_avg_pool2d_backward(grad: HostArray, x_shape: Shape) -> HostArray:
    if type(grad) is CudaArray:
        return cuda_conv.avg_pool2d_backward(grad, x_shape, (0, 0), (1, 1), (0, 0), False, 0,
                                             adaptive=True)
    dx = np.zeros(x_shape, np.float32 if grad.dtype == np.float16 else grad.dtype)
    kernels.adaptive_avg_pool2d_backward(_compute(grad), dx)
    return dx
