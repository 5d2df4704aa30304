"""vision: IDX datasets written by the test itself, transforms, and the seed's FashionMNIST
training loop over a DataLoader."""

import gzip
import struct

import numpy as np
import pytest

import numtorch as nt
from numtorch.utils.data import DataLoader
from numtorch.vision import datasets, transforms


def write_idx(path, arr, compress):
    codes = {np.dtype(np.uint8): 0x08}
    header = struct.pack(">BBBB", 0, 0, codes[arr.dtype], arr.ndim)
    header += b"".join(struct.pack(">I", s) for s in arr.shape)
    data = header + arr.tobytes()
    if compress:
        with gzip.open(path, "wb") as f:
            f.write(data)
    else:
        path.write_bytes(data)


@pytest.fixture
def fashion_root(tmp_path):
    rng = np.random.default_rng(0)
    raw = tmp_path / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for prefix, n, gz in (("train", 120, True), ("t10k", 40, False)):
        labels = rng.integers(0, 10, n).astype(np.uint8)
        images = (rng.random((n, 28, 28)) * 60).astype(np.uint8)
        for i, y in enumerate(labels):  # a class-dependent bright bar makes it learnable
            images[i, 2 + 2 * y:4 + 2 * y, :] = 250
        suffix = ".gz" if gz else ""
        write_idx(raw / f"{prefix}-images-idx3-ubyte{suffix}", images, gz)
        write_idx(raw / f"{prefix}-labels-idx1-ubyte{suffix}", labels, gz)
    return tmp_path


def test_idx_datasets_and_transforms(fashion_root):
    train = datasets.FashionMNIST(fashion_root, train=True, transform=transforms.ToTensor())
    test = datasets.FashionMNIST(fashion_root, train=False)
    assert len(train) == 120 and len(test) == 40
    img, label = train[0]
    assert img.shape == (1, 28, 28) and img.dtype is nt.float32 and isinstance(label, int)
    assert 0.0 <= img.min().item() and img.max().item() <= 1.0
    raw, _ = test[0]  # as torchvision: a PIL image when Pillow is installed
    if hasattr(raw, "mode"):
        assert raw.mode == "L" and raw.size == (28, 28)
        raw = transforms.PILToTensor()(raw)[0]
    assert raw.dtype is nt.uint8 and raw.shape == (28, 28)
    one_hot = datasets.FashionMNIST(
        fashion_root, transform=transforms.Compose([transforms.ToTensor(),
                                                    transforms.Normalize((0.5,), (0.5,))]),
        target_transform=transforms.Lambda(
            lambda y: nt.zeros(10, dtype=nt.float).scatter_(0, nt.tensor(y), value=1)))
    x, y = one_hot[3]
    assert y.sum().item() == 1 and -1.0 <= x.min().item() and x.max().item() <= 1.0
    with pytest.raises(RuntimeError, match="Dataset not found"):
        datasets.MNIST(fashion_root)
    norm = transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))
    img3 = transforms.ToTensor()(np.full((4, 4, 3), 255, np.uint8))
    assert nt.allclose(norm(img3), nt.ones(3, 4, 4))


def test_download_without_network_fails_clearly(tmp_path):
    with pytest.raises(RuntimeError, match="Error downloading"):
        datasets.MNIST(tmp_path, download=True)


