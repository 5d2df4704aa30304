"""The CUDA backend against the CPU one.

These run wherever numtorch.cuda.is_available(): on a real GPU, or under Numba's CUDA simulator
(`NUMBA_ENABLE_CUDASIM=1 python -m pytest tests/test_cuda.py`, which CI runs as its own
process).  Sizes stay small because the simulator runs every GPU thread in Python.  Without a
GPU only the last tests run: they check that CUDA is refused clearly.
"""

import numpy as np
import pytest
from numba import config

import numtorch as nt

SIMULATED = bool(config.ENABLE_CUDASIM)
HAS_CUDA = nt.cuda.is_available()
needs_cuda = pytest.mark.skipif(not HAS_CUDA, reason="no CUDA device (run under "
                                                     "NUMBA_ENABLE_CUDASIM=1 to simulate one)")
RNG = np.random.default_rng(7)


def on_both(fn, *arrays, **kw):
    """fn over CPU tensors and over the same tensors on CUDA; results must agree."""
    cpu = [nt.tensor(a) for a in arrays]
    gpu = [t.cuda() for t in cpu]
    want, got = _flat(fn(*cpu, **kw)), _flat(fn(*gpu, **kw))
    assert len(want) == len(got)
    for w, g in zip(want, got):
        assert g.device == nt.device("cuda", 0), g.device
        assert g.dtype == w.dtype and g.shape == w.shape, (g.dtype, w.dtype, g.shape, w.shape)
        np.testing.assert_allclose(g.cpu().detach().numpy().astype(np.float64),
                                   w.detach().numpy().astype(np.float64), rtol=1e-5, atol=1e-6,
                                   equal_nan=True)


def _flat(x):
    return [t for item in x for t in _flat(item)] if isinstance(x, tuple) else [x]


def floats(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


BINARY = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
          "div": lambda a, b: a / b, "pow": lambda a, b: a.abs() ** b,
          "maximum": nt.maximum, "minimum": nt.minimum, "atan2": nt.atan2,
          "remainder": lambda a, b: a % b, "floor_divide": lambda a, b: a // b,
          "lt": lambda a, b: a < b, "eq": lambda a, b: a == b,
          "logical_and": nt.logical_and, "where": lambda a, b: nt.where(a > b, a, b)}


@needs_cuda
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_ops_broadcast_and_views(name):
    fn = BINARY[name]
    a, b = floats(3, 4), floats(4)
    on_both(fn, a, b)
    on_both(lambda x, y: fn(x.t(), y[:3]), a, b)  # a transposed view with a slice
    on_both(lambda x: fn(x, 2.5), a)  # a Python scalar


UNARY = ["neg", "abs", "exp", "log", "sqrt", "sin", "tanh", "sigmoid", "relu", "floor",
         "round", "reciprocal", "erf", "isnan", "sign"]


@needs_cuda
@pytest.mark.parametrize("name", UNARY)
def test_unary_ops_including_nan_and_inf(name):
    x = np.array([[-2.5, -0.5, 0.0, 0.5], [1.5, np.inf, -np.inf, np.nan]], np.float32)
    on_both(lambda t: getattr(t, name)(), x)


