"""vision.datasets: MNIST and FashionMNIST from the standard IDX files (gzipped or not),
CIFAR10/100 from their Python batches, FakeData, and ImageFolder/DatasetFolder over Pillow.

As in torchvision, a sample's image is a PIL image (when Pillow, the `vision` extra, is
installed) that the transform turns into a tensor; without Pillow, the transform gets the
HWC uint8 array, and with no transform the sample is a uint8 tensor.
"""

import gzip
import hashlib
import os
import pickle
import tarfile
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


def _fetch(urls, path, md5):
    """Download to path from the first of urls that answers with the right checksum; a file
    already there with that checksum is kept."""
    if os.path.exists(path) and _md5(path) == md5:
        return
    errors = []
    for url in urls:
        try:
            with urllib.request.urlopen(url, timeout=30) as r:
                data = r.read()
        except (urllib.error.URLError, OSError) as e:
            errors.append(f"{url}: {e}")
            continue
        if hashlib.md5(data).hexdigest() != md5:
            errors.append(f"{url}: checksum mismatch")
            continue
        with open(path, "wb") as f:
            f.write(data)
        return
    raise RuntimeError(f"Error downloading {os.path.basename(path)}: " + "; ".join(errors))


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
            _fetch([m + filename for m in self.mirrors],
                   os.path.join(self.raw_folder, filename), md5)

    def __len__(self):
        return self.data.shape[0]

    def __getitem__(self, index):
        return _sample(self, self.data._data[index], int(self.targets._data[index]))


def _to_image(arr):
    try:
        from PIL import Image
    except ImportError:
        return None
    return Image.fromarray(arr)


def _sample(ds, arr, target):
    img = _to_image(arr)
    if img is None:  # no Pillow: the array itself, or a tensor when nothing transforms it
        img = arr if ds.transform is not None else wrap(arr.copy(), D.from_numpy_dtype(arr.dtype))
    if ds.transform is not None:
        img = ds.transform(img)
    if ds.target_transform is not None:
        target = ds.target_transform(target)
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


class _ArraysOnly(pickle.Unpickler):
    """CIFAR's batches are pickles of dicts of lists and NumPy arrays: resolve only what
    rebuilds those, so a crafted batch file cannot run code."""

    ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray",
                                                           "_reconstruct"),
               ("numpy", "ndarray"), ("numpy", "dtype"),
               ("_codecs", "encode")}  # how protocol 2 spells bytes: encodes a str, no more

    def find_class(self, module, name):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a CIFAR batch")
        return super().find_class(module, name)


def _read_batch(path):
    with open(path, "rb") as f:
        return _ArraysOnly(f, encoding="latin1").load()


class CIFAR10(Dataset):
    base_folder = "cifar-10-batches-py"
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    tgz_md5 = "c58f30108f718f92721af3b95e74349a"
    train_list = [f"data_batch_{i}" for i in range(1, 6)]
    test_list = ["test_batch"]
    meta = {"filename": "batches.meta", "key": "label_names"}
    labels_key = "labels"

    def __init__(self, root, train=True, transform=None, target_transform=None,
                 download=False):
        self.root = os.path.expanduser(str(root))
        self.train, self.transform, self.target_transform = train, transform, target_transform
        folder = os.path.join(self.root, self.base_folder)
        if download and not os.path.isdir(folder):
            self.download()
        data, targets = [], []
        for name in self.train_list if train else self.test_list:
            path = os.path.join(folder, name)
            if not os.path.exists(path):
                raise RuntimeError("Dataset not found or corrupted. You can use download=True "
                                   "to download it")
            batch = _read_batch(path)
            data.append(np.asarray(batch["data"], np.uint8).reshape(-1, 3, 32, 32))
            targets.extend(int(t) for t in batch[self.labels_key])
        self.data = np.ascontiguousarray(np.concatenate(data).transpose(0, 2, 3, 1))  # HWC
        self.targets = targets
        meta = os.path.join(folder, self.meta["filename"])
        self.classes = list(_read_batch(meta)[self.meta["key"]]) if os.path.exists(meta) else []
        self.class_to_idx = {c: i for i, c in enumerate(self.classes)}

    def download(self):
        """Fetch and unpack the archive; a tree already unpacked under root is read as is."""
        os.makedirs(self.root, exist_ok=True)
        archive = os.path.join(self.root, os.path.basename(self.url))
        _fetch([self.url], archive, self.tgz_md5)
        with tarfile.open(archive, "r:gz") as tar:
            if hasattr(tarfile, "data_filter"):
                tar.extractall(self.root, filter="data")  # no paths outside root, no devices
                return
            for m in tar.getmembers():  # Pythons before the filters: the same checks by hand
                if not (m.isfile() or m.isdir()) or os.path.isabs(m.name) or \
                        ".." in m.name.replace("\\", "/").split("/"):
                    raise RuntimeError(f"{archive}: refusing to unpack member {m.name!r}")
            tar.extractall(self.root)

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        return _sample(self, self.data[index], self.targets[index])


