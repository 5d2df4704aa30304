"""nn modules, functional, losses, optimizers, schedulers, data loading and checkpoints,
compared with PyTorch on the same weights and inputs."""

import os
import pickle

import numpy as np
import pytest
from conftest import assert_same, to_torch

import numtorch as nt
import numtorch.nn as nn
import numtorch.nn.functional as F

RNG = np.random.default_rng(3)


def copy_into_torch(ours, theirs, torch):
    with torch.no_grad():
        for (n1, p1), (n2, p2) in zip(ours.named_parameters(), theirs.named_parameters()):
            assert n1 == n2
            p2.copy_(torch.from_numpy(p1.detach().numpy().copy()))


def test_module_registration_and_state_dict():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 2)
            self.bn = nn.BatchNorm1d(2)
            self.scale = nn.Parameter(nt.ones(1))
            self.register_buffer("steps", nt.zeros(1))
            self.plain = 3

        def forward(self, x):
            return self.bn(self.fc(x)) * self.scale

    net = Net()
    assert [n for n, _ in net.named_parameters()] == ["scale", "fc.weight", "fc.bias",
                                                      "bn.weight", "bn.bias"]
    assert list(net.state_dict()) == ["scale", "steps", "fc.weight", "fc.bias", "bn.weight",
                                      "bn.bias", "bn.running_mean", "bn.running_var",
                                      "bn.num_batches_tracked"]
    assert [n for n, _ in net.named_modules()] == ["", "fc", "bn"]
    assert len(list(net.children())) == 2 and net.plain == 3
    net.eval()
    assert not net.bn.training
    net.train()
    out = net(nt.randn(4, 3))
    out.sum().backward()
    assert net.fc.weight.grad is not None
    net.zero_grad()
    assert net.fc.weight.grad is None
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "fc.bias"'):
        net.load_state_dict({k: v for k, v in net.state_dict().items() if k != "fc.bias"})
    sd = net.state_dict()
    sd["extra"] = nt.ones(1)
    with pytest.raises(RuntimeError, match='Unexpected key\\(s\\) in state_dict: "extra"'):
        net.load_state_dict(sd)
    assert net.load_state_dict(sd, strict=False).unexpected_keys == ["extra"]
    net.double()
    assert net.fc.weight.dtype is nt.float64
    seen = []
    h = net.fc.register_forward_hook(lambda m, i, o: seen.append(o.shape))
    net(nt.randn(2, 3).double())
    h.remove()
    net(nt.randn(2, 3).double())
    assert seen == [nt.Size([2, 2])]