@needs_cuda
def test_integer_and_bool_arithmetic():
    a = RNG.integers(-9, 9, (3, 4))
    b = RNG.integers(1, 5, (3, 4))
    on_both(lambda x, y: (x + y, x * y, x // y, x % y, -x, x.abs(), x > y), a, b)
    on_both(lambda x: (x > 0) & (x < 5), a)


@needs_cuda
@pytest.mark.parametrize("dim,keepdim", [(None, False), (0, False), (1, True), ((0, 2), False)])
def test_reductions(dim, keepdim):
    x = floats(3, 4, 5)
    kw = {} if dim is None else {"dim": dim, "keepdim": keepdim}
    on_both(lambda t: (t.sum(**kw), t.mean(**kw), t.amax(**kw), t.amin(**kw)), x)
    if isinstance(dim, int):
        on_both(lambda t: (t.max(dim, keepdim), t.argmin(dim, keepdim),
                           t.var(dim, keepdim=keepdim), t.std(dim), (t > 0).any(dim)), x)
    on_both(lambda t: (t.prod(), t.transpose(0, 2).sum(1), t.norm()), x)


@needs_cuda
def test_long_rows_take_the_shared_memory_tree():
    x = floats(2, 100, 3)
    x[1, 50, 2] = np.nan
    on_both(lambda t: (t.sum(1), t.amax(1), t.argmax(1), (t > 2).any(1), t.prod(1)), x)


@needs_cuda
def test_argmax_prefers_first_and_nan():
    x = np.array([[1, 3, 3, 0], [2, np.nan, 5, np.nan]], np.float32)
    on_both(lambda t: (t.argmax(1), t.max(1)), x)


@needs_cuda
@pytest.mark.parametrize("sa,sb", [((5,), (5,)), ((3, 5), (5,)), ((5,), (5, 2)),
                                   ((3, 5), (5, 2)), ((2, 3, 5), (5, 4)),
                                   ((2, 1, 3, 5), (4, 5, 2))])
def test_matmul_shapes(sa, sb):
    on_both(lambda a, b: a @ b, floats(*sa), floats(*sb))


@needs_cuda
def test_matmul_of_transposed_operands_over_several_tiles():
    on_both(lambda a, b: a.t() @ b.t(), floats(6, 9), floats(10, 6))


@needs_cuda
def test_views_copies_and_indexing():
    x = floats(2, 3, 4)
    on_both(lambda t: (t.permute(2, 0, 1).contiguous(), t[:, 1:, ::2], t[1], t.unsqueeze(0)
                       .expand(2, 2, 3, 4).reshape(4, 12), t.flatten(1), t.narrow(2, 1, 2)), x)
    on_both(lambda t: nt.cat([t, t * 2], 1), x)
    on_both(lambda t: nt.stack([t[0], t[1]], -1), x)


@needs_cuda
def test_softmax_family_is_stable_for_large_logits():
    x = np.array([[1e4, -1e4, 0.0], [1.0, 2.0, 3.0]], np.float32)
    on_both(lambda t: (nt.softmax(t, 1), nt.log_softmax(t, 1), t.logsumexp(1)), x)


@needs_cuda
def test_gather_scatter_index_select_index_add():
    x = floats(3, 5)
    idx = np.array([[0, 4], [2, 2], [1, 0]])
    on_both(lambda t, i: (t.gather(1, i), t.index_select(1, i[0]),
                          nt.zeros(3, 5, device=t.device).scatter_add(1, i, t[:, :2]),
                          nt.zeros(3, 5, device=t.device).index_add(1, i[1], t[:, :2])), x, idx)
    with pytest.raises(RuntimeError, match="out of bounds"):
        nt.tensor(x).cuda().gather(1, nt.tensor([[5]]).cuda())


@needs_cuda
def test_advanced_and_boolean_indexing_with_gradients():
    x = floats(3, 4, 5)
    idx = np.array([2, 0, 2])
    mask = x[:, :, 0] > 0
    on_both(lambda t: (t[t > 0], t[:, [1, 3]], t[[0, 2], :, [4, 1]], t[..., [0, 0, 3]],
                       t[1:, nt.tensor([3, -1], device=t.device)], t[nt.tensor(mask,
                                                                            device=t.device)]),
            x)

    def grads(t):  # duplicate indices accumulate; masked_select's backward scatters back
        t = t.requires_grad_()
        ((t[idx] * 2).sum() + t[:, [1, 1, 2], 3].sum() + t.masked_select(t > 0.5).sum()
         + t[t < 0].pow(2).sum()).backward()
        return t.grad
    on_both(grads, x)
    with pytest.raises(IndexError, match="out of bounds"):
        nt.tensor(x).cuda()[[0, 3]]


@needs_cuda
def test_advanced_assignment_and_nonzero():
    def assign(t):
        t = t.clone()
        t[t > 0] = 0.0
        t[[0, 1], [2, 2]] = nt.tensor([7.0, 8.0], device=t.device)
        t[:, [0]] += 1
        return t, t.nonzero(), nt.nonzero(t == 7.0, as_tuple=True), nt.argwhere(t[0] == 1)
    on_both(assign, floats(3, 4))
    on_both(lambda t: t.masked_fill(t < 0, -1.0), floats(2, 5))


@needs_cuda
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumulative_ops_and_their_gradients(dim):
    x = floats(3, 5)
    x[1, 2] = 0.0  # cumprod's gradient at a zero
    x[2, 1] = np.nan

    def scans(t):
        t = t.requires_grad_()
        outs = (t.cumsum(dim), t.cumprod(dim), t.cummax(dim), t.cummin(dim))
        finite = nt.nan_to_num(t, nan=0.5)
        (finite.cumsum(dim) * finite.cumprod(dim)).sum().backward()
        return outs + (t.grad, nt.tensor([[1, 2], [3, 4]], device=t.device).cumsum(dim))
    on_both(scans, x)


@needs_cuda
@pytest.mark.parametrize("dim", [0, -1])
def test_sorting_family(dim):
    x = np.round(floats(4, 5), 1)  # ties, to check the stable order
    x[1, 3] = np.nan
    x[2, 0] = x[2, 4] = x[0, 0]

    def sorts(t):
        t = t.requires_grad_()
        s, sd = t.sort(dim), t.sort(dim, descending=True)
        k = t.topk(2, dim)
        (s.values * 1.5).nan_to_num().sum().backward()
        return (s, sd, t.argsort(dim), k, t.kthvalue(2, dim), nt.msort(t), t.grad,
                nt.unique(t.detach().round(), return_counts=True),
                nt.bincount(nt.tensor([0, 3, 3, 1], device=t.device)))
    on_both(sorts, x)


@needs_cuda
def test_samplers_and_scatter_multiply_and_padded_embedding():
    p = nt.full((400,), 0.25, device="cuda")
    b = nt.bernoulli(p)
    assert b.is_cuda and set(b.unique().tolist()) <= {0.0, 1.0} and 0.15 < b.mean().item() < 0.35
    n = nt.normal(nt.zeros(400, device="cuda"), nt.full((400,), 2.0, device="cuda"))
    assert n.is_cuda and 1.5 < n.std().item() < 2.5
    m = nt.multinomial(nt.tensor([[0.0, 1.0, 0.0], [0.5, 0.0, 0.5]], device="cuda"), 4, True)
    assert m.is_cuda and m[0].tolist() == [1] * 4 and set(m[1].tolist()) <= {0, 2}
    q = nt.poisson(nt.full((300,), 4.0, device="cuda"))
    assert q.is_cuda and 3.0 < q.mean().item() < 5.0
    idx = np.array([[0, 1, 0], [2, 2, 1]])
    on_both(lambda t, i: t.clone().scatter_(1, i, nt.full((2, 3), 3.0, device=t.device),
                                            reduce="multiply"), floats(2, 4), idx)

    def padded(t):
        nt.manual_seed(0)
        emb = nt.nn.Embedding(5, 3, padding_idx=1).to(t.device)
        out = emb(t)
        (out * out).sum().backward()
        return out, emb.weight.grad
    on_both(padded, np.array([[1, 4, 1], [0, 1, 3]]))


def mlp_grads(device):
    nt.manual_seed(0)
    model = nt.nn.Sequential(nt.nn.Linear(4, 6), nt.nn.Tanh(), nt.nn.Linear(6, 3))
    model.to(device)
    x = nt.tensor(np.linspace(-1, 1, 20, dtype=np.float32).reshape(5, 4), device=device)
    y = nt.tensor([0, 2, 1, 2, 0], device=device)
    loss = nt.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    return loss, [p.grad for p in model.parameters()]


@needs_cuda
def test_autograd_through_an_mlp_matches_cpu():
    loss_c, grads_c = mlp_grads("cpu")
    loss_g, grads_g = mlp_grads("cuda")
    assert loss_g.device.type == "cuda"
    np.testing.assert_allclose(loss_g.item(), loss_c.item(), rtol=1e-5)
    for gc, gg in zip(grads_c, grads_g):
        assert gg.is_cuda
        np.testing.assert_allclose(gg.cpu().numpy(), gc.numpy(), rtol=1e-4, atol=1e-6)


@needs_cuda
@pytest.mark.parametrize("make", [lambda ps: nt.optim.SGD(ps, lr=0.1, momentum=0.9,
                                                           nesterov=True, weight_decay=0.01),
                                  lambda ps: nt.optim.Adam(ps, lr=0.01, amsgrad=True),
                                  lambda ps: nt.optim.AdamW(ps, lr=0.01)])
def test_optimizer_steps_match_cpu(make):
    results = []
    for device in ("cpu", "cuda"):
        w = nt.tensor(np.linspace(-1, 1, 6, dtype=np.float32), device=device,
                      requires_grad=True)
        opt = make([w])
        for _ in range(3):
            opt.zero_grad()
            (w * w * nt.arange(6, device=device)).sum().backward()
            opt.step()
        results.append(w.detach().cpu().numpy())
    np.testing.assert_allclose(results[1], results[0], rtol=1e-5, atol=1e-6)


@needs_cuda
def test_device_api_and_errors():
    assert nt.cuda.device_count() >= 1 and nt.cuda.current_device() == 0
    assert isinstance(nt.cuda.get_device_name(), str)
    nt.cuda.synchronize()
    x = nt.ones(2, 3, device="cuda:0")
    assert x.is_cuda and not x.is_cpu and x.device == nt.device("cuda:0")
    assert repr(x).endswith("device='cuda:0')")
    assert nt.zeros_like(x).is_cuda and x.new_ones(2).is_cuda and nt.randn_like(x).is_cuda
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        x + nt.ones(2, 3)
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        x @ nt.ones(3, 2)
    with pytest.raises(TypeError, match=r"Use Tensor.cpu\(\)"):
        x.numpy()
    assert (x + nt.tensor(2.0)).is_cuda  # a 0-d CPU tensor acts as a scalar, as in PyTorch
    assert x.sum().item() == 6.0 and x.tolist() == [[1.0] * 3] * 2
    nt.cuda.manual_seed(3)
    a, u = nt.randn(4, device="cuda"), nt.rand(2, 3, device="cuda", dtype=nt.float64)
    assert a.is_cuda and u.dtype == nt.float64 and u.shape == (2, 3)
    nt.cuda.manual_seed(3)
    assert nt.equal(a.cpu(), nt.randn(4, device="cuda").cpu())
    assert not nt.equal(a.cpu(), nt.randn(4, device="cuda").cpu())  # the stream moves on


@needs_cuda
def test_cuda_random_numbers_have_the_right_distribution():
    nt.cuda.manual_seed(0)
    u = nt.rand(4000, device="cuda").cpu().numpy()
    z = nt.randn(4000, device="cuda").cpu().numpy()
    assert 0 <= u.min() and u.max() < 1 and abs(u.mean() - 0.5) < 0.02
    assert abs(z.mean()) < 0.06 and abs(z.std() - 1) < 0.05
    assert len(np.unique(u)) > 3990  # no repeated streams across threads


@needs_cuda
def test_to_and_back_is_differentiable():
    w = nt.tensor([1.0, 2.0], requires_grad=True)
    y = (w.cuda() * 3).sum()
    assert type(y.grad_fn).__name__ == "SumBackward0"
    y.backward()
    assert w.grad.is_cpu and w.grad.tolist() == [3.0, 3.0]


@pytest.mark.skipif(HAS_CUDA, reason="a CUDA device (or the simulator) is present")
def test_without_a_gpu_cuda_is_refused_clearly():
    assert nt.cuda.device_count() == 0
    assert nt.device("cuda").type == "cuda"  # parses, so programs can test for it
    with pytest.raises(AssertionError, match="not compiled with CUDA"):
        nt.ones(2).cuda()
    with pytest.raises(AssertionError, match="not compiled with CUDA"):
        nt.zeros(2, device="cuda")


@needs_cuda
@pytest.mark.parametrize("stride,padding,dilation,groups", [(1, 0, 1, 1), (2, 1, 1, 2),
                                                            (1, 2, 2, 1)])
def test_conv2d_forward_and_backward_match_cpu(stride, padding, dilation, groups):
    x, w, b = floats(1, 4, 5, 4), floats(4, 4 // groups, 3, 2), floats(4)

    def run(device):
        xs = [nt.tensor(a, device=device, requires_grad=True) for a in (x, w, b)]
        out = nt.nn.functional.conv2d(*xs, stride=stride, padding=padding, dilation=dilation,
                                      groups=groups)
        (out * out).sum().backward()
        return [out.detach().cpu()] + [t.grad.cpu() for t in xs]
    for got, want in zip(run("cuda"), run("cpu")):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-4, atol=1e-4)


@needs_cuda
@pytest.mark.parametrize("kernel,stride,padding", [(2, 2, 0), (3, 2, 1), (3, 1, 1)])
def test_max_pool2d_forward_and_backward_match_cpu(kernel, stride, padding):
    x = floats(2, 3, 7, 6)
    x[0, 0, 1, 1] = np.nan

    def run(device):
        t = nt.tensor(x, device=device, requires_grad=True)
        out = nt.nn.functional.max_pool2d(t, kernel, stride, padding)
        out.sum().backward()
        return out.detach().cpu(), t.grad.cpu()
    for got, want in zip(run("cuda"), run("cpu")):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6, equal_nan=True)


@needs_cuda
@pytest.mark.skipif(SIMULATED, reason="LeNet's 32x32 step takes minutes in the simulator; it "
                                      "runs on a real GPU")
def test_lenet_training_step_on_cuda_matches_cpu():
    """The seed's LeNet (examples/lenet.py) moved with .to(device) alone."""
    import os
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "examples"))
    from lenet import lenet
    results = []
    for device in ("cpu", "cuda"):
        nt.manual_seed(0)
        model = lenet(nt).to(device)
        opt = nt.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        x = nt.tensor(floats(2, 1, 32, 32) if not results else results[0][0], device=device)
        y = nt.tensor([3, 7], device=device)
        for _ in range(2):
            opt.zero_grad()
            loss = nt.nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
        results.append((x.cpu().numpy(), loss.item(), model.conv1.weight.detach().cpu()))
    assert abs(results[0][1] - results[1][1]) < 1e-4
    np.testing.assert_allclose(results[1][2].numpy(), results[0][2].numpy(), rtol=1e-4,
                               atol=1e-5)


