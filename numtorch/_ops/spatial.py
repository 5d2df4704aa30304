"""Convolution, pooling and resampling over spatial dims (nn.functional's): conv1d/2d,
conv_transpose2d, max/avg/adaptive pooling, pixel_shuffle, interpolate."""

import math

import numpy as np

from .. import _dtype as D
from ..autograd import graph
from ..backend import conv as backend
from ..backend.elementwise import DEVICE_MISMATCH
from ..tensor import wrap
from .creation import tensor as make
from .layers import pad
from .shape import cat


def _pair(v, n=2):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


def _spatial_input(name, input, dims):
    """Accept batched (N, C, *spatial) or unbatched (C, *spatial) input."""
    if input.ndim == dims + 1:
        return input.unsqueeze(0), True
    if input.ndim != dims + 2:
        raise RuntimeError(f"Expected {dims + 1}D (unbatched) or {dims + 2}D (batched) input "
                           f"to {name}, but got input of size: {list(input.shape)}")
    return input, False


def _check_conv_bias(x, weight, bias):
    if bias.ndim != 1 or bias.shape[0] != weight.shape[0]:
        raise RuntimeError(f"Given weight of size {list(weight.shape)}, expected bias to be "
                           f"1-dimensional with {weight.shape[0]} elements, but got bias of "
                           f"size {list(bias.shape)} instead")
    if bias.dtype is not x.dtype:
        raise RuntimeError(f"Input type ({D.c_type_name(x.dtype)}) and bias type "
                           f"({D.c_type_name(bias.dtype)}) should be the same")
    if bias.device != x.device:
        raise RuntimeError(DEVICE_MISMATCH)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    x, unbatched = _spatial_input("conv2d", input, 2)
    stride, dilation = _pair(stride), _pair(dilation)
    kh, kw = weight.shape[2], weight.shape[3]
    if isinstance(padding, str):
        if padding == "valid":
            padding = (0, 0)
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
            total = [dilation[0] * (kh - 1), dilation[1] * (kw - 1)]
            if any(t % 2 for t in total):  # asymmetric: pad the extra on the right/bottom
                x = pad(x, (total[1] // 2, total[1] - total[1] // 2,
                            total[0] // 2, total[0] - total[0] // 2))
                padding = (0, 0)
            else:
                padding = (total[0] // 2, total[1] // 2)
        else:
            raise ValueError(f"Invalid padding string '{padding}', should be one of "
                             f"{{'valid', 'same'}}")
    padding = _pair(padding)
    if weight.ndim != 4:
        raise RuntimeError("weight should have at least three dimensions")
    if x.shape[1] != weight.shape[1] * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {list(weight.shape)}, "
                           f"expected input{list(x.shape)} to have "
                           f"{weight.shape[1] * groups} channels, but got {x.shape[1]} "
                           f"channels instead")
    if weight.shape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by "
                           f"{groups} at dimension 0, but got weight of size "
                           f"{list(weight.shape)} instead")
    ph_, pw_ = x.shape[2] + 2 * padding[0], x.shape[3] + 2 * padding[1]
    ekh, ekw = dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1
    if ph_ < ekh or pw_ < ekw:
        raise RuntimeError(f"Calculated padded input size per channel: ({ph_} x {pw_}). Kernel "
                           f"size: ({ekh} x {ekw}). Kernel size can't be greater than actual "
                           f"input size")
    if x.dtype is not weight.dtype:
        raise RuntimeError(f"expected scalar type {D.type_name(x.dtype)} but found "
                           f"{D.type_name(weight.dtype)}")
    if bias is not None:
        _check_conv_bias(x, weight, bias)
    out_arr, saved = backend.conv2d_forward(x._data, weight._data,
                                      None if bias is None else bias._data, stride, padding,
                                      dilation, groups)
    out = wrap(out_arr.astype(x.dtype.np, copy=False), x.dtype)
    x_shape = x._data.shape
    need_x, need_w = x._requires_grad, weight._requires_grad
    need_b = bias is not None and bias._requires_grad

    # x is saved (unused; the backward reads its copy in `saved`) because PyTorch saves it:
    # an in-place write to x before backward raises there, so it raises here
    def backward(g, _x, w):
        dx, dw, db = backend.conv2d_backward(g._data, x_shape, w._data, saved, stride, padding,
                                       dilation, groups, need_x, need_w, need_b)
        return tuple(None if a is None else wrap(a.astype(t.dtype.np, copy=False), t.dtype)
                     for a, t in ((dx, x), (dw, w), (db, bias)))
    out = graph.attach(out, "ConvolutionBackward0", (x, weight, bias), backward, (x, weight))
    return out.squeeze(0) if unbatched else out


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    x, unbatched = _spatial_input("conv1d", input, 1)
    if isinstance(padding, str):
        pad2 = padding
    else:
        pad2 = (0, _pair(padding, 1)[0])
    out = conv2d(x.unsqueeze(2), weight.unsqueeze(2), bias, (1, _pair(stride, 1)[0]), pad2,
                 (1, _pair(dilation, 1)[0]), groups).squeeze(2)
    return out.squeeze(0) if unbatched else out


def _pool_args(kernel_size, stride, padding, dilation=1):
    kernel = _pair(kernel_size)
    stride = kernel if stride is None or (isinstance(stride, (list, tuple)) and not stride) \
        else _pair(stride)
    padding, dilation = _pair(padding), _pair(dilation)
    for k, p in zip(kernel, padding):
        if p > k // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                               f"pad={p}, kernel_size={k} and dilation={dilation[0]}")
    return kernel, stride, padding, dilation


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    x, unbatched = _spatial_input("max_pool2d", input, 2)
    kernel, stride, padding, dilation = _pool_args(kernel_size, stride, padding, dilation)
    out_arr, argmax = backend.max_pool2d(x._data, kernel, stride, padding, dilation, ceil_mode)
    if out_arr.shape[2] <= 0 or out_arr.shape[3] <= 0:
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, x.shape[1:]))}). "
                           f"Calculated output size: ({x.shape[1]}x{out_arr.shape[2]}x"
                           f"{out_arr.shape[3]}). Output size is too small")
    out = wrap(out_arr.astype(x.dtype.np, copy=False), x.dtype)
    x_shape = x._data.shape
    out = graph.attach(out, "MaxPool2DWithIndicesBackward0", (x,),
                       lambda g: wrap(backend.max_pool2d_backward(g._data, argmax, x_shape)
                                      .astype(x.dtype.np, copy=False), x.dtype))
    if unbatched:
        out = out.squeeze(0)
    if return_indices:
        idx = wrap(argmax[0] if unbatched else argmax, D.int64)
        return out, idx
    return out


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    x, unbatched = _spatial_input("avg_pool2d", input, 2)
    kernel, stride, padding, _ = _pool_args(kernel_size, stride, padding)
    out_arr = backend.avg_pool2d(x._data, kernel, stride, padding, ceil_mode, count_include_pad,
                           divisor_override)
    out = wrap(out_arr.astype(x.dtype.np, copy=False), x.dtype)
    x_shape = x._data.shape
    out = graph.attach(out, "AvgPool2DBackward0", (x,),
                       lambda g: wrap(backend.avg_pool2d_backward(
                           g._data, x_shape, kernel, stride, padding, count_include_pad,
                           divisor_override).astype(x.dtype.np, copy=False), x.dtype))
    return out.squeeze(0) if unbatched else out