def test_seed_fashion_mnist_loop(fashion_root):
    nn = nt.nn
    training_data = datasets.FashionMNIST(root=fashion_root, train=True,
                                          transform=transforms.ToTensor())
    train_dataloader = DataLoader(training_data, batch_size=16, shuffle=True)
    features, labels = next(iter(train_dataloader))
    assert features.size() == (16, 1, 28, 28) and labels.size() == (16,)

    class NeuralNetwork(nn.Module):
        def __init__(self):
            super().__init__()
            self.flatten = nn.Flatten()
            self.linear_relu_stack = nn.Sequential(nn.Linear(28 * 28, 64), nn.ReLU(),
                                                   nn.Linear(64, 10))

        def forward(self, x):
            return self.linear_relu_stack(self.flatten(x))

    nt.manual_seed(0)
    model = NeuralNetwork()
    loss_fn = nn.CrossEntropyLoss()
    optimizer = nt.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(8):
        for X, y in train_dataloader:
            loss = loss_fn(model(X), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    correct = 0
    with nt.no_grad():
        for X, y in DataLoader(training_data, batch_size=64):
            correct += (model(X).argmax(1) == y).type(nt.float).sum().item()
    assert correct / len(training_data) > 0.9


# ---- torchvision's face: transforms, CIFAR, FakeData, ImageFolder, utils ------------------


def _pil():
    return pytest.importorskip("PIL.Image")


def _rgb(h=6, w=8, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def test_to_tensor_and_back_through_pil():
    Image = _pil()
    arr = _rgb()
    t = transforms.ToTensor()(Image.fromarray(arr))
    np.testing.assert_allclose(t.numpy(), arr.transpose(2, 0, 1) / 255.0, rtol=1e-6)
    assert transforms.PILToTensor()(Image.fromarray(arr)).dtype is nt.uint8
    back = np.asarray(transforms.ToPILImage()(nt.from_numpy(arr.transpose(2, 0, 1).copy())))
    np.testing.assert_array_equal(back, arr)
    grey = transforms.ToTensor()(Image.fromarray(arr[:, :, 0]))
    assert grey.shape == (1, 6, 8)
    with pytest.raises(TypeError, match="PIL Image or ndarray"):
        transforms.ToTensor()([1, 2])


def test_resize_is_pillows_resampling_on_every_input_kind():
    Image = _pil()
    arr = _rgb(12, 20)
    img = Image.fromarray(arr)
    ref = np.asarray(img.resize((10, 6), Image.Resampling.BILINEAR))
    out = transforms.Resize(6)(img)  # the shorter edge to 6, the aspect ratio kept
    assert out.size == (10, 6)
    np.testing.assert_array_equal(np.asarray(out), ref)
    np.testing.assert_array_equal(transforms.Resize((6, 10))(arr), ref)  # HWC array
    t = transforms.Resize((6, 10))(nt.from_numpy(arr.transpose(2, 0, 1).copy()))
    assert t.shape == (3, 6, 10) and t.dtype is nt.uint8
    assert np.abs(t.numpy().transpose(1, 2, 0).astype(int) - ref.astype(int)).max() <= 1
    f = transforms.Resize((6, 10))(nt.from_numpy(arr.transpose(2, 0, 1) / 255.0))
    assert f.dtype is nt.float64 and np.abs(f.numpy() * 255 - ref.transpose(2, 0, 1)).max() < 1


def test_crops_pads_and_flips():
    arr = _rgb(8, 8)
    t = nt.from_numpy(arr.transpose(2, 0, 1).copy())
    np.testing.assert_array_equal(transforms.CenterCrop(4)(arr), arr[2:6, 2:6])
    np.testing.assert_array_equal(transforms.CenterCrop((4, 2))(t).numpy(),
                                  t.numpy()[:, 2:6, 3:5])
    padded = transforms.Pad(2, fill=7)(t).numpy()
    assert padded.shape == (3, 12, 12) and (padded[:, :2] == 7).all()
    np.testing.assert_array_equal(transforms.Pad((1, 2), padding_mode="reflect")(arr),
                                  np.pad(arr, ((2, 2), (1, 1), (0, 0)), "reflect"))
    nt.manual_seed(0)
    seen = set()
    for _ in range(40):
        crop = transforms.RandomCrop(8, padding=2)(t).numpy()
        assert crop.shape == (3, 8, 8)
        big = np.pad(t.numpy(), ((0, 0), (2, 2), (2, 2)))
        hits = [(i, j) for i in range(5) for j in range(5)
                if (big[:, i:i + 8, j:j + 8] == crop).all()]
        assert hits
        seen.add(hits[0])
    assert len(seen) > 5  # the offsets vary
    nt.manual_seed(1)
    first = [transforms.RandomHorizontalFlip()(t) for _ in range(20)]
    nt.manual_seed(1)
    again = [transforms.RandomHorizontalFlip()(t) for _ in range(20)]
    flipped = [nt.equal(a, t.flip(-1)) for a in first]
    assert any(flipped) and not all(flipped)
    assert all(nt.equal(a, b) for a, b in zip(first, again))  # manual_seed repeats them
    np.testing.assert_array_equal(transforms.RandomVerticalFlip(1.0)(arr), arr[::-1])
    with pytest.raises(ValueError, match="larger than input image size"):
        transforms.RandomCrop(10)(t)


def test_grayscale_matches_pillow():
    Image = _pil()
    arr = _rgb()
    ref = np.asarray(Image.fromarray(arr).convert("L"))
    t = transforms.ToTensor()(arr)
    grey = transforms.Grayscale()(t)
    assert grey.shape == (1, 6, 8)
    assert np.abs(grey.numpy()[0] * 255 - ref).max() <= 1.0
    assert transforms.Grayscale(3)(Image.fromarray(arr)).mode == "RGB"


def _write_cifar(root, n_train=6, n_test=4):
    import pickle
    folder = root / "cifar-10-batches-py"
    folder.mkdir()
    rng = np.random.default_rng(0)
    batches = {}
    for i, name in enumerate([f"data_batch_{k}" for k in range(1, 6)] + ["test_batch"]):
        n = n_test if name == "test_batch" else n_train
        batch = {"batch_label": name, "labels": [int(v) for v in rng.integers(0, 10, n)],
                 "data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
                 "filenames": [f"{i}_{k}.png" for k in range(n)]}
        (folder / name).write_bytes(pickle.dumps(batch, protocol=2))
        batches[name] = batch
    names = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
             "truck"]
    (folder / "batches.meta").write_bytes(pickle.dumps({"label_names": names}))
    return batches


def test_cifar10_reads_the_python_batches(tmp_path):
    batches = _write_cifar(tmp_path)
    train = datasets.CIFAR10(tmp_path, train=True, transform=transforms.ToTensor())
    test = datasets.CIFAR10(tmp_path, train=False)
    assert len(train) == 30 and len(test) == 4 and train.classes[3] == "cat"
    img, label = train[7]  # the second batch's second image
    assert label == batches["data_batch_2"]["labels"][1]
    expect = batches["data_batch_2"]["data"][1].reshape(3, 32, 32) / 255.0
    np.testing.assert_allclose(img.numpy(), expect, rtol=1e-6)
    raw, _ = test[0]
    np.testing.assert_array_equal(np.asarray(raw), batches["test_batch"]["data"][0]
                                  .reshape(3, 32, 32).transpose(1, 2, 0))
    loader = DataLoader(train, batch_size=8, shuffle=True)
    x, y = next(iter(loader))
    assert x.shape == (8, 3, 32, 32) and y.dtype is nt.int64
    with pytest.raises(RuntimeError, match="Dataset not found"):
        datasets.CIFAR10(tmp_path / "nowhere")


def test_cifar10_download_unpacks_the_archive_once(tmp_path, monkeypatch):
    """download=True (as the tutorials write it) keeps a tree already there, and unpacks a
    fetched archive whose checksum matches; here the archive is already on disk."""
    import hashlib
    import tarfile
    src = tmp_path / "src"
    src.mkdir()
    batches = _write_cifar(src)
    root = tmp_path / "data"
    root.mkdir()
    archive = root / "cifar-10-python.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(src / "cifar-10-batches-py", arcname="cifar-10-batches-py")
    monkeypatch.setattr(datasets.CIFAR10, "tgz_md5",
                        hashlib.md5(archive.read_bytes()).hexdigest())
    monkeypatch.setattr(datasets.CIFAR10, "url", "http://127.0.0.1:9/cifar-10-python.tar.gz")
    test = datasets.CIFAR10(root, train=False, download=True)
    assert test.targets == batches["test_batch"]["labels"]
    assert len(datasets.CIFAR10(root, train=True, download=True)) == 30  # no second unpack
    evil = tmp_path / "evil"
    evil.mkdir()
    bad = evil / "cifar-10-python.tar.gz"
    with tarfile.open(bad, "w:gz") as tar:
        tar.add(src / "cifar-10-batches-py" / "test_batch", arcname="../escaped")
    monkeypatch.setattr(datasets.CIFAR10, "tgz_md5", hashlib.md5(bad.read_bytes()).hexdigest())
    with pytest.raises((RuntimeError, tarfile.TarError)):
        datasets.CIFAR10(evil, train=False, download=True)
    assert not (tmp_path / "escaped").exists()


def test_a_crafted_cifar_batch_cannot_run_code(tmp_path):
    import os
    import pickle
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))
    _write_cifar(tmp_path)
    (tmp_path / "cifar-10-batches-py" / "test_batch").write_bytes(
        pickle.dumps({"data": Payload(), "labels": []}))
    with pytest.raises(pickle.UnpicklingError, match="not allowed"):
        datasets.CIFAR10(tmp_path, train=False)
    assert not marker.exists()


