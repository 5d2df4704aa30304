"""vision.datasets: MNIST and FashionMNIST from the standard IDX files (gzipped or not)."""

import gzip
import hashlib
import os
import urllib.error
import urllib.request

import numpy as np

from .. import _dtype as D
from ..tensor import wrap
from ..utils.data import Dataset

_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4",
              0x0E: ">f8"}


def read_idx(path):
    """Parse an IDX file (magic 0x0000TTDD: type TT, DD dimensions, big-endian sizes)."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_TYPES:
        raise RuntimeError(f"{path} is not an IDX file")
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise RuntimeError(f"{path} is truncated")
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    dtype = np.dtype(_IDX_TYPES[data[2]])
    count = int(np.prod(dims)) if dims else 1
    if len(data) - header < count * dtype.itemsize:
        raise RuntimeError(f"{path} is truncated: expected {count} items")
    arr = np.frombuffer(data, dtype, count, header).reshape(dims)
    return arr.astype(dtype.newbyteorder("=")) if dtype.byteorder == ">" else arr.copy()


class MNIST(Dataset):
    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/",
               "http://yann.lecun.com/exdb/mnist/"]
    resources = [("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
                 ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
                 ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
                 ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c")]
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five",
               "6 - six", "7 - seven", "8 - eight", "9 - nine"]

    def __init__(self, root, train=True, transform=None, target_transform=None,
                 download=False):
        self.root = os.path.expanduser(str(root))
        self.train = train
        self.transform, self.target_transform = transform, target_transform
        if download:
            self.download()
        prefix = "train" if train else "t10k"
        images = self._find(f"{prefix}-images-idx3-ubyte")
        labels = self._find(f"{prefix}-labels-idx1-ubyte")
        if images is None or labels is None:
            raise RuntimeError("Dataset not found. You can use download=True to download it")
        self.data = wrap(read_idx(images), D.uint8)
        self.targets = wrap(read_idx(labels).astype(np.int64), D.int64)
        if self.data.shape[0] != self.targets.shape[0]:
            raise RuntimeError(f"{images} and {labels} hold different numbers of samples")

    @property
    def raw_folder(self):
        return os.path.join(self.root, type(self).__name__, "raw")

    def _find(self, name):
        for folder in (self.raw_folder, self.root):
            for suffix in ("", ".gz"):
                p = os.path.join(folder, name + suffix)
                if os.path.exists(p):
                    return p
        return None

    def download(self):
        os.makedirs(self.raw_folder, exist_ok=True)
        for filename, md5 in self.resources:
            path = os.path.join(self.raw_folder, filename)
            if os.path.exists(path) and _md5(path) == md5:
                continue
            errors = []
            for mirror in self.mirrors:
                try:
                    with urllib.request.urlopen(mirror + filename, timeout=30) as r:
                        data = r.read()
                except (urllib.error.URLError, OSError) as e:
                    errors.append(f"{mirror}: {e}")
                    continue
                if hashlib.md5(data).hexdigest() != md5:
                    errors.append(f"{mirror}: checksum mismatch")
                    continue
                with open(path, "wb") as f:
                    f.write(data)
                break
            else:
                raise RuntimeError(f"Error downloading {filename}: " + "; ".join(errors))

    def __len__(self):
        return self.data.shape[0]

    def __getitem__(self, index):
        img = self.data._data[index]
        target = int(self.targets._data[index])
        if self.transform is not None:
            img = self.transform(img)
        else:
            img = wrap(img.copy(), D.uint8)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target


def _md5(path):
    with open(path, "rb") as f:
        return hashlib.md5(f.read()).hexdigest()


class FashionMNIST(MNIST):
    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
                 ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
                 ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
                 ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310")]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]


class SyntheticDigits(MNIST):
    """MNIST's interface over `numtorch.datasets.digits`: procedurally drawn digits, generated
    on the fly (nothing downloaded or bundled), for demos and tests without the real files.
    `train=False` draws a disjoint test set from another seed."""

    classes = MNIST.classes

    def __init__(self, root=None, train=True, transform=None, target_transform=None,
                 download=False, n=None, size=28, seed=0):
        from ..datasets import digits
        self.root, self.train = root, train
        self.transform, self.target_transform = transform, target_transform
        n = n if n is not None else (6000 if train else 1000)
        self.data, self.targets = digits(n, size, seed=2 * seed + (0 if train else 1))