def adaptive_avg_pool2d(input, output_size):
    x, unbatched = _spatial_input("adaptive_avg_pool2d", input, 2)
    size = tuple(x.shape[2 + i] if s is None else s for i, s in enumerate(_pair(output_size)))
    if size == (1, 1):  # a global average pool is a mean, as PyTorch records it
        out = x.mean((-2, -1), keepdim=True)
        return out.squeeze(0) if unbatched else out
    out = wrap(backend.adaptive_avg_pool2d(x._data, size).astype(x.dtype.np, copy=False), x.dtype)
    x_shape = x._data.shape
    out = graph.attach(out, "AdaptiveAvgPool2DBackward0", (x,),
                       lambda g: wrap(backend.adaptive_avg_pool2d_backward(g._data, x_shape)
                                      .astype(x.dtype.np, copy=False), x.dtype))
    return out.squeeze(0) if unbatched else out


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    x, unbatched = _spatial_input("max_pool1d", input, 1)
    k, s = _pair(kernel_size, 1)[0], _pair(stride if stride is not None else kernel_size, 1)[0]
    out = max_pool2d(x.unsqueeze(2), (1, k), (1, s), (0, _pair(padding, 1)[0]),
                     (1, _pair(dilation, 1)[0]), ceil_mode, return_indices)
    if return_indices:
        out, idx = out
        out, idx = out.squeeze(2), idx.squeeze(2)
        return (out.squeeze(0), idx.squeeze(0)) if unbatched else (out, idx)
    out = out.squeeze(2)
    return out.squeeze(0) if unbatched else out


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    x, unbatched = _spatial_input("avg_pool1d", input, 1)
    k, s = _pair(kernel_size, 1)[0], _pair(stride if stride is not None else kernel_size, 1)[0]
    out = avg_pool2d(x.unsqueeze(2), (1, k), (1, s), (0, _pair(padding, 1)[0]), ceil_mode,
                     count_include_pad).squeeze(2)
    return out.squeeze(0) if unbatched else out