def test_fake_data_is_repeatable_per_index():
    ds = datasets.FakeData(size=5, image_size=(3, 8, 6), num_classes=4,
                           transform=transforms.ToTensor())
    a, ya = ds[2]
    b, yb = ds[2]
    assert a.shape == (3, 8, 6) and nt.equal(a, b) and ya == yb and 0 <= ya < 4
    assert not nt.equal(ds[3][0], a)
    assert len(ds) == 5
    with pytest.raises(IndexError):
        ds[5]


def test_image_folder(tmp_path):
    Image = _pil()
    for cls, color in (("cats", 10), ("dogs", 200)):
        (tmp_path / cls / "sub").mkdir(parents=True)
        for k in range(3):
            Image.fromarray(np.full((5, 4, 3), color + k, np.uint8)).save(
                tmp_path / cls / ("sub" if k == 2 else "") / f"{k}.png")
    (tmp_path / "dogs" / "notes.txt").write_text("not an image")
    ds = datasets.ImageFolder(tmp_path, transform=transforms.Compose(
        [transforms.Resize((4, 4)), transforms.ToTensor()]))
    assert ds.classes == ["cats", "dogs"] and ds.class_to_idx == {"cats": 0, "dogs": 1}
    assert len(ds) == 6 and ds.targets == [0, 0, 0, 1, 1, 1]
    img, label = ds[4]
    assert img.shape == (3, 4, 4) and label == 1
    assert abs(img.mean().item() * 255 - (200 + int(ds.samples[4][0][-5]))) < 0.5
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="Found no valid file"):
        datasets.ImageFolder(tmp_path)