LAYERS = {
    "BatchNorm2d": (lambda: nt.nn.BatchNorm2d(3), (2, 3, 4, 4)),
    "LayerNorm": (lambda: nt.nn.LayerNorm(6), (4, 6)),
    "AvgPool2d": (lambda: nt.nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False),
                  (2, 3, 5, 4)),
    "AdaptiveAvgPool2d": (lambda: nt.nn.AdaptiveAvgPool2d((2, 3)), (2, 3, 5, 4)),
    "Conv1d": (lambda: nt.nn.Conv1d(3, 2, 3, padding=1), (2, 3, 6)),
    "MaxPool1d": (lambda: nt.nn.MaxPool1d(2), (2, 3, 6)),
    "ELU": (lambda: nt.nn.ELU(), (4, 6)),
    "GELU": (lambda: nt.nn.GELU(), (4, 6)),
    "Softplus": (lambda: nt.nn.Softplus(), (4, 6)),
    "LogSoftmax": (lambda: nt.nn.LogSoftmax(1), (4, 6)),
}


@needs_cuda
@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layers_forward_and_gradients_match_cpu(name):
    import copy
    make, shape = LAYERS[name]
    x = floats(*shape)
    cpu = make()
    results = []
    for device in ("cpu", "cuda"):
        m = copy.deepcopy(cpu).to(device)
        t = nt.tensor(x, device=device, requires_grad=True)
        out = m(t)
        (out * out).sum().backward()
        results.append([out.detach().cpu(), t.grad.cpu()] +
                       [p.grad.cpu() for p in m.parameters()])
    for got, want in zip(results[1], results[0]):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-4, atol=1e-5)