def test_reprs_match_torch(torch):
    def build(m):
        class Net(m.nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = m.nn.Linear(400, 120)
                self.seq = m.nn.Sequential(m.nn.Flatten(), m.nn.ReLU(), m.nn.Dropout(0.2),
                                           m.nn.Linear(10, 3, bias=False), m.nn.Softmax(dim=1),
                                           m.nn.LeakyReLU(0.2), m.nn.GELU(), m.nn.Tanh())
                self.emb = m.nn.Embedding(10, 3)
                self.norm = m.nn.LayerNorm(4)
                self.bn = m.nn.BatchNorm1d(6)
                self.loss = m.nn.CrossEntropyLoss()
        return Net()
    assert repr(build(nt)) == repr(build(torch))
    assert repr(nn.Parameter(nt.tensor([1.0, 2.0]))) == \
        repr(torch.nn.Parameter(torch.tensor([1.0, 2.0])))


def test_default_initialisation_bounds():
    lin = nn.Linear(50, 20)
    bound = 1 / np.sqrt(50)
    assert np.abs(lin.weight.detach().numpy()).max() <= bound
    assert np.abs(lin.bias.detach().numpy()).max() <= bound
    assert lin.weight.detach().numpy().std() > bound / 3
    emb = nn.Embedding(1000, 4)
    assert abs(emb.weight.detach().numpy().std() - 1) < 0.1


@pytest.mark.parametrize("make", [
    lambda m: m.nn.Linear(5, 3), lambda m: m.nn.Bilinear(5, 4, 3),
    lambda m: m.nn.LayerNorm(5), lambda m: m.nn.Sequential(m.nn.Linear(5, 4), m.nn.ReLU(),
                                                           m.nn.Linear(4, 2), m.nn.Sigmoid()),
])
def test_layers_forward_backward_vs_torch(torch, make):
    ours, theirs = make(nt), make(torch)
    copy_into_torch(ours, theirs, torch)
    x = RNG.standard_normal((6, 5)).astype(np.float32)
    args = (x,) if not isinstance(ours, nn.Bilinear) else \
        (x, RNG.standard_normal((6, 4)).astype(np.float32))
    out = ours(*[nt.tensor(a) for a in args])
    tout = theirs(*[torch.tensor(a) for a in args])
    assert_same(out, tout.detach(), rtol=1e-5, atol=1e-6)
    (out * out).sum().backward()
    (tout * tout).sum().backward()
    for p, tp in zip(ours.parameters(), theirs.parameters()):
        assert_same(p.grad, tp.grad, rtol=1e-4, atol=1e-5)


def test_batchnorm_and_dropout_vs_torch(torch):
    bn, tbn = nn.BatchNorm1d(3), torch.nn.BatchNorm1d(3)
    for _ in range(3):
        x = RNG.standard_normal((8, 3)).astype(np.float32) * 2 + 1
        assert_same(bn(nt.tensor(x)).detach(), tbn(torch.tensor(x)).detach(), rtol=1e-4,
                    atol=1e-5)
    assert_same(bn.running_mean, tbn.running_mean, rtol=1e-5)
    assert_same(bn.running_var, tbn.running_var, rtol=1e-5)
    assert bn.num_batches_tracked.item() == 3
    bn.eval()
    tbn.eval()
    x = RNG.standard_normal((4, 3)).astype(np.float32)
    assert_same(bn(nt.tensor(x)).detach(), tbn(torch.tensor(x)).detach(), rtol=1e-5,
                atol=1e-6)
    d = nn.Dropout(0.25)
    y = d(nt.ones(10000))
    kept = y.numpy() != 0
    assert abs(kept.mean() - 0.75) < 0.03 and np.allclose(y.numpy()[kept], 1 / 0.75)
    d.eval()
    assert nt.equal(d(nt.ones(5)), nt.ones(5))


def test_embedding_vs_torch(torch):
    emb, temb = nn.Embedding(7, 3, padding_idx=0), torch.nn.Embedding(7, 3, padding_idx=0)
    copy_into_torch(emb, temb, torch)
    idx = np.array([[1, 0, 3], [3, 6, 1]])
    out, tout = emb(nt.tensor(idx)), temb(torch.tensor(idx))
    assert_same(out.detach(), tout.detach())
    out.sum().backward()
    tout.sum().backward()
    assert_same(emb.weight.grad, temb.weight.grad)


LOSS_CASES = [
    ("mse_loss", {}, "float"), ("mse_loss", {"reduction": "sum"}, "float"),
    ("mse_loss", {"reduction": "none"}, "float"), ("l1_loss", {}, "float"),
    ("smooth_l1_loss", {"beta": 0.5}, "float"), ("huber_loss", {"delta": 0.7}, "float"),
    ("binary_cross_entropy", {}, "prob"), ("binary_cross_entropy", {"reduction": "sum"}, "prob"),
    ("binary_cross_entropy_with_logits", {}, "binary"),
    ("binary_cross_entropy_with_logits", {"pos_weight": "pw"}, "binary"),
    ("cross_entropy", {}, "class"), ("cross_entropy", {"reduction": "sum"}, "class"),
    ("cross_entropy", {"reduction": "none"}, "class"),
    ("cross_entropy", {"weight": "w", "ignore_index": 2}, "class"),
    ("cross_entropy", {"label_smoothing": 0.1}, "class"),
    ("cross_entropy", {"label_smoothing": 0.2, "weight": "w"}, "class"),
    ("cross_entropy", {}, "probs"), ("nll_loss", {}, "class"),
    ("nll_loss", {"weight": "w", "reduction": "sum"}, "class"),
]


@pytest.mark.parametrize("name,kwargs,kind", LOSS_CASES, ids=str)
def test_losses_vs_torch(torch, name, kwargs, kind):
    n, c = 6, 4
    x = RNG.standard_normal((n, c))
    if kind == "float":
        t = RNG.standard_normal((n, c))
    elif kind == "prob":
        x = 1 / (1 + np.exp(-x))
        t = (RNG.random((n, c)) > 0.5).astype(np.float64)
    elif kind == "binary":
        t = (RNG.random((n, c)) > 0.5).astype(np.float64)
    elif kind == "class":
        t = RNG.integers(0, c, n)
    else:
        t = RNG.random((n, c))
        t /= t.sum(1, keepdims=True)
    if name == "nll_loss":
        x = x - np.log(np.exp(x).sum(1, keepdims=True))
    extra = {"w": RNG.random(c) + 0.5, "pw": RNG.random(c) + 0.5}

    def run(m):
        kw = {k: (m.tensor(extra[v]) if v in extra else v) for k, v in kwargs.items()}
        xi = m.tensor(x, requires_grad=True)
        loss = getattr(m.nn.functional, name)(xi, m.tensor(t), **kw)
        loss.sum().backward()
        return loss.detach(), xi.grad
    (l1, g1), (l2, g2) = run(nt), run(torch)
    assert_same(l1, l2, rtol=1e-10, atol=1e-12)
    assert_same(g1, g2, rtol=1e-9, atol=1e-12)


def test_loss_errors_and_names(torch):
    x = nt.randn(2, 3, requires_grad=True)
    with pytest.raises(IndexError, match="Target 3 is out of bounds."):
        F.cross_entropy(x, nt.tensor([0, 3]))
    with pytest.raises(RuntimeError, match="expected target dtype to be Long or Byte, but got "
                                           "Int"):
        F.nll_loss(x, nt.tensor([0, 1], dtype=nt.int32))
    with pytest.raises(ValueError, match=r"Expected input batch_size \(2\) to match target "
                                         r"batch_size \(3\)."):
        F.cross_entropy(x, nt.tensor([0, 1, 2]))
    loss = F.cross_entropy(x, nt.tensor([0, 1]))
    assert type(loss.grad_fn).__name__ == "NllLossBackward0"
    assert type(loss.grad_fn.next_functions[0][0]).__name__ == "LogSoftmaxBackward0"
    assert type(F.mse_loss(x, x.detach()).grad_fn).__name__ == "MseLossBackward0"
    assert F.one_hot(nt.tensor([0, 2]), 3).tolist() == [[1, 0, 0], [0, 0, 1]]
    p = F.pad(x, (1, 2))
    assert p.shape == (2, 6) and type(p.grad_fn).__name__ == "ConstantPadNdBackward0"
    assert_same(F.normalize(x.detach()), torch.nn.functional.normalize(to_torch(x.detach(),
                                                                                torch)))


OPTIMIZERS = [
    ("SGD", {"lr": 0.1}), ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.1, "momentum": 0.5, "dampening": 0.3, "maximize": True}),
    ("Adam", {"lr": 0.01}), ("Adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.1}),
    ("AdamW", {"lr": 0.01}), ("AdamW", {"lr": 0.01, "amsgrad": True}),
    ("RMSprop", {"lr": 0.01}), ("RMSprop", {"lr": 0.01, "momentum": 0.9, "centered": True}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.1}),
]


