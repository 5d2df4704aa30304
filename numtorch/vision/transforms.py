"""vision.transforms: the ones the seeds use (Compose, ToTensor, Normalize, Lambda)."""

import numpy as np

from .. import _dtype as D
from ..tensor import Tensor, wrap


class Compose:
    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self):
        body = "".join(f"\n    {t}" for t in self.transforms)
        return f"Compose({body}\n)"


class ToTensor:
    """HWC (or HW) uint8 image / array -> CHW float32 in [0, 1]; float arrays keep their
    values."""

    def __call__(self, pic):
        arr = np.asarray(pic)
        if arr.ndim == 2:
            arr = arr[:, :, None]
        if arr.ndim != 3:
            raise ValueError(f"pic should be 2/3 dimensional. Got {arr.ndim} dimensions.")
        chw = np.ascontiguousarray(arr.transpose(2, 0, 1))
        if chw.dtype == np.uint8:
            return wrap((chw / 255.0).astype(np.float32), D.float32)
        return wrap(chw.astype(np.float32) if chw.dtype.kind != "f" else chw,
                    D.from_numpy_dtype(chw.dtype) if chw.dtype.kind == "f" else D.float32)

    def __repr__(self):
        return "ToTensor()"


class Normalize:
    def __init__(self, mean, std, inplace=False):
        self.mean, self.std, self.inplace = mean, std, inplace

    def __call__(self, tensor):
        if not isinstance(tensor, Tensor):
            raise TypeError(f"Input tensor should be a torch tensor. Got {type(tensor)}.")
        c = tensor.shape[-3]
        mean = np.asarray(self.mean, tensor.dtype.np).reshape(-1, 1, 1)
        std = np.asarray(self.std, tensor.dtype.np).reshape(-1, 1, 1)
        if (std == 0).any():
            raise ValueError(f"std evaluated to zero after conversion to {tensor.dtype}, "
                             f"leading to division by zero.")
        if mean.shape[0] not in (1, c):
            raise RuntimeError(f"The size of tensor a ({c}) must match the size of tensor b "
                               f"({mean.shape[0]}) at non-singleton dimension 0")
        out = (tensor - wrap(mean, tensor.dtype)) / wrap(std, tensor.dtype)
        if self.inplace:
            tensor.copy_(out)
            return tensor
        return out

    def __repr__(self):
        return f"Normalize(mean={self.mean}, std={self.std})"


class Lambda:
    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {type(lambd).__name__!r}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)

    def __repr__(self):
        return "Lambda()"
