"""vision.utils: make_grid and save_image, as torchvision's."""

import math

import numpy as np

from .. import _dtype as D
from ..tensor import Tensor, wrap


def _as_batch(tensor):
    from .. import stack
    if isinstance(tensor, (list, tuple)):
        tensor = stack(list(tensor))
    if not isinstance(tensor, Tensor):
        raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")
    if tensor.ndim == 2:
        tensor = tensor.unsqueeze(0)
    if tensor.ndim == 3:
        tensor = tensor.unsqueeze(0) if tensor.shape[0] != 1 else tensor.unsqueeze(0)
    if tensor.ndim != 4:
        raise ValueError(f"make_grid expects a 2-, 3- or 4-D tensor, got {tensor.ndim}-D")
    if tensor.shape[1] == 1:  # single-channel images become grey RGB
        tensor = tensor.expand(tensor.shape[0], 3, *tensor.shape[2:])
    return tensor


def _normalized(img, value_range):
    lo, hi = value_range if value_range is not None else (img.min().item(), img.max().item())
    return (img.clamp(lo, hi) - lo) / max(hi - lo, 1e-5)


def make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False,
              pad_value=0.0):
    """A (3, H', W') image of the batch laid out `nrow` to a row with `padding` pixels of
    `pad_value` between and around the images."""
    batch = _as_batch(tensor).detach().cpu()
    if normalize:
        if scale_each:
            from .. import stack
            batch = stack([_normalized(b, value_range) for b in batch])
        else:
            batch = _normalized(batch, value_range)
    n, c, h, w = batch.shape
    if n == 1:
        return batch[0]
    xmaps = min(nrow, n)
    ymaps = int(math.ceil(n / xmaps))
    hp, wp = h + padding, w + padding
    grid = np.full((c, ymaps * hp + padding, xmaps * wp + padding), pad_value,
                   batch.dtype.np)
    arr = batch.numpy()
    for k in range(n):
        y, x = divmod(k, xmaps)
        grid[:, y * hp + padding:y * hp + padding + h, x * wp + padding:x * wp + padding + w] = \
            arr[k]
    return wrap(grid, batch.dtype)


def save_image(tensor, fp, format=None, **kwargs):
    """make_grid's image written by Pillow (the `vision` extra), [0, 1] floats scaled to
    bytes with rounding."""
    from PIL import Image
    grid = make_grid(tensor, **kwargs)
    arr = grid.numpy()
    if grid.dtype is not D.uint8:
        arr = np.clip(arr * 255 + 0.5, 0, 255).astype(np.uint8)
    Image.fromarray(np.ascontiguousarray(arr.transpose(1, 2, 0))).save(fp, format=format)