@pytest.mark.parametrize("name,kwargs", OPTIMIZERS, ids=str)
def test_optimizers_vs_torch(torch, name, kwargs):
    w0 = RNG.standard_normal((4, 3))
    x = RNG.standard_normal((5, 4))

    def run(m):
        w = m.tensor(w0, requires_grad=True)
        opt = getattr(m.optim, name)([w], **kwargs)
        for _ in range(5):
            opt.zero_grad()
            loss = ((m.tensor(x) @ w).tanh() ** 2).sum()
            loss.backward()
            opt.step()
        return w.detach(), opt
    (w1, o1), (w2, _) = run(nt), run(torch)
    assert_same(w1, w2, rtol=1e-9, atol=1e-12)
    sd = o1.state_dict()
    w3 = nt.tensor(w0, requires_grad=True)
    o3 = getattr(nt.optim, name)([w3], **kwargs)
    o3.load_state_dict(sd)
    assert o3.param_groups[0]["lr"] == kwargs["lr"]


@pytest.mark.parametrize("name,kwargs", [o for o in OPTIMIZERS if o[0] in ("SGD", "Adam", "AdamW")],
                         ids=str)
def test_fused_float32_steps_vs_torch(torch, monkeypatch, name, kwargs):
    """The fused kernels (backend/optim.py) compute in the parameters' float32, as PyTorch's
    ops do; the threaded kernel must give the single-threaded one's bits."""
    from numtorch.backend import optim as fused
    w0 = RNG.standard_normal(3001).astype(np.float32)
    grads = [RNG.standard_normal(3001).astype(np.float32) for _ in range(4)]

    def run(m):
        w = m.tensor(w0, requires_grad=True)
        opt = getattr(m.optim, name)([w], **kwargs)
        for g in grads:
            w.grad = m.tensor(g)
            opt.step()
        return w.detach().numpy()
    serial = run(nt)
    monkeypatch.setattr(fused, "PARALLEL_THRESHOLD", 0)
    assert np.array_equal(run(nt), serial)
    ref = run(torch)
    assert serial.dtype == np.float32
    # PyTorch fuses some multiply-adds (a 1-ulp difference), which can cancel: an absolute
    # bound a few float32 ulps of the update's size
    np.testing.assert_allclose(serial, ref, rtol=2e-6, atol=1e-6)


