"""CUDA dispatch for backend/conv.py: conv2d as im2col + the tiled matmul (both backward
passes as products with the saved columns), and max pooling.  Same signatures and layouts as
the CPU functions, so nn.functional calls either without knowing the device."""

from typing import Any, Optional, Tuple

import numpy as np

from ._types import Pair, Shape
from .cuda_array import CudaArray, ascontiguous, empty, fill, launch
from .cuda_ops import matmul


def _k():
    from ..kernels.cuda import conv
    return conv


def _flat(a):
    a = ascontiguous(a)
    return a.buf[a.offset:a.offset + max(a.size, 1)]


def conv2d_forward(x: CudaArray, w: CudaArray, stride: Pair, padding: Pair, dilation: Pair,
                   groups: int, oh: int, ow: int) -> Tuple[CudaArray, Any]:
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    og = o // groups
    out = empty((o, n, oh * ow), x.dtype)
    cols_all = []
    for g in range(groups):
        xg = x[:, g * cg:(g + 1) * cg]
        cols = empty((cg * kh * kw, n * oh * ow), x.dtype)
        launch(_k().im2col, cols.size, _flat(xg), n, cg, h, wd, kh, kw, stride[0], stride[1],
               padding[0], padding[1], dilation[0], dilation[1], oh, ow, cols.buf)
        wg = ascontiguous(w[g * og:(g + 1) * og]).reshape(og, cg * kh * kw)
        out[g * og:(g + 1) * og] = matmul(wg, cols).reshape(og, n, oh * ow)
        cols_all.append(cols)
    return out.transpose(1, 0, 2).reshape(n, o, oh, ow), cols_all


def conv2d_backward(grad: CudaArray, x_shape: Shape, w: CudaArray, cols_all: Any, stride: Pair,
                    padding: Pair, dilation: Pair, groups: int, need_input: bool,
                    need_weight: bool) -> Tuple[Optional[CudaArray], Optional[CudaArray]]:
    n, c, h, wd = x_shape
    o, cg, kh, kw = w.shape
    og = o // groups
    oh, ow = grad.shape[2], grad.shape[3]
    g2 = ascontiguous(grad.reshape(n, o, oh * ow).transpose(1, 0, 2)).reshape(o, n * oh * ow)
    dx = empty((n, c, h, wd), grad.dtype) if need_input else None
    dw = empty(w.shape, grad.dtype) if need_weight else None
    for g in range(groups):
        gg = g2[g * og:(g + 1) * og]
        if dw is not None:
            dw[g * og:(g + 1) * og] = matmul(gg, cols_all[g].T).reshape(og, cg, kh, kw)
        if dx is not None:
            wg = ascontiguous(w[g * og:(g + 1) * og]).reshape(og, cg * kh * kw)
            dcols = matmul(wg.T, gg)
            dxg = empty((n, cg, h, wd), grad.dtype)
            launch(_k().col2im, dxg.size, dcols.buf, n, cg, h, wd, kh, kw, stride[0],
                   stride[1], padding[0], padding[1], dilation[0], dilation[1], oh, ow,
                   dxg.buf)
            dx[:, g * cg:(g + 1) * cg] = dxg
    return dx, dw


def max_pool2d(x: CudaArray, kernel: Pair, stride: Pair, padding: Pair, dilation: Pair, oh: int,
               ow: int) -> Tuple[CudaArray, CudaArray]:
    n, c, h, w = x.shape
    out = empty((n, c, oh, ow), x.dtype)
    argmax = empty((n, c, oh, ow), np.int64)
    launch(_k().max_pool2d, out.size, _flat(x), h, w, kernel[0], kernel[1], stride[0],
           stride[1], padding[0], padding[1], dilation[0], dilation[1], oh, ow, out.buf,
           argmax.buf)
    return out, argmax


def max_pool2d_backward(grad: CudaArray, argmax: CudaArray, x_shape: Shape) -> CudaArray:
    dx = fill(empty(x_shape, grad.dtype), 0)
    launch(_k().max_pool2d_backward, grad.size, _flat(grad), argmax.buf,
           x_shape[2] * x_shape[3], grad.shape[2] * grad.shape[3], dx.buf)
    return dx


def avg_pool2d(x: CudaArray, kernel: Pair, stride: Pair, padding: Pair, count_include_pad: bool,
               divisor: Optional[int], oh: int, ow: int, adaptive: bool = False) -> CudaArray:
    n, c, h, w = x.shape
    out = empty((n, c, oh, ow), x.dtype)
    launch(_k().avg_pool2d, out.size, _flat(x), h, w, kernel[0], kernel[1], stride[0],
           stride[1], padding[0], padding[1], bool(count_include_pad), divisor or 0, adaptive,
           oh, ow, out.buf)
    return out


def avg_pool2d_backward(grad: CudaArray, x_shape: Shape, kernel: Pair, stride: Pair, padding: Pair,
                        count_include_pad: bool, divisor: Optional[int],
                        adaptive: bool = False) -> CudaArray:
    dx = fill(empty(x_shape, grad.dtype), 0)
    launch(_k().avg_pool2d_backward, grad.size, _flat(grad), x_shape[2], x_shape[3], kernel[0],
           kernel[1], stride[0], stride[1], padding[0], padding[1], bool(count_include_pad),
           divisor or 0, adaptive, grad.shape[2], grad.shape[3], dx.buf)
    return dx
