"""The long tail of the public API, against PyTorch: 0-d gradients and draws, string data,
and every loss and fused functional op -- its value, its gradients, and the name of the node
PyTorch records for it."""

import re

import numpy as np
import pytest

import numtorch as nt

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(7)


def _pair(arr, requires_grad=True):
    a = nt.tensor(arr).requires_grad_(requires_grad)
    b = torch.tensor(arr).requires_grad_(requires_grad)
    return a, b


def test_zero_d_leaf_gets_a_zero_d_tensor_gradient():
    for lib in (nt, torch):
        a = lib.tensor(2.0, requires_grad=True)
        (a.expand(3) * 2).sum().backward()
        assert a.grad.shape == () and a.grad.item() == 6.0
        with lib.no_grad():
            a -= 0.1 * a.grad  # died in Numba typing when .grad was a NumPy scalar
        assert repr(a.grad) == "tensor(6.)"
    x = nt.tensor(3.0, requires_grad=True)
    (x.expand(2) / 2).sum().backward()
    assert x.grad.cpu().item() == 1.0


@pytest.mark.parametrize("make", [lambda lib: lib.randn(()), lambda lib: lib.rand(()),
                                  lambda lib: lib.randint(0, 5, ()),
                                  lambda lib: lib.nn.Parameter(lib.randn(())),
                                  lambda lib: lib.randn((), dtype=lib.float64)])
def test_zero_d_draws_are_zero_d(make):
    a, b = make(nt), make(torch)
    assert a.shape == b.shape == ()
    assert str(a.dtype) == str(b.dtype)


@pytest.mark.parametrize("data", ["a", ["a"], [["a", "b"]], [1, "a"], ("a",)])
def test_string_data_raises_as_pytorch(data):
    with pytest.raises(Exception) as expected:
        torch.tensor(data)
    with pytest.raises(type(expected.value), match=re.escape(str(expected.value))):
        nt.tensor(data)


def _t(shape, pos=False):
    return RNG.random(shape) if pos else RNG.standard_normal(shape)


# name -> (function of (functional, reduction, *tensors), input specs: a shape, or flags and a
# shape -- "p" positive values, "k" a constant that does not require grad)
_LOSS = {
    "mse_loss": (lambda F, r, x, y: F.mse_loss(x, y, reduction=r), [(4,), (4,)]),
    "l1_loss": (lambda F, r, x, y: F.l1_loss(x, y, reduction=r), [(4,), (4,)]),
    "smooth_l1_loss": (lambda F, r, x, y: F.smooth_l1_loss(x, y, reduction=r, beta=0.7),
                       [(6,), (6,)]),
    "huber_loss": (lambda F, r, x, y: F.huber_loss(x, y, reduction=r, delta=0.8), [(6,), (6,)]),
    "binary_cross_entropy": (lambda F, r, x, y: F.binary_cross_entropy(x, y, reduction=r),
                             [("p", 4), ("p", 4)]),
    "bce_weighted": (lambda F, r, x, y, w: F.binary_cross_entropy(x, y, w, reduction=r),
                     [("p", 4), ("p", 4), ("pk", 4)]),
    "bce_with_logits": (lambda F, r, x, y: F.binary_cross_entropy_with_logits(
        x, y, reduction=r), [(4,), ("p", 4)]),
    "bce_with_logits_pw": (lambda F, r, x, y, w, pw: F.binary_cross_entropy_with_logits(
        x, y, w, reduction=r, pos_weight=pw), [(2, 3), ("p", 2, 3), ("pk", 3), ("pk", 3)]),
    "kl_div": (lambda F, r, x, y: F.kl_div(x, y, reduction=r), [(4,), ("p", 4)]),
    "kl_div_log_target": (lambda F, r, x, y: F.kl_div(x, y, reduction=r, log_target=True),
                          [(4,), (4,)]),
    "soft_margin_loss": (lambda F, r, x, y: F.soft_margin_loss(x, y.sign(), reduction=r),
                         [(4,), ("k", 4)]),
    "multi_margin_loss": (lambda F, r, x: F.multi_margin_loss(
        x, F.__dict__["_targets"], reduction=r), [(3, 4)]),
    "margin_ranking_loss": (lambda F, r, x, y, t: F.margin_ranking_loss(
        x, y, t.sign(), margin=0.1, reduction=r), [(5,), (5,), (5,)]),
    "hinge_embedding_loss": (lambda F, r, x, t: F.hinge_embedding_loss(
        x, t.sign(), reduction=r), [(5,), (5,)]),
    "poisson_nll_loss": (lambda F, r, x, y: F.poisson_nll_loss(x, y, reduction=r),
                         [(5,), ("p", 5)]),
    "poisson_nll_full": (lambda F, r, x, y: F.poisson_nll_loss(
        x, y * 3, log_input=False, full=True, reduction=r), [("p", 5), ("p", 5)]),
    "gaussian_nll_loss": (lambda F, r, x, y, v: F.gaussian_nll_loss(x, y, v, reduction=r),
                          [(5,), (5,), ("p", 5)]),
    "cosine_embedding_loss": (lambda F, r, x, y, t: F.cosine_embedding_loss(
        x, y, t[:, 0].sign(), reduction=r), [(3, 4), (3, 4), (3, 2)]),
    "triplet_margin_loss": (lambda F, r, a, p, n: F.triplet_margin_loss(a, p, n, reduction=r),
                            [(3, 4), (3, 4), (3, 4)]),
    "multilabel_soft_margin_loss": (lambda F, r, x, y: F.multilabel_soft_margin_loss(
        x, y, reduction=r), [(3, 4), ("p", 3, 4)]),
    "cross_entropy_probs": (lambda F, r, x, y: F.cross_entropy(x, y.softmax(1), reduction=r),
                            [(3, 4), (3, 4)]),
}