def test_optimizer_errors_and_closure():
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        nt.optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        nt.optim.SGD([nt.ones(1, requires_grad=True)], lr=-1)
    w = nt.ones(2, requires_grad=True)
    opt = nt.optim.SGD([{"params": [w], "lr": 0.5}], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss
    assert opt.step(closure).item() == 2.0
    assert w.tolist() == [0.0, 0.0]


@pytest.mark.parametrize("name,kwargs", [("StepLR", {"step_size": 2, "gamma": 0.5}),
                                         ("MultiStepLR", {"milestones": [1, 3], "gamma": 0.1}),
                                         ("ExponentialLR", {"gamma": 0.9}),
                                         ("CosineAnnealingLR", {"T_max": 4, "eta_min": 0.01}),
                                         ("LambdaLR", {"lr_lambda": "fn"})])
def test_schedulers_vs_torch(torch, name, kwargs):
    def run(m):
        kw = {k: (lambda e: 1 / (e + 1)) if v == "fn" else v for k, v in kwargs.items()}
        opt = m.optim.SGD([m.ones(1, requires_grad=True)], lr=0.1)
        sched = getattr(m.optim.lr_scheduler, name)(opt, **kw)
        lrs = []
        for _ in range(6):
            opt.step()
            sched.step()
            lrs.append(opt.param_groups[0]["lr"])
        return lrs
    np.testing.assert_allclose(run(nt), run(torch), rtol=1e-12)


def test_reduce_lr_on_plateau_vs_torch(torch):
    def run(m):
        opt = m.optim.SGD([m.ones(1, requires_grad=True)], lr=1.0)
        s = m.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=1, factor=0.5)
        out = []
        for metric in [5, 4, 4, 4, 3, 3, 3, 3]:
            s.step(metric)
            out.append(opt.param_groups[0]["lr"])
        return out
    assert run(nt) == run(torch)


