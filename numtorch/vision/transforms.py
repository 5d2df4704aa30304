"""vision.transforms: torchvision's common transforms over PIL images, HWC NumPy arrays and
(..., C, H, W) tensors.

Pillow (the `vision` extra) does the image work -- resizing, padding modes, mode
conversion -- as it does for torchvision; without it, arrays and tensors still go through
everything but Resize.  Random transforms draw from numtorch's generator, so
`numtorch.manual_seed` makes them repeatable, as torch.manual_seed does torchvision's.
"""

import numbers

import numpy as np

from .. import _dtype as D
from ..tensor import Tensor, wrap


def _pil():
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("this transform needs Pillow: pip install 'numtorch[vision]'") \
            from None
    return Image


def _is_pil(img):
    return type(img).__module__.startswith("PIL.")


def _rand():
    from .. import rand
    return rand(1).item()


def _randint(low, high):
    from .. import randint
    return int(randint(low, high, (1,)).item())


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


def _as_hwc(pic):
    arr = np.asarray(pic)
    if _is_pil(pic) and pic.mode == "1":
        arr = arr.astype(np.uint8) * 255
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.ndim != 3:
        raise ValueError(f"pic should be 2/3 dimensional. Got {arr.ndim} dimensions.")
    return arr


class ToTensor:
    """PIL image or HWC (or HW) array -> CHW float32; uint8 data is scaled to [0, 1]."""

    def __call__(self, pic):
        if not (_is_pil(pic) or isinstance(pic, np.ndarray)):
            raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
        chw = np.ascontiguousarray(_as_hwc(pic).transpose(2, 0, 1))
        if chw.dtype == np.uint8:
            return wrap((chw / np.float32(255)).astype(np.float32), D.float32)
        if chw.dtype.kind == "f":
            return wrap(chw, D.from_numpy_dtype(chw.dtype))
        return wrap(chw.astype(np.float32), D.float32)

    def __repr__(self):
        return "ToTensor()"


class PILToTensor:
    """PIL image -> CHW tensor of its own dtype, unscaled."""

    def __call__(self, pic):
        if not _is_pil(pic):
            raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
        chw = np.ascontiguousarray(_as_hwc(pic).transpose(2, 0, 1))
        return wrap(chw, D.from_numpy_dtype(chw.dtype))

    def __repr__(self):
        return "PILToTensor()"


class ToPILImage:
    """CHW tensor (floats in [0, 1] scaled to bytes) or HWC array -> PIL image."""

    def __init__(self, mode=None):
        self.mode = mode

    def __call__(self, pic):
        Image = _pil()
        if isinstance(pic, Tensor):
            if pic.ndim not in (2, 3):
                raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
            arr = pic.detach().cpu().numpy()
            arr = arr[None] if arr.ndim == 2 else arr
            if arr.dtype.kind == "f":
                arr = (arr * 255).astype(np.uint8)  # truncates, as torchvision's mul(255).byte()
            arr = arr.transpose(1, 2, 0)
        else:
            arr = _as_hwc(pic)
        if arr.shape[2] == 1:
            arr = arr[:, :, 0]
        return Image.fromarray(arr, mode=self.mode) if self.mode else Image.fromarray(arr)

    def __repr__(self):
        return f"ToPILImage(mode={self.mode})" if self.mode else "ToPILImage()"


class Normalize:
    def __init__(self, mean, std, inplace=False):
        self.mean, self.std, self.inplace = mean, std, inplace

    def __call__(self, tensor):
        if not isinstance(tensor, Tensor):
            raise TypeError(f"Input tensor should be a torch tensor. Got {type(tensor)}.")
        if not tensor.is_floating_point():
            raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
        if tensor.ndim < 3:
            raise ValueError(f"Expected tensor to be a tensor image of size (..., C, H, W). "
                             f"Got tensor.size() = {tensor.shape}")
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


# ---- geometry --------------------------------------------------------------------------------


def get_size(img):
    """(height, width) of a PIL image, an HWC array or a (..., H, W) tensor."""
    if _is_pil(img):
        return img.size[1], img.size[0]
    if isinstance(img, Tensor):
        return int(img.shape[-2]), int(img.shape[-1])
    return int(img.shape[0]), int(img.shape[1])


