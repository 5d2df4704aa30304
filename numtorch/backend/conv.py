"""CPU dispatch for convolution (im2col + BLAS) and pooling.  Shapes are validated by the
functional layer; this module only lays out arrays for the kernels."""

import numpy as np

from ..kernels.cpu import conv as K
from . import cuda_conv, workspace
from .cuda_array import CudaArray


def out_size(n, k, s, p, d, ceil_mode=False):
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


def conv2d_forward(x, w, bias, stride, padding, dilation, groups):
    """Returns (out, cols) with cols kept for the weight gradient (as workspace leases on the
    CPU).  Per group: one im2col into a (C*kh*kw, N*L) matrix and one GEMM with the
    (O, C*kh*kw) weights; bias may be None."""
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
    og = o // groups
    prod = workspace.take((o, n * oh * ow), x.dtype)
    cols_all = []
    for g in range(groups):
        xg = np.ascontiguousarray(x[:, g * cg:(g + 1) * cg]) if groups > 1 else x
        cols = workspace.take((cg * kh * kw, n * oh * ow), x.dtype)
        K.im2col(xg, kh, kw, stride[0], stride[1], padding[0], padding[1], dilation[0],
                 dilation[1], oh, ow, cols)
        np.matmul(w[g * og:(g + 1) * og].reshape(og, -1), cols, out=prod[g * og:(g + 1) * og])
        cols_all.append(workspace.Lease(cols))
    bias = np.zeros(o, x.dtype) if bias is None else bias.astype(x.dtype)
    out = np.empty((n, o, oh * ow), x.dtype)
    K.gemm_to_nchw(prod, bias, out)
    workspace.give(prod)
    return out.reshape(n, o, oh, ow), cols_all


def conv2d_backward(grad, x_shape, w, cols_all, stride, padding, dilation, groups,
                    need_input, need_weight, need_bias):
    """(dx, dw, dbias), each None unless asked for."""
    if type(grad) is CudaArray:
        dx, dw = cuda_conv.conv2d_backward(grad, x_shape, w.astype(grad.dtype, copy=False),
                                           cols_all, stride, padding, dilation, groups,
                                           need_input, need_weight)
        return dx, dw, grad.sum((0, 2, 3)) if need_bias else None
    grad = _compute(grad)
    n, c, h, wd = x_shape
    o, cg, kh, kw = w.shape
    og = o // groups
    oh, ow = grad.shape[2], grad.shape[3]
    # (O, N*L): the layout of the forward product, so each gradient is one GEMM
    g2 = workspace.take((o, n * oh * ow), grad.dtype)
    db = np.empty(o, np.float64)
    K.nchw_to_gemm(np.ascontiguousarray(grad).reshape(n, o, oh * ow), g2, db)
    w = _compute(w).astype(grad.dtype, copy=False)
    dx = np.zeros((n, c, h, wd), grad.dtype) if need_input else None
    dw = np.empty(w.shape, grad.dtype) if need_weight else None
    dcols = workspace.take((cg * kh * kw, n * oh * ow), grad.dtype) if need_input else None
    for g in range(groups):
        gg = g2[g * og:(g + 1) * og]
        if need_weight:
            np.matmul(gg, cols_all[g].array.T, out=dw[g * og:(g + 1) * og].reshape(og, -1))
        if need_input:
            np.matmul(w[g * og:(g + 1) * og].reshape(og, -1).T, gg, out=dcols)
            dxg = np.zeros((n, cg, h, wd), grad.dtype) if groups > 1 else dx
            K.col2im(dcols, kh, kw, stride[0], stride[1], padding[0], padding[1], dilation[0],
                     dilation[1], oh, ow, dxg)
            if groups > 1:
                dx[:, g * cg:(g + 1) * cg] = dxg
    workspace.give(g2)
    if dcols is not None:
        workspace.give(dcols)
    return dx, dw, db.astype(grad.dtype) if need_bias else None


def max_pool2d(x, kernel, stride, padding, dilation, ceil_mode):
    n, c, h, w = x.shape
    oh = out_size(h, kernel[0], stride[0], padding[0], dilation[0], ceil_mode)
    ow = out_size(w, kernel[1], stride[1], padding[1], dilation[1], ceil_mode)
    if type(x) is CudaArray:
        return cuda_conv.max_pool2d(x, kernel, stride, padding, dilation, oh, ow)
    x = _compute(x)
    out = np.empty((n, c, oh, ow), x.dtype)
    argmax = np.empty((n, c, oh, ow), np.int64)
    K.max_pool2d(x, kernel[0], kernel[1], stride[0], stride[1], padding[0], padding[1],
                 dilation[0], dilation[1], out, argmax)
    return out, argmax


def max_pool2d_backward(grad, argmax, x_shape):
    if type(grad) is CudaArray:
        return cuda_conv.max_pool2d_backward(grad, argmax, x_shape)
    dx = np.empty(x_shape, np.float32 if grad.dtype == np.float16 else grad.dtype)
    K.max_pool2d_backward(_compute(grad), argmax, dx)
    return dx


def avg_pool2d(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor):
    n, c, h, w = x.shape
    oh = out_size(h, kernel[0], stride[0], padding[0], 1, ceil_mode)
    ow = out_size(w, kernel[1], stride[1], padding[1], 1, ceil_mode)
    if type(x) is CudaArray:
        return cuda_conv.avg_pool2d(x, kernel, stride, padding, count_include_pad, divisor,
                                    oh, ow)
    x = _compute(x)
    out = np.empty((n, c, oh, ow), x.dtype)
    K.avg_pool2d(x, kernel[0], kernel[1], stride[0], stride[1], padding[0], padding[1],
                 count_include_pad, divisor or 0, out)
    return out


def avg_pool2d_backward(grad, x_shape, kernel, stride, padding, count_include_pad, divisor):
    if type(grad) is CudaArray:
        return cuda_conv.avg_pool2d_backward(grad, x_shape, kernel, stride, padding,
                                             count_include_pad, divisor)
    dx = np.zeros(x_shape, np.float32 if grad.dtype == np.float16 else grad.dtype)
    K.avg_pool2d_backward(_compute(grad), kernel[0], kernel[1], stride[0], stride[1],
                          padding[0], padding[1], count_include_pad, divisor or 0, dx)
    return dx


def adaptive_avg_pool2d(x, size):
    if type(x) is CudaArray:
        return cuda_conv.avg_pool2d(x, (0, 0), (1, 1), (0, 0), False, 0, size[0], size[1],
                                    adaptive=True)
    x = _compute(x)
    out = np.empty(x.shape[:2] + tuple(size), x.dtype)
    K.adaptive_avg_pool2d(x, out)
    return out


def adaptive_avg_pool2d_backward(grad, x_shape):
    if type(grad) is CudaArray:
        return cuda_conv.avg_pool2d_backward(grad, x_shape, (0, 0), (1, 1), (0, 0), False, 0,
                                             adaptive=True)
    dx = np.zeros(x_shape, np.float32 if grad.dtype == np.float16 else grad.dtype)
    K.adaptive_avg_pool2d_backward(_compute(grad), dx)
    return dx