def test_dataloader_behaviour():
    from numtorch.utils.data import (
        DataLoader,
        Dataset,
        IterableDataset,
        Subset,
        TensorDataset,
        default_collate,
        random_split,
    )
    X, Y = nt.arange(20.0).reshape(10, 2), nt.arange(10)
    ds = TensorDataset(X, Y)
    assert len(DataLoader(ds, batch_size=4)) == 3
    assert len(DataLoader(ds, batch_size=4, drop_last=True)) == 2
    batches = [yb.tolist() for _, yb in DataLoader(ds, batch_size=4)]
    assert batches == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    g1, g2 = nt.Generator().manual_seed(1), nt.Generator().manual_seed(1)
    a = [yb.tolist() for _, yb in DataLoader(ds, batch_size=3, shuffle=True, generator=g1)]
    b = [yb.tolist() for _, yb in DataLoader(ds, batch_size=3, shuffle=True, generator=g2)]
    assert a == b and sorted(sum(a, [])) == list(range(10))
    assert [yb.tolist() for _, yb in DataLoader(ds, batch_size=4, num_workers=2)] == batches
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        DataLoader(ds, sampler=[0, 1], shuffle=True)
    parts = random_split(ds, [7, 3], generator=nt.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [7, 3] and isinstance(parts[0], Subset)
    c = default_collate([{"x": np.ones(2, np.float32), "y": 1, "s": "a"},
                         {"x": np.zeros(2, np.float32), "y": 2, "s": "b"}])
    assert c["x"].dtype is nt.float32 and c["y"].dtype is nt.int64 and c["s"] == ["a", "b"]
    assert default_collate([1.5, 2.5]).dtype is nt.float64

    class Squares(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return nt.tensor([float(i * i)]), i

    xs, ys = next(iter(DataLoader(Squares(), batch_size=5)))
    assert xs.shape == (5, 1) and ys.tolist() == [0, 1, 2, 3, 4]

    class Stream(IterableDataset):
        def __iter__(self):
            return iter(range(7))

    assert [b.tolist() for b in DataLoader(Stream(), batch_size=3)] == [[0, 1, 2], [3, 4, 5],
                                                                       [6]]


def test_save_load_round_trip(tmp_path):
    values = {dt: np.array([0, 1, -2, 3]).astype(dt.np) for dt in
              (nt.float32, nt.float64, nt.float16, nt.int64, nt.int32, nt.int16, nt.int8,
               nt.uint8, nt.bool)}
    payload = {"tensors": {dt.name: nt.from_numpy(v.copy()) for dt, v in values.items()},
               "special": nt.tensor([np.nan, -0.0, np.inf], dtype=nt.float32),
               "scalar": nt.tensor(3.5), "meta": [1, 2.5, "x", None, (True, 7)],
               "param": nn.Parameter(nt.ones(2))}
    nan_payload = np.array([0x7FC12345], np.uint32).view(np.float32)
    payload["nan_bits"] = nt.from_numpy(nan_payload.copy())
    path = tmp_path / "ckpt.pt"
    nt.save(payload, path)
    back = nt.load(path)
    for name, t in payload["tensors"].items():
        got = back["tensors"][name]
        assert got.dtype is t.dtype and got.numpy().tobytes() == t.numpy().tobytes()
    assert back["special"].numpy().tobytes() == payload["special"].numpy().tobytes()
    assert back["nan_bits"].numpy().view(np.uint32)[0] == 0x7FC12345
    assert back["scalar"].shape == () and back["meta"] == [1, 2.5, "x", None, (True, 7)]
    assert isinstance(back["param"], nn.Parameter) and back["param"].requires_grad
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    nt.save(net.state_dict(), tmp_path / "model.pth")
    net2 = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    net2.load_state_dict(nt.load(tmp_path / "model.pth"))
    x = nt.randn(2, 3)
    assert nt.equal(net(x), net2(x))
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"\x80\x04not a checkpoint")
    with pytest.raises(RuntimeError, match="not a valid checkpoint"):
        nt.load(bad)
    data = (tmp_path / "model.pth").read_bytes()
    (tmp_path / "cut.pth").write_bytes(data[:len(data) // 2])
    with pytest.raises(RuntimeError, match="not a valid checkpoint"):
        nt.load(tmp_path / "cut.pth")
    # PyTorch raises pickle's own error for a lambda; the file saved before stays whole
    with pytest.raises(pickle.PicklingError, match="lambda"):
        nt.save({"f": lambda: 0}, tmp_path / "model.pth")
    assert (tmp_path / "model.pth").read_bytes() == data
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".numtorch-save-")]


def test_seed_mlp_trains_with_dataloader():
    from numtorch.utils.data import DataLoader, TensorDataset
    nt.manual_seed(0)
    centers = nt.randn(3, 8) * 3
    labels = nt.randint(0, 3, (300,))
    X = centers[labels] + nt.randn(300, 8) * 0.5
    loader = DataLoader(TensorDataset(X, labels), batch_size=32, shuffle=True)
    model = nn.Sequential(nn.Flatten(), nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))
    loss_fn = nn.CrossEntropyLoss()
    opt = nt.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(5):
        for xb, yb in loader:
            loss = loss_fn(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    with nt.no_grad():
        acc = (model(X).argmax(1) == labels).type(nt.float).sum().item() / 300
    assert acc > 0.95


@pytest.mark.parametrize("make,shape", [
    (lambda m: m.nn.LayerNorm((3, 4)), (2, 5, 3, 4)),
    (lambda m: m.nn.BatchNorm2d(3), (5, 3, 3, 4)),
    (lambda m: m.nn.BatchNorm1d(3), (5, 3, 6)),
])
@pytest.mark.parametrize("train", [True, False])
def test_normalization_nodes_vs_torch(torch, make, shape, train):
    x = RNG.standard_normal(shape)
    results = []
    for m in (nt, torch):
        mod = make(m).double()
        mod.train(train)
        xi = m.tensor(x, requires_grad=True)
        out = mod(xi)
        (out * out).sum().backward()
        results.append((out.detach(), xi.grad, mod.weight.grad, mod.bias.grad,
                        type(out.grad_fn).__name__))
    for a, b in zip(results[0][:4], results[1][:4]):
        assert_same(a, b, rtol=1e-10, atol=1e-12)
    assert results[0][4] == results[1][4]
    w = nt.tensor(RNG.standard_normal(shape[-1]), requires_grad=True)
    xs = nt.tensor(RNG.standard_normal((3, shape[-1])), requires_grad=True)
    assert nt.autograd.gradcheck(lambda a, b: F.layer_norm(a, (shape[-1],), b), (xs, w))
    emb = nn.Embedding(5, 3, padding_idx=1)
    out = emb(nt.tensor([[1, 2], [2, 4]]))
    assert type(out.grad_fn).__name__ == "EmbeddingBackward0"
    out.sum().backward()
    assert emb.weight.grad.tolist()[1] == [0.0] * 3 and emb.weight.grad.tolist()[2] == [2.0] * 3
    with pytest.raises(IndexError, match="index out of range in self"):
        emb(nt.tensor([5]))


@pytest.mark.parametrize("affine", ["both", "weight", "bias", "none"])
def test_layer_norm_fused_kernels(torch, affine):
    """F.layer_norm runs Numba row kernels forward and backward (gradcheck in float64, the
    tensor-op formula under create_graph: gradgradcheck), and matches PyTorch in float32."""
    def params(m, n, dtype):
        w = m.tensor(RNG.standard_normal(n).astype(dtype), requires_grad=True)
        b = m.tensor(RNG.standard_normal(n).astype(dtype), requires_grad=True)
        return (w if affine in ("both", "weight") else None,
                b if affine in ("both", "bias") else None)
    x = nt.tensor(RNG.standard_normal((3, 2, 5)) * 3 + 2, requires_grad=True)
    w, b = params(nt, 5, np.float64)
    live = [t for t in (x, w, b) if t is not None]

    def fn(*args):  # squared: the plain sum of a layer norm without weight is constant
        it = iter(args[1:])
        out = F.layer_norm(args[0], (5,), next(it) if w is not None else None,
                           next(it) if b is not None else None)
        return out * out
    assert nt.autograd.gradcheck(fn, tuple(live))
    assert nt.autograd.gradgradcheck(fn, tuple(live))
    xa = (RNG.standard_normal((64, 300)) * 2 + 5).astype(np.float32)
    got = []
    for m in (nt, torch):
        xi = m.tensor(xa, requires_grad=True)
        wi, bi = params(m, 300, np.float32) if m is nt else (
            None if w is None else m.tensor(got[0][2].detach().numpy(), requires_grad=True),
            None if b is None else m.tensor(got[0][3].detach().numpy(), requires_grad=True))
        out = F.layer_norm(xi, (300,), wi, bi) if m is nt else \
            m.nn.functional.layer_norm(xi, (300,), wi, bi)
        (out * out).sum().backward()
        got.append((out, xi.grad, wi, bi))
    (o1, g1, w1, b1), (o2, g2, w2, b2) = got
    assert_same(o1.detach(), o2.detach(), rtol=1e-5, atol=1e-5)
    assert_same(g1, g2, rtol=1e-4, atol=1e-4)
    for p1, p2 in ((w1, w2), (b1, b2)):
        if p1 is not None:
            assert_same(p1.grad, p2.grad, rtol=1e-4, atol=1e-3)
    x_only = nt.tensor(xa[:4], requires_grad=False)  # parameters' gradients alone
    if w is not None:
        w4 = nt.ones(300, requires_grad=True)
        F.layer_norm(x_only, (300,), w4).sum().backward()
        assert x_only.grad is None and w4.grad.shape == (300,)


@pytest.mark.parametrize("case", ["layer", "layer-tensor-ops", "batch-train", "batch-eval"])
def test_normalization_second_derivatives_vs_torch(torch, monkeypatch, case):
    """Double backward through layer/batch norm with a weight: the statistics depend on the
    input, and the gradient's graph must reach the input through them (they used to be
    constants there, and the second derivatives came out wrong)."""
    if case == "layer-tensor-ops":
        from numtorch._ops import normalization
        monkeypatch.setattr(normalization, "_layer_norm_fused", lambda *args: None)
    shape = (4, 3, 5) if case.startswith("layer") else (4, 3, 2, 2)
    xa, va = RNG.standard_normal(shape) * 2 + 1, RNG.standard_normal(shape)
    wa = RNG.uniform(0.5, 2, shape[1] if case.startswith("batch") else shape[-1])
    results = []
    for m in (nt, torch):
        x, w = m.tensor(xa, requires_grad=True), m.tensor(wa, requires_grad=True)
        if case.startswith("layer"):
            out = m.nn.functional.layer_norm(x, (shape[-1],), w)
        else:
            rm, rv = m.tensor(RNG.standard_normal(3) * 0 + 0.3), m.tensor(np.full(3, 1.7))
            out = m.nn.functional.batch_norm(x, rm, rv, w, None, case == "batch-train")
        gx, gw = m.autograd.grad((out * out).sum(), (x, w), create_graph=True)
        results.append(m.autograd.grad((gx * m.tensor(va)).sum() + gw.sum(), (x, w)))
    for a, b in zip(*results):
        assert_same(a, b, rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_fused_kernels_gradcheck(training):
    """F.batch_norm runs Numba kernels forward and backward; central differences agree."""
    x = nt.tensor(RNG.standard_normal((4, 3, 5)) * 3 + 2, requires_grad=True)
    w = nt.tensor(RNG.standard_normal(3), requires_grad=True)
    b = nt.tensor(RNG.standard_normal(3), requires_grad=True)
    rm, rv = nt.tensor(RNG.standard_normal(3)), nt.tensor(RNG.random(3) + 0.5)

    def f(x, w, b):
        return F.batch_norm(x, rm.clone(), rv.clone(), w, b, training=training)
    assert nt.autograd.gradcheck(f, (x, w, b))
    # no affine parameters: only the input's gradient
    assert nt.autograd.gradcheck(
        lambda x: F.batch_norm(x, None, None, training=True) if training
        else F.batch_norm(x, rm, rv, training=False), (x,))


def test_batch_norm_float32_and_no_affine_vs_torch(torch):
    x = RNG.standard_normal((16, 4, 6, 6)).astype(np.float32) * 5 + 50
    ours, theirs = nn.BatchNorm2d(4, affine=False), torch.nn.BatchNorm2d(4, affine=False)
    xo, xt = nt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yo, yt = ours(xo), theirs(xt)
    assert_same(yo.detach(), yt.detach(), rtol=1e-4, atol=1e-4)
    (yo * yo.detach()).sum().backward()
    (yt * yt.detach()).sum().backward()
    assert_same(xo.grad, xt.grad, rtol=1e-3, atol=1e-4)
    assert_same(ours.running_var, theirs.running_var, rtol=1e-5, atol=1e-5)
