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
    raw, _ = test[0]
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