LOSSES = {"mse": lambda x, y: nt.nn.MSELoss()(x, y),
          "bce": lambda x, y: nt.nn.BCELoss()(x.sigmoid(), (y > 0).float()),
          "bce_logits": lambda x, y: nt.nn.BCEWithLogitsLoss(pos_weight=y[0].abs())(
              x, (y > 0).float()),
          "smooth_l1": lambda x, y: nt.nn.SmoothL1Loss()(x, y),
          "cross_entropy_smoothing": lambda x, y: nt.nn.CrossEntropyLoss(label_smoothing=0.1)(
              x, y.argmax(1)),
          "nll_ignore": lambda x, y: nt.nn.NLLLoss(ignore_index=1)(x.log_softmax(1),
                                                                   y.argmax(1))}


@needs_cuda
@pytest.mark.parametrize("name", sorted(LOSSES))
def test_losses_match_cpu(name):
    x, y = floats(5, 4), floats(5, 4)
    results = []
    for device in ("cpu", "cuda"):
        t = nt.tensor(x, device=device, requires_grad=True)
        loss = LOSSES[name](t, nt.tensor(y, device=device))
        loss.backward()
        results.append((loss.item(), t.grad.cpu().numpy()))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-5)
    np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-4, atol=1e-6)


@needs_cuda
def test_embedding_and_dropout_on_cuda():
    emb = nt.nn.Embedding(5, 3)
    idx = nt.tensor([[1, 4], [4, 0]])
    want = emb(idx)
    want.sum().backward()
    g_cpu = emb.weight.grad.clone()
    emb.zero_grad()
    emb.cuda()
    got = emb(idx.cuda())
    got.sum().backward()
    np.testing.assert_allclose(got.detach().cpu().numpy(), want.detach().numpy())
    np.testing.assert_allclose(emb.weight.grad.cpu().numpy(), g_cpu.numpy())
    d = nt.nn.Dropout(0.5)
    y = d(nt.ones(200, device="cuda"))
    kept = y.cpu().numpy() != 0
    assert y.is_cuda and 0.3 < kept.mean() < 0.7 and np.allclose(y.cpu().numpy()[kept], 2.0)