def _pair(size, name):
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    if isinstance(size, (tuple, list)) and len(size) == 1:
        return int(size[0]), int(size[0])
    if isinstance(size, (tuple, list)) and len(size) == 2:
        return int(size[0]), int(size[1])
    raise ValueError(f"Please provide only two dimensions (h, w) for {name}.")


def crop(img, top, left, height, width):
    """A crop that may reach outside the image: the outside is filled with zeros, as
    torchvision's functional.crop does."""
    h, w = get_size(img)
    if _is_pil(img):
        return img.crop((left, top, left + width, top + height))
    if top >= 0 and left >= 0 and top + height <= h and left + width <= w:
        return img[..., top:top + height, left:left + width] if isinstance(img, Tensor) \
            else img[top:top + height, left:left + width]
    pads = (max(-left, 0), max(-top, 0), max(left + width - w, 0), max(top + height - h, 0))
    padded = pad(img, pads)
    return crop(padded, top + pads[1], left + pads[0], height, width)


def pad(img, padding, fill=0, padding_mode="constant"):
    if isinstance(padding, numbers.Number):
        padding = (padding,) * 4
    elif len(padding) == 2:
        padding = (padding[0], padding[1]) * 2
    left, top, right, bottom = (int(p) for p in padding)
    modes = {"constant": "constant", "edge": "edge", "reflect": "reflect",
             "symmetric": "symmetric"}
    if padding_mode not in modes:
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    kw = {"constant_values": fill} if padding_mode == "constant" else {}
    if _is_pil(img):
        Image = _pil()
        arr = _as_hwc(img)
        out = np.pad(arr, ((top, bottom), (left, right), (0, 0)), modes[padding_mode], **kw)
        out = out[:, :, 0] if np.asarray(img).ndim == 2 else out
        return Image.fromarray(out, mode=img.mode if img.mode != "P" else None)
    if isinstance(img, Tensor):
        arr = img.detach().cpu().numpy()
        widths = [(0, 0)] * (arr.ndim - 2) + [(top, bottom), (left, right)]
        return wrap(np.pad(arr, widths, modes[padding_mode], **kw), img.dtype)
    widths = [(top, bottom), (left, right)] + [(0, 0)] * (img.ndim - 2)
    return np.pad(img, widths, modes[padding_mode], **kw)


def hflip(img):
    if _is_pil(img):
        return img.transpose(_pil().Transpose.FLIP_LEFT_RIGHT)
    return img.flip(-1) if isinstance(img, Tensor) else img[:, ::-1].copy()


def vflip(img):
    if _is_pil(img):
        return img.transpose(_pil().Transpose.FLIP_TOP_BOTTOM)
    return img.flip(-2) if isinstance(img, Tensor) else img[::-1].copy()


def _target_size(h, w, size):
    if isinstance(size, numbers.Number) or (isinstance(size, (list, tuple)) and len(size) == 1):
        s = int(size if isinstance(size, numbers.Number) else size[0])
        # the shorter edge becomes s, the longer keeps the aspect ratio (rounded down)
        return (s, int(s * w / h)) if h <= w else (int(s * h / w), s)
    return _pair(size, "size")


def resize(img, size, interpolation="bilinear"):
    """Pillow's resampling (antialiased when shrinking, as torchvision's default); a tensor is
    resized channel by channel as float images."""
    Image = _pil()
    h, w = get_size(img)
    oh, ow = _target_size(h, w, size)
    method = {"nearest": Image.Resampling.NEAREST, "bilinear": Image.Resampling.BILINEAR,
              "bicubic": Image.Resampling.BICUBIC}[getattr(interpolation, "value",
                                                          interpolation)]
    if _is_pil(img):
        return img.resize((ow, oh), method)
    tensor = isinstance(img, Tensor)
    arr = img.detach().cpu().numpy() if tensor else _as_hwc(img)
    hwc = arr.reshape((-1,) + arr.shape[-2:]).transpose(1, 2, 0) if tensor else arr
    if hwc.dtype == np.uint8 and hwc.shape[2] in (1, 3, 4):  # Pillow's own byte images
        out = np.asarray(Image.fromarray(hwc[:, :, 0] if hwc.shape[2] == 1 else hwc)
                         .resize((ow, oh), method)).reshape(oh, ow, -1)
    else:  # each channel as a float image
        out = np.stack([np.asarray(Image.fromarray(hwc[:, :, c].astype(np.float32), mode="F")
                                   .resize((ow, oh), method)) for c in range(hwc.shape[2])],
                       axis=2)
        if hwc.dtype.kind in "iu":
            info = np.iinfo(hwc.dtype)
            out = np.clip(np.round(out), info.min, info.max)
        out = out.astype(hwc.dtype)
    if tensor:
        return wrap(np.ascontiguousarray(out.transpose(2, 0, 1)).reshape(
            arr.shape[:-2] + (oh, ow)), img.dtype)
    return out[:, :, 0] if np.asarray(img).ndim == 2 else out