class CIFAR100(CIFAR10):
    base_folder = "cifar-100-python"
    url = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
    tgz_md5 = "eb9058c3a382ffc7106e4002c42a8d85"
    train_list = ["train"]
    test_list = ["test"]
    meta = {"filename": "meta", "key": "fine_label_names"}
    labels_key = "fine_labels"


class FakeData(Dataset):
    """Random images, each drawn from a generator seeded by its index (the same sample every
    time), as torchvision's FakeData."""

    def __init__(self, size=1000, image_size=(3, 224, 224), num_classes=10, transform=None,
                 target_transform=None, random_offset=0):
        self.size, self.image_size, self.num_classes = size, tuple(image_size), num_classes
        self.transform, self.target_transform = transform, target_transform
        self.random_offset = random_offset

    def __len__(self):
        return self.size

    def __getitem__(self, index):
        from .. import Generator, randint, randn
        if not 0 <= index < len(self):
            raise IndexError(f"{type(self).__name__} index out of range")
        g = Generator().manual_seed(index + self.random_offset)
        img = randn(*self.image_size, generator=g)
        target = int(randint(0, self.num_classes, (1,), generator=g).item())
        try:
            from .transforms import ToPILImage
            img = ToPILImage()(img)
        except ImportError:
            pass
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target


IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


def pil_loader(path):
    from PIL import Image
    with open(path, "rb") as f:
        return Image.open(f).convert("RGB")


default_loader = pil_loader


def find_classes(directory):
    classes = sorted(e.name for e in os.scandir(directory) if e.is_dir())
    if not classes:
        raise FileNotFoundError(f"Couldn't find any class folder in {directory}.")
    return classes, {c: i for i, c in enumerate(classes)}


class DatasetFolder(Dataset):
    """root/<class>/**/<file>: one class per sub-folder, classes in sorted order."""

    def __init__(self, root, loader, extensions=None, transform=None, target_transform=None,
                 is_valid_file=None, allow_empty=False):
        self.root = os.path.expanduser(str(root))
        self.loader, self.extensions = loader, extensions
        self.transform, self.target_transform = transform, target_transform
        self.classes, self.class_to_idx = find_classes(self.root)
        if is_valid_file is None:
            exts = tuple(e.lower() for e in extensions or ())

            def is_valid_file(p):
                return p.lower().endswith(exts)
        self.samples = []
        for cls in self.classes:
            found = []
            for folder, _, files in sorted(os.walk(os.path.join(self.root, cls),
                                                   followlinks=True)):
                found += [os.path.join(folder, f) for f in sorted(files)
                          if is_valid_file(os.path.join(folder, f))]
            if not found and not allow_empty:
                raise FileNotFoundError(f"Found no valid file for the classes {cls}. "
                                        f"Supported extensions are: {extensions}")
            self.samples += [(p, self.class_to_idx[cls]) for p in found]
        self.targets = [t for _, t in self.samples]

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, index):
        path, target = self.samples[index]
        sample = self.loader(path)
        if self.transform is not None:
            sample = self.transform(sample)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return sample, target


class ImageFolder(DatasetFolder):
    def __init__(self, root, transform=None, target_transform=None, loader=default_loader,
                 is_valid_file=None, allow_empty=False):
        super().__init__(root, loader, IMG_EXTENSIONS if is_valid_file is None else None,
                         transform, target_transform, is_valid_file, allow_empty)
        self.imgs = self.samples