_ACT = {
    "relu6": lambda F, x: F.relu6(x * 4), "hardtanh": lambda F, x: F.hardtanh(x, -0.5, 0.7),
    "leaky_relu": lambda F, x: F.leaky_relu(x, 0.2), "elu": lambda F, x: F.elu(x, 1.3),
    "selu": lambda F, x: F.selu(x), "celu": lambda F, x: F.celu(x, 0.7),
    "gelu_tanh": lambda F, x: F.gelu(x, approximate="tanh"), "mish": lambda F, x: F.mish(x),
    "softplus": lambda F, x: F.softplus(x, beta=2.0, threshold=1.5),
    "softsign": lambda F, x: F.softsign(x), "hardsigmoid": lambda F, x: F.hardsigmoid(x * 4),
    "hardswish": lambda F, x: F.hardswish(x * 4), "logsigmoid": lambda F, x: F.logsigmoid(x),
    "threshold": lambda F, x: F.threshold(x, 0.1, -2.0),
    "hardshrink": lambda F, x: F.hardshrink(x, 0.4), "softshrink": lambda F, x: F.softshrink(x),
    "tanhshrink": lambda F, x: F.tanhshrink(x), "glu": lambda F, x: F.glu(x, 0),
    "clamp_min": lambda F, x: x.clamp_min(0.2), "clamp_max": lambda F, x: x.clamp_max(0.2),
    "cosine_similarity": lambda F, x: F.cosine_similarity(x, x.flip(0)),
    "pairwise_distance": lambda F, x: F.pairwise_distance(x, x.flip(0) * 2),
    "linear_3d": lambda F, x: F.linear(x.reshape(2, 2, 3), x[:2] * 2, x[2, :2]),
    "adaptive_avg_pool_1x1": lambda F, x: F.adaptive_avg_pool2d(x.reshape(1, 1, 4, 3), 1),
    "group_norm": lambda F, x: F.group_norm(x.reshape(2, 2, 3), 2, x[0, :2], x[1, :2]),
    "instance_norm": lambda F, x: F.instance_norm(x.reshape(2, 2, 3)),
    "sdpa": lambda F, x: F.scaled_dot_product_attention(
        x.reshape(1, 4, 3), x.flip(0).reshape(1, 4, 3), x.reshape(1, 4, 3) * 2),
    "sdpa_causal": lambda F, x: F.scaled_dot_product_attention(
        x.reshape(1, 4, 3), x.flip(0).reshape(1, 4, 3), x.reshape(1, 4, 3), is_causal=True),
}

# where numtorch's graph differs from PyTorch's in a node PyTorch does not document as the op's
# (division by a number it records as div.Scalar, its internal norm and attention views)
_OTHER_NAME = {"cross_entropy_probs/mean": "DivBackward0",
               "pairwise_distance": "LinalgVectorNormBackward0",
               "triplet_margin_loss/none": None, "sdpa": "BmmBackward0",
               "sdpa_causal": "BmmBackward0"}


def _inputs(specs):
    arrs, grads = [], []
    for spec in specs:
        flags = spec[0] if isinstance(spec[0], str) else ""
        shape = spec[1:] if flags else spec
        pos = "p" in flags
        arrs.append(_t(shape, pos) * (0.9 if pos else 1) + (0.05 if pos else 0))
        grads.append("k" not in flags)
    return arrs, grads