def pixel_shuffle(input, upscale_factor):
    r = upscale_factor
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but input.size(-3)={c} "
                           f"is not divisible by {r * r}")
    x = input.reshape(*lead, c // (r * r), r, r, h, w)
    n = len(lead)
    x = x.permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)
    return x.reshape(*lead, c // (r * r), h * r, w * r)


def _source_index(out_size, in_size, scale, align_corners):
    """Where each output pixel samples the input along one axis (PyTorch's conventions)."""
    out = np.arange(out_size, dtype=np.float64)
    if align_corners:
        return out * ((in_size - 1) / (out_size - 1) if out_size > 1 else 0.0)
    ratio = 1.0 / scale if scale else in_size / out_size
    return np.maximum((out + 0.5) * ratio - 0.5, 0.0)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """nearest, (bi)linear resampling over the trailing 1 or 2 spatial dims, as index_select
    and weighted sums (so autograd differentiates them)."""
    dims = input.ndim - 2
    if dims not in (1, 2):
        raise NotImplementedError(f"numtorch: interpolate over {dims} spatial dims")
    if (size is None) == (scale_factor is None):
        raise ValueError("only one of size or scale_factor should be defined")
    in_sizes = tuple(input.shape[2:])
    scales = _pair(scale_factor, dims) if scale_factor is not None else (None,) * dims
    out_sizes = _pair(size, dims) if size is not None else \
        tuple(int(math.floor(s * f)) for s, f in zip(in_sizes, scales))
    if recompute_scale_factor:
        scales = (None,) * dims
    if mode not in ("nearest", "linear", "bilinear"):
        raise NotImplementedError(f"numtorch: interpolate mode '{mode}'")
    if mode != "nearest" and align_corners is None:
        align_corners = False
    out = input
    for k, (n_in, n_out, sc) in enumerate(zip(in_sizes, out_sizes, scales)):
        axis = 2 + k
        if mode == "nearest":
            ratio = 1.0 / sc if sc else n_in / n_out
            idx = np.minimum(np.floor(np.arange(n_out) * ratio), n_in - 1).astype(np.int64)
            out = out.index_select(axis, make(idx, device=input.device))
            continue
        src = _source_index(n_out, n_in, sc, align_corners)
        lo = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
        hi = np.minimum(lo + 1, n_in - 1)
        frac = (src - lo).astype(input.dtype.np)
        shape = [1] * input.ndim
        shape[axis] = n_out
        w = make(frac.reshape(shape), device=input.device)
        a = out.index_select(axis, make(lo, device=input.device))
        b = out.index_select(axis, make(hi, device=input.device))
        out = a + (b - a) * w
    return out


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    return interpolate(input, size, scale_factor, mode, align_corners)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1):
    """The gradient of conv2d with respect to its input, written as a conv2d: the input
    spread out by `stride` (zeros between), padded by the kernel's reach minus `padding`,
    convolved with the weights flipped and transposed per group."""
    x, unbatched = _spatial_input("conv_transpose2d", input, 2)
    stride, padding = _pair(stride), _pair(padding)
    output_padding, dilation = _pair(output_padding), _pair(dilation)
    cin, cout_g, kh, kw = weight.shape
    if x.shape[1] != cin:
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected "
                           f"input{list(x.shape)} to have {cin} channels, but got "
                           f"{x.shape[1]} channels instead")
    for ax, s in ((3, stride[0]), (4, stride[1])):
        if s > 1:  # interleave s - 1 zeros after every element, then drop the trailing ones
            xs = x.unsqueeze(ax)
            zeros = xs.new_zeros(tuple(xs.shape[:ax]) + (s - 1,) + tuple(xs.shape[ax + 1:]))
            n = x.shape[ax - 1]
            x = cat([xs, zeros], ax).reshape(*x.shape[:ax - 1], n * s, *x.shape[ax:])
            x = x.narrow(ax - 1, 0, (n - 1) * s + 1)
    reach = (dilation[0] * (kh - 1) - padding[0], dilation[1] * (kw - 1) - padding[1])
    pads = (reach[1], reach[1] + output_padding[1], reach[0], reach[0] + output_padding[0])
    if any(p < 0 for p in pads):  # padding beyond the reach crops instead
        crop = [max(-p, 0) for p in pads]
        x = x.narrow(3, crop[0], x.shape[3] - crop[0] - crop[1])
        x = x.narrow(2, crop[2], x.shape[2] - crop[2] - crop[3])
        pads = tuple(max(p, 0) for p in pads)
    if any(pads):
        x = pad(x, pads)
    w = weight.reshape(groups, cin // groups, cout_g, kh, kw).transpose(1, 2)
    w = w.reshape(groups * cout_g, cin // groups, kh, kw).flip((-2, -1))
    out = conv2d(x, w, bias, 1, 0, dilation, groups)
    return out.squeeze(0) if unbatched else out