def test_make_grid_and_save_image(tmp_path):
    from numtorch.vision import utils
    batch = nt.rand(5, 1, 4, 3)
    grid = utils.make_grid(batch, nrow=2, padding=1, pad_value=0.5)
    assert grid.shape == (3, 3 * 5 + 1, 2 * 4 + 1)
    g = grid.numpy()
    np.testing.assert_array_equal(g[0, 1:5, 1:4], batch.numpy()[0, 0])
    assert (g[:, 0] == 0.5).all() and (g[:, 11:15, 1:4] == batch.numpy()[4, 0]).all()
    norm = utils.make_grid(batch * 10 - 3, normalize=True)
    assert norm.min().item() >= 0 and abs(norm.max().item() - 1) < 1e-4
    Image = _pil()
    utils.save_image(batch, tmp_path / "grid.png", nrow=2, padding=1)
    saved = np.asarray(Image.open(tmp_path / "grid.png"))
    assert saved.shape == (16, 9, 3)
    expect = np.clip(g.transpose(1, 2, 0) * 255 + 0.5, 0, 255).astype(np.uint8)
    expect[grid.numpy().transpose(1, 2, 0) == 0.5] = 128  # pad_value 0.5 -> 128
    np.testing.assert_array_equal(saved[1:5, 1:4], expect[1:5, 1:4])