class InterpolationMode:
    NEAREST, BILINEAR, BICUBIC = "nearest", "bilinear", "bicubic"


class Resize:
    def __init__(self, size, interpolation=InterpolationMode.BILINEAR, max_size=None,
                 antialias=True):
        self.size, self.interpolation = size, interpolation

    def __call__(self, img):
        return resize(img, self.size, self.interpolation)

    def __repr__(self):
        return f"Resize(size={self.size}, interpolation={self.interpolation})"


class CenterCrop:
    def __init__(self, size):
        self.size = _pair(size, "size")

    def __call__(self, img):
        h, w = get_size(img)
        th, tw = self.size
        return crop(img, int(round((h - th) / 2.0)), int(round((w - tw) / 2.0)), th, tw)

    def __repr__(self):
        return f"CenterCrop(size={self.size})"


class Pad:
    def __init__(self, padding, fill=0, padding_mode="constant"):
        self.padding, self.fill, self.padding_mode = padding, fill, padding_mode

    def __call__(self, img):
        return pad(img, self.padding, self.fill, self.padding_mode)

    def __repr__(self):
        return f"Pad(padding={self.padding}, fill={self.fill}, padding_mode={self.padding_mode})"


class RandomCrop:
    def __init__(self, size, padding=None, pad_if_needed=False, fill=0,
                 padding_mode="constant"):
        self.size = _pair(size, "size")
        self.padding, self.pad_if_needed = padding, pad_if_needed
        self.fill, self.padding_mode = fill, padding_mode

    def __call__(self, img):
        if self.padding is not None:
            img = pad(img, self.padding, self.fill, self.padding_mode)
        h, w = get_size(img)
        th, tw = self.size
        if self.pad_if_needed and w < tw:
            img = pad(img, (tw - w, 0), self.fill, self.padding_mode)
        if self.pad_if_needed and h < th:
            img = pad(img, (0, th - h), self.fill, self.padding_mode)
        h, w = get_size(img)
        if h < th or w < tw:
            raise ValueError(f"Required crop size {(th, tw)} is larger than input image size "
                             f"{(h, w)}")
        top = _randint(0, h - th + 1)
        left = _randint(0, w - tw + 1)
        return crop(img, top, left, th, tw)

    def __repr__(self):
        return f"RandomCrop(size={self.size}, padding={self.padding})"


class RandomHorizontalFlip:
    def __init__(self, p=0.5):
        self.p = p

    def __call__(self, img):
        return hflip(img) if _rand() < self.p else img

    def __repr__(self):
        return f"RandomHorizontalFlip(p={self.p})"


class RandomVerticalFlip:
    def __init__(self, p=0.5):
        self.p = p

    def __call__(self, img):
        return vflip(img) if _rand() < self.p else img

    def __repr__(self):
        return f"RandomVerticalFlip(p={self.p})"


class Grayscale:
    """ITU-R 601-2 luma, as PIL's convert("L") and torchvision's rgb_to_grayscale."""

    def __init__(self, num_output_channels=1):
        if num_output_channels not in (1, 3):
            raise ValueError("num_output_channels should be either 1 or 3")
        self.num_output_channels = num_output_channels

    def __call__(self, img):
        if _is_pil(img):
            g = img.convert("L")
            return g if self.num_output_channels == 1 else g.convert("RGB")
        r, g, b = img[..., 0, :, :], img[..., 1, :, :], img[..., 2, :, :]
        luma = (r * 0.2989 + g * 0.587 + b * 0.114).unsqueeze(-3).to(img.dtype)
        return luma if self.num_output_channels == 1 else luma.expand(
            *luma.shape[:-3], 3, *luma.shape[-2:]).contiguous()

    def __repr__(self):
        return f"Grayscale(num_output_channels={self.num_output_channels})"