@needs_cuda
def test_save_and_load_cuda_tensors(tmp_path):
    sd = {"w": nt.arange(6.0, device="cuda").view(2, 3), "n": 3}
    nt.save(sd, tmp_path / "a.pt")
    back = nt.load(tmp_path / "a.pt")
    assert back["w"].is_cuda and back["w"].tolist() == sd["w"].tolist() and back["n"] == 3
    on_cpu = nt.load(tmp_path / "a.pt", map_location="cpu")
    assert on_cpu["w"].is_cpu and on_cpu["w"].tolist() == sd["w"].tolist()


@pytest.mark.skipif(HAS_CUDA, reason="a CUDA device (or the simulator) is present")
def test_loading_a_cuda_checkpoint_without_a_gpu(tmp_path):
    """A file saved on a GPU machine (its storages' location 'cuda:0') loads with
    map_location='cpu' and otherwise raises PyTorch's error."""
    import zipfile
    nt.save({"w": nt.ones(2)}, tmp_path / "a.pt")
    with zipfile.ZipFile(tmp_path / "a.pt") as z:
        files = {n: z.read(n) for n in z.namelist()}
    cpu, cuda = b"X\x03\x00\x00\x00cpu", b"X\x06\x00\x00\x00cuda:0"  # pickled strings
    assert files["a/data.pkl"].count(cpu) == 1
    files["a/data.pkl"] = files["a/data.pkl"].replace(cpu, cuda)
    with zipfile.ZipFile(tmp_path / "b.pt", "w") as z:
        for n, data in files.items():
            z.writestr(n, data)
    with pytest.raises(RuntimeError, match="map_location"):
        nt.load(tmp_path / "b.pt")
    assert nt.load(tmp_path / "b.pt", map_location="cpu")["w"].tolist() == [1.0, 1.0]