def _compare(key, fn_nt, fn_torch, arrs, grads=None):
    ins = [_pair(a, g) for a, g in zip(arrs, grads or [True] * len(arrs))]
    out_n = fn_nt(*[a for a, _ in ins])
    out_t = fn_torch(*[b for _, b in ins])
    np.testing.assert_allclose(out_n.detach().numpy(), out_t.detach().numpy(), rtol=1e-6,
                               atol=1e-9, err_msg=key)
    want = _OTHER_NAME.get(key, type(out_t.grad_fn).__name__)
    if want is not None:
        assert type(out_n.grad_fn).__name__ == want, key
    weights = _t(tuple(out_t.shape))
    (out_n * nt.tensor(weights)).sum().backward()
    (out_t * torch.tensor(weights)).sum().backward()
    for i, (a, b) in enumerate(ins):
        if not b.requires_grad:
            continue
        if b.grad is None:
            assert a.grad is None or not a.grad.abs().sum().item(), (key, i)
            continue
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-6, atol=1e-9,
                                   err_msg=f"{key}: gradient {i}")


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", sorted(_LOSS))
def test_loss_values_gradients_and_node_names(name, reduction):
    fn, specs = _LOSS[name]
    arrs, grads = _inputs(specs)
    targets = RNG.integers(0, 4, 3)
    nt.nn.functional._targets = nt.tensor(targets)
    torch.nn.functional._targets = torch.tensor(targets)
    try:
        _compare(f"{name}/{reduction}", lambda *xs: fn(nt.nn.functional, reduction, *xs),
                 lambda *xs: fn(torch.nn.functional, reduction, *xs), arrs, grads)
    finally:
        del nt.nn.functional._targets, torch.nn.functional._targets


@pytest.mark.parametrize("name", sorted(_ACT))
def test_activation_values_gradients_and_node_names(name):
    fn = _ACT[name]
    _compare(name, lambda x: fn(nt.nn.functional, x), lambda x: fn(torch.nn.functional, x),
             [_t((4, 3))])


@pytest.mark.parametrize("name", ["smooth_l1_loss", "bce_with_logits", "huber_loss"])
def test_fused_losses_differentiate_twice(name):
    fn, specs = _LOSS[name]
    arrs, grads = _inputs(specs)
    results = []
    for lib in (nt, torch):
        ins = [lib.tensor(a).requires_grad_(g) for a, g in zip(arrs, grads)]
        loss = fn(lib.nn.functional, "sum", *ins)
        (g,) = lib.autograd.grad(loss, ins[0], create_graph=True)
        (gg,) = lib.autograd.grad((g * g).sum(), ins[0])
        results.append((g.detach().numpy(), gg.numpy()))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9)


def test_fused_loss_sees_in_place_writes_to_its_input():
    x = nt.tensor([0.5, 2.0], requires_grad=True)
    y = x * 1
    loss = nt.nn.functional.smooth_l1_loss(y, nt.zeros(2))
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


@pytest.mark.parametrize("name,call", [
    ("leaky_relu", lambda F, x: F.leaky_relu(x, 0.2, inplace=True)),
    ("elu", lambda F, x: F.elu(x, inplace=True)),
    ("selu", lambda F, x: F.selu(x, inplace=True)),
    ("celu", lambda F, x: F.celu(x, 0.7, inplace=True)),
    ("silu", lambda F, x: F.silu(x, inplace=True)),
    ("mish", lambda F, x: F.mish(x, inplace=True)),
    ("hardsigmoid", lambda F, x: F.hardsigmoid(x, inplace=True)),
    ("hardswish", lambda F, x: F.hardswish(x, inplace=True)),
    ("threshold", lambda F, x: F.threshold(x, 0.1, 2.0, inplace=True)),
    ("dropout2d", lambda F, x: F.dropout2d(x.view(2, 4, 2, 1), 0.0, inplace=True)),
])
def test_in_place_activations_on_a_graph_tensor(name, call):
    """DCGAN's Conv -> BatchNorm -> LeakyReLU(inplace=True): the activation overwrites a tensor
    whose producer's gradient is still to come; values, gradients and node names as PyTorch."""
    x0 = RNG.standard_normal((4, 4)).astype(np.float32)
    got = []
    for lib in (nt, torch):
        w = lib.tensor(x0, requires_grad=True)
        y = w * 2
        z = call(lib.nn.functional, y)
        (z * lib.arange(z.numel()).view(z.shape)).sum().backward()
        got.append((z.detach().numpy(), w.grad.numpy(), type(z.grad_fn).__name__))
    (zn, gn, nn_), (zt, gt, nt_) = got
    np.testing.assert_allclose(zn, zt, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gn, gt, rtol=1e-5, atol=1e-5)
    if name != "dropout2d":
        assert nn_ == nt_
