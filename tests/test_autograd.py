"""Autograd: gradcheck (central differences in float64) over every differentiable op, with
broadcasting and non-contiguous inputs, plus gradients and grad_fn names against PyTorch."""

import gc
import weakref

import numpy as np
import pytest
from conftest import assert_same, to_torch
from op_tables import DOMAIN, DOMAINS, UNARY

import numtorch as nt
from numtorch.autograd import gradcheck

RNG = np.random.default_rng(7)


def leaf(*shape, positive=False, transposed=False, values=None):
    a = RNG.standard_normal(shape)
    if positive:
        a = np.abs(a) + 0.5
    if values is not None:
        a = values(a)
    if transposed:
        t = nt.tensor(np.ascontiguousarray(a.T)).t()
        t.requires_grad_(True)
        return t
    return nt.tensor(a, requires_grad=True)


def _grad_inputs(name):
    """Where op `name` is differentiable -- its domain, and away from the poles of reciprocal
    and tan, where central differences lose every digit."""
    return DOMAINS[{"reciprocal": "positive", "tan": "unit"}.get(name, DOMAIN.get(name, "real"))]


@pytest.mark.parametrize("name", UNARY)
def test_unary_gradcheck(name):
    for transposed in (False, True):
        x = leaf(3, 4, transposed=transposed, values=_grad_inputs(name))
        assert gradcheck(getattr(nt, name), (x,))


BINARY_CASES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 3), (4, 1)), ((), (2, 3))]


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "maximum", "minimum", "pow",
                                  "atan2", "remainder", "fmod"])
@pytest.mark.parametrize("shapes", BINARY_CASES, ids=str)
def test_binary_gradcheck(name, shapes):
    positive = name in ("pow", "div", "remainder", "fmod")
    a = leaf(*shapes[0], positive=positive)
    b = leaf(*shapes[1], positive=positive)
    assert gradcheck(getattr(nt, name), (a, b))


def test_scalar_operand_gradcheck():
    x = leaf(3, positive=True)
    for fn in (lambda t: t * 2.5, lambda t: 1 - t, lambda t: 2 / t, lambda t: t ** 3,
               lambda t: 2 ** t, lambda t: t ** 0.5, lambda t: -t + 1, lambda t: t / 3):
        assert gradcheck(fn, (x,))


REDUCTIONS = [
    lambda x, m=nt: x.sum(),
    lambda x, m=nt: x.sum(1),
    lambda x, m=nt: x.sum((0, 2), keepdim=True),
    lambda x, m=nt: x.mean(),
    lambda x, m=nt: x.mean(-1, keepdim=True),
    lambda x, m=nt: x.prod(1),
    lambda x, m=nt: x.amax(1),
    lambda x, m=nt: x.amin((0, 1)),
    lambda x, m=nt: x.max(),
    lambda x, m=nt: x.max(1)[0],
    lambda x, m=nt: x.min(2, keepdim=True).values,
    lambda x, m=nt: x.var(1),
    lambda x, m=nt: x.std(),
    lambda x, m=nt: x.var(0, unbiased=False),
    lambda x, m=nt: x.norm(),
    lambda x, m=nt: x.norm(dim=1),
    lambda x, m=nt: x.logsumexp(1),
    lambda x, m=nt: x.softmax(1),
    lambda x, m=nt: x.softmax(-1),  # last dim: one backward kernel over rows
    lambda x, m=nt: x.log_softmax(-1),
    lambda x, m=nt: x.log_softmax(1),
    lambda x, m=nt: x.cumsum(1),
    lambda x, m=nt: x.cumprod(2),
    lambda x, m=nt: x.sort(1)[0],
    lambda x, m=nt: x.topk(2, 2)[0],
    lambda x, m=nt: x.kthvalue(2, 1)[0],
]


@pytest.mark.parametrize("i", range(len(REDUCTIONS)))
def test_reduction_gradcheck(i):
    x = leaf(2, 3, 4, positive=True)
    assert gradcheck(REDUCTIONS[i], (x,))


SHAPE_OPS = [
    lambda x, m=nt: x.view(6, 4),
    lambda x, m=nt: x.reshape(4, -1),
    lambda x, m=nt: x.transpose(0, 2),
    lambda x, m=nt: x.permute(2, 0, 1),
    lambda x, m=nt: x.flatten(1),
    lambda x, m=nt: x.unsqueeze(1),
    lambda x, m=nt: x[0].squeeze(),
    lambda x, m=nt: x[:, 1],
    lambda x, m=nt: x[1:, ::2],
    lambda x, m=nt: x[..., None],
    lambda x, m=nt: x[[0, 1, 1]],
    lambda x, m=nt: x[x > 0],
    lambda x, m=nt: x[:, [2, 0, 2]],
    lambda x, m=nt: x.expand(3, 2, 3, 4),
    lambda x, m=nt: x[:, :1].expand(2, 5, 4),
    lambda x, m=nt: x.repeat(2, 1, 2),
    lambda x, m=nt: x.flip(1),
    lambda x, m=nt: x.roll(1, 2),
    lambda x, m=nt: x.narrow(2, 1, 2),
    lambda x, m=nt: x.select(1, -1),
    lambda x, m=nt: x.unbind(1)[1],
    lambda x, m=nt: x.split(2, 2)[1],
    lambda x, m=nt: x.chunk(3, 1)[2],
    lambda x, m=nt: m.cat([x, x * 2], 1),
    lambda x, m=nt: m.stack([x, x], 3),
    lambda x, m=nt: x[0].tril(),
    lambda x, m=nt: x[1].triu(1),
    lambda x, m=nt: x.movedim(0, 2),
    lambda x, m=nt: x[0].t(),
    lambda x, m=nt: x.contiguous(),
    lambda x, m=nt: x.clone(),
    lambda x, m=nt: x.transpose(0, 1).contiguous(),
    lambda x, m=nt: x.index_select(1, m.tensor([2, 0, 2])),
    lambda x, m=nt: x.gather(2, m.tensor([[[0, 3], [1, 1], [2, 0]], [[3, 3], [0, 1], [2, 2]]])),
    lambda x, m=nt: m.take(x, m.tensor([0, 5, 5, 23])),
    lambda x, m=nt: x.masked_fill(x > 0.5, 0.0),
    lambda x, m=nt: x.masked_select(x > 0),
    lambda x, m=nt: m.where(x > 0, x, x * x),
    lambda x, m=nt: x.clamp(-0.5, 0.5),
    lambda x, m=nt: x.clamp(min=0.1),
    lambda x, m=nt: x.repeat_interleave(2, 1),
]


@pytest.mark.parametrize("i", range(len(SHAPE_OPS)))
def test_shape_and_index_gradcheck(i):
    x = leaf(2, 3, 4)
    assert gradcheck(SHAPE_OPS[i], (x,))


def _grad_vs_torch(torch, fn, x):
    out = fn(x)
    out = out[0] if isinstance(out, tuple) else out
    seed = RNG.standard_normal(tuple(out.shape))
    out.backward(nt.tensor(seed))
    tx = to_torch(x, torch).requires_grad_(True)
    tout = fn(tx, torch)
    tout = tout[0] if isinstance(tout, tuple) else tout
    tout.backward(torch.tensor(seed))
    assert_same(x.grad, tx.grad, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("i", range(len(REDUCTIONS)))
def test_reduction_grads_vs_torch(torch, i):
    _grad_vs_torch(torch, REDUCTIONS[i], leaf(2, 3, 4, positive=True))


@pytest.mark.parametrize("i", range(len(SHAPE_OPS)))
def test_shape_and_index_grads_vs_torch(torch, i):
    _grad_vs_torch(torch, SHAPE_OPS[i], leaf(2, 3, 4))


@pytest.mark.parametrize("name", UNARY)
def test_unary_grads_vs_torch(torch, name):
    _grad_vs_torch(torch, lambda x, m=nt: getattr(m, name)(x),
                   leaf(3, 4, values=_grad_inputs(name)))


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "maximum", "minimum", "pow",
                                  "atan2"])
def test_binary_grads_vs_torch(torch, name):
    a, b = leaf(3, 4, positive=True), leaf(4, positive=True)
    getattr(nt, name)(a, b).sum().backward()
    ta, tb = (to_torch(t, torch).requires_grad_(True) for t in (a, b))
    getattr(torch, name)(ta, tb).sum().backward()
    assert_same(a.grad, ta.grad, rtol=1e-9, atol=1e-12)
    assert_same(b.grad, tb.grad, rtol=1e-9, atol=1e-12)


def test_scatter_and_clamp_tensor_bounds_gradcheck():
    idx = nt.tensor([[0, 1, 2, 0], [2, 0, 0, 1]])
    x, src = leaf(3, 4), leaf(2, 4)
    assert gradcheck(lambda a, s: a.scatter(0, idx, s), (x, src))
    assert gradcheck(lambda a, s: a.scatter_add(0, idx, s), (x, src))
    lo, hi = leaf(4), leaf(4)
    with nt.no_grad():
        hi.add_(2)
    assert gradcheck(lambda a, lo_, hi_: a.clamp(lo_, hi_), (x, lo, hi))
    w = leaf(3, 4)
    assert gradcheck(lambda a, b, w_: nt.lerp(a, b, w_.sigmoid()), (x, leaf(4), w))


@pytest.mark.parametrize("sa,sb", [((3, 4), (4, 5)), ((4,), (4,)), ((3, 4), (4,)),
                                   ((4,), (4, 2)), ((2, 3, 4), (2, 4, 5)),
                                   ((2, 3, 4), (4, 5)), ((5, 1, 3, 4), (2, 4, 2))])
def test_matmul_gradcheck(sa, sb):
    assert gradcheck(nt.matmul, (leaf(*sa), leaf(*sb)))


def test_linear_algebra_family_gradcheck():
    a, b, v = leaf(3, 4), leaf(4, 5), leaf(4)
    c = leaf(5)
    assert gradcheck(nt.mm, (a, b))
    assert gradcheck(nt.mv, (a, v))
    assert gradcheck(nt.dot, (v, leaf(4)))
    assert gradcheck(nt.outer, (v, c))
    assert gradcheck(lambda c_, a_, b_: nt.addmm(c_, a_, b_, beta=0.5, alpha=2), (c, a, b))
    assert gradcheck(nt.addmm, (c, a, b))  # (a 1-D bias of b's width: Linear's fast path)
    assert gradcheck(nt.bmm, (leaf(2, 3, 4), leaf(2, 4, 2)))
    assert gradcheck(lambda a_: a_ @ a_.t(), (leaf(3, 4, transposed=True),))


GRAD_FN_NAMES = [
    ("a + b", "AddBackward0"), ("a + 1", "AddBackward0"), ("a - b", "SubBackward0"),
    ("1 - a", "RsubBackward1"), ("-a", "NegBackward0"), ("a * b", "MulBackward0"),
    ("a * 2", "MulBackward0"), ("a / b", "DivBackward0"), ("a ** 2", "PowBackward0"),
    ("a ** b", "PowBackward1"), ("2 ** a", "PowBackward2"), ("a.sum()", "SumBackward0"),
    ("a.sum(0)", "SumBackward1"), ("a.mean()", "MeanBackward0"), ("a.mean(0)", "MeanBackward1"),
    ("m @ m.t()", "MmBackward0"), ("v @ v", "DotBackward0"), ("m @ v3", "MvBackward0"),
    ("a.relu()", "ReluBackward0"), ("a.sigmoid()", "SigmoidBackward0"),
    ("a.tanh()", "TanhBackward0"), ("a.exp()", "ExpBackward0"), ("a.abs()", "AbsBackward0"),
    ("m.view(-1)", "ViewBackward0"), ("m.t()", "TBackward0"), ("m.T", "PermuteBackward0"),
    ("m.transpose(0, 1)", "TransposeBackward0"), ("a.unsqueeze(0)", "UnsqueezeBackward0"),
    ("m.unsqueeze(0).squeeze(0)", "SqueezeBackward1"), ("a.expand(2, 3)", "ExpandBackward0"),
    ("m[0]", "SelectBackward0"), ("m[:, 1]", "SelectBackward0"), ("m[1:3]", "SliceBackward0"),
    ("m[idx]", "IndexBackward0"), ("m[m > 0]", "IndexBackward0"),
    ("m.index_select(0, idx)", "IndexSelectBackward0"), ("torch.cat([a, a])", "CatBackward0"),
    ("torch.stack([a, a])", "StackBackward0"), ("m.max()", "MaxBackward1"),
    ("m.max(0)[0]", "MaxBackward0"), ("m.softmax(1)", "SoftmaxBackward0"),
    ("m.log_softmax(1)", "LogSoftmaxBackward0"), ("a.clone()", "CloneBackward0"),
    ("a.double()", "ToCopyBackward0"), ("torch.where(a > 0, a, b)", "WhereBackward0"),
    ("a.clamp(0, 1)", "ClampBackward1"), ("m.masked_fill(m > 0, 0)", "MaskedFillBackward0"),
    ("m.split(1)[0]", "SplitBackward0"), ("m.gather(0, idx2)", "GatherBackward0"),
    ("m.t().reshape(-1)", "UnsafeViewBackward0"), ("m.flatten()", "ViewBackward0"),
]


@pytest.mark.parametrize("expr,name", GRAD_FN_NAMES)
def test_grad_fn_names(torch, expr, name):
    def env(m):
        a = m.tensor([1.0, -2.0, 3.0], requires_grad=True)
        b = m.tensor([0.5, 2.0, 1.5], requires_grad=True)
        mat = m.tensor([[1.0, -2.0, 3.0], [0.5, 0.1, -4.0], [2.0, 1.0, 0.0]],
                       requires_grad=True)
        return {"torch": m, "a": a, "b": b, "m": mat, "v": a, "v3": b,
                "idx": m.tensor([0, 2]), "idx2": m.tensor([[0, 2, 1]])}
    ours = eval(expr, env(nt))
    ref = eval(expr, env(torch))
    assert type(ours.grad_fn).__name__ == name == type(ref.grad_fn).__name__
    assert len(ours.grad_fn.next_functions) == len(ref.grad_fn.next_functions)
    for (n1, _), (n2, _) in zip(ours.grad_fn.next_functions, ref.grad_fn.next_functions):
        assert (n1 is None) == (n2 is None)
        if n1 is not None:
            assert type(n1).__name__ == type(n2).__name__
    assert repr(ours) == repr(ref)


def test_gradients_match_torch_on_a_small_mlp(torch):
    x = nt.randn(8, 5)
    w1, b1 = leaf(5, 7), leaf(7)
    w2, b2 = leaf(7, 3), leaf(3)
    target = nt.tensor(RNG.integers(0, 3, 8))

    def model(m, x, w1, b1, w2, b2, t):
        h = (x.double() @ w1 + b1).relu()
        logits = (h @ w2 + b2).tanh() * 3
        logp = logits.log_softmax(1)
        return -logp.gather(1, t.unsqueeze(1)).mean() + (w1 ** 2).sum() * 1e-3
    params = [w1, b1, w2, b2]
    model(nt, x, *params, target).backward()
    tparams = [to_torch(p, torch).requires_grad_(True) for p in params]
    model(torch, to_torch(x, torch), *tparams, to_torch(target, torch)).backward()
    for p, tp in zip(params, tparams):
        assert_same(p.grad, tp.grad, rtol=1e-10, atol=1e-12)


def test_second_derivatives_and_hessian_vector_product(torch):
    x = nt.tensor(1.5, requires_grad=True)
    y = 3 * x ** 4 - x ** 2 + 7
    (g,) = nt.autograd.grad(y, x, create_graph=True)
    (h,) = nt.autograd.grad(g, x)
    assert g.item() == pytest.approx(12 * 1.5 ** 3 - 3.0)
    assert h.item() == pytest.approx(36 * 1.5 ** 2 - 2)
    w = leaf(4, 3)
    inp = nt.randn(5, 4).double()
    v = nt.randn(4, 3).double()

    def loss_fn(m, w, inp):
        return (inp @ w).tanh().pow(2).sum()
    (gw,) = nt.autograd.grad(loss_fn(nt, w, inp), w, create_graph=True)
    (hv,) = nt.autograd.grad((gw * v).sum(), w)
    tw = to_torch(w, torch).requires_grad_(True)
    (tg,) = torch.autograd.grad(loss_fn(torch, tw, to_torch(inp, torch)), tw, create_graph=True)
    (thv,) = torch.autograd.grad((tg * to_torch(v, torch)).sum(), tw)
    assert_same(hv, thv, rtol=1e-10, atol=1e-12)
    assert nt.autograd.gradgradcheck(lambda a: (a.sin() * a).sum(), (leaf(3),))
    # the backward kernel of (log-)softmax gives way to tensor ops when a graph is wanted
    assert nt.autograd.gradgradcheck(lambda a: a.log_softmax(-1), (leaf(3, 4),))
    assert nt.autograd.gradgradcheck(lambda a: a.softmax(-1), (leaf(3, 4),))


def test_backward_errors():
    x = nt.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar "
                                           "outputs"):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad"):
        nt.ones(2).sum().backward()
    with pytest.raises(RuntimeError, match=r"Mismatch in shape: grad_output\[0\] has a shape of "
                                           r"torch.Size\(\[3\]\) and output\[0\] has a shape "
                                           r"of torch.Size\(\[2\]\)"):
        (x[:2] * 2).backward(nt.ones(3))
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second "
                                           "time"):
        y.backward()
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in "
                                           "an in-place operation."):
        x.add_(1)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable"):
        x[0:2].mul_(2)
    s = nt.ones(3, requires_grad=True).sigmoid()
    loss = s.sum()
    s.mul_(2)
    with pytest.raises(RuntimeError, match=r"one of the variables needed for gradient "
                                           r"computation has been modified by an inplace "
                                           r"operation: \[torch.FloatTensor \[3\]\], which is "
                                           r"output 0 of Sigmoid, is at version 1; expected "
                                           r"version 0 instead"):
        loss.backward()
    y2 = x * 2
    y2.mul_(y2)  # saved y2 is overwritten by the very op that saved it, as in PyTorch
    with pytest.raises(RuntimeError, match="which is output 0 of Mul, is at version 1; "
                                           "expected version 0"):
        y2.sum().backward()
    e = (x * 1).exp_()
    e.mul_(2)
    with pytest.raises(RuntimeError, match="which is output 0 of Exp, is at version 2"):
        e.sum().backward()
    with pytest.raises(RuntimeError, match="does not require grad"):
        nt.autograd.grad((x * 2).sum(), nt.ones(2))
    z = nt.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
        nt.autograd.grad((x * 2).sum(), [x, z])
    assert nt.autograd.grad((x * 2).sum(), [x, z], allow_unused=True)[1] is None
    with pytest.warns(UserWarning, match="not a leaf Tensor"):
        assert (x * 2).grad is None
    with pytest.raises(RuntimeError, match="Only Tensors of floating point"):
        nt.ones(2, dtype=nt.int64).requires_grad_()


def test_inplace_on_non_leaf_is_differentiated(torch):
    def f(m, x):
        y = x * 2
        y.add_(1)
        y.mul_(x.detach() + 2)
        y[0] = 0.0
        y.relu_()
        z = y.clone()
        z[z > 10] = z[z > 10] * 3
        return z.sum()
    x = leaf(4)
    f(nt, x).backward()
    tx = to_torch(x, torch).requires_grad_(True)
    f(torch, tx).backward()
    assert_same(x.grad, tx.grad)
    assert x._version[0] == 0


def test_hooks_retain_grad_and_accumulation():
    x = nt.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    h = x.register_hook(lambda g: seen.append(g.tolist()))
    y = x * 3
    y.retain_grad()
    y.register_hook(lambda g: g * 10)
    y.sum().backward()
    assert seen == [[30.0, 30.0]] and x.grad.tolist() == [30.0, 30.0]
    assert y.grad.tolist() == [10.0, 10.0]
    h.remove()
    (x * 1).sum().backward()
    assert seen == [[30.0, 30.0]] and x.grad.tolist() == [31.0, 31.0]
    g = x.grad
    (x * 1).sum().backward()
    assert x.grad is g  # accumulated in place, like PyTorch
    assert not x.grad.requires_grad


def test_no_grad_modes():
    x = nt.ones(2, requires_grad=True)
    with nt.no_grad():
        assert (x * 2).grad_fn is None
        with nt.enable_grad():
            assert (x * 2).grad_fn is not None
    with nt.inference_mode():
        assert not (x * 2).requires_grad
    nt.set_grad_enabled(False)
    assert not (x * 2).requires_grad
    nt.set_grad_enabled(True)

    @nt.no_grad()
    def f(t):
        return t * 2
    assert not f(x).requires_grad
    d = x.detach()
    assert not d.requires_grad and np.shares_memory(d.numpy(), x.detach().numpy())
    x2 = (x * 2).detach_()
    assert x2.grad_fn is None


def test_custom_function_features():
    class ScaleAndMask(nt.autograd.Function):
        @staticmethod
        def forward(ctx, x, scale, flag):
            ctx.save_for_backward(x)
            ctx.scale = scale
            assert ctx.needs_input_grad == (True, False, False)
            idx = nt.arange(x.numel())
            ctx.mark_non_differentiable(idx)
            return x * scale, idx

        @staticmethod
        def backward(ctx, grad, grad_idx):
            (x,) = ctx.saved_tensors
            return grad * ctx.scale, None, None

    x = leaf(3)
    y, idx = ScaleAndMask.apply(x, 2.5, True)
    assert type(y.grad_fn).__name__ == "ScaleAndMaskBackward"
    assert not idx.requires_grad
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.5] * 3)


def test_long_chain_does_not_recurse():
    x = nt.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 0.0
    y.backward()
    assert x.grad.item() == 1.0


def test_freed_graph_is_collected():
    x = nt.randn(10, requires_grad=True)
    y = (x.sigmoid() * 2).sum()
    saved = weakref.ref(y.grad_fn.next_functions[0][0])
    y.backward()
    del y
    gc.collect()
    assert saved() is None


def test_gradcheck_catches_a_wrong_gradient():
    class Wrong(nt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * x

        @staticmethod
        def backward(ctx, g):
            return g  # should be 2 x g

    with pytest.raises(nt.autograd.GradcheckError):
        gradcheck(Wrong.apply, (leaf(3),))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", ["relu", "sigmoid", "tanh", "clamp", "clamp_min", "mean",
                                  "mean_dim", "mm", "linear", "bias", "row_bias"])
def test_numeric_backward_matches_the_graph_formulas(case, dtype):
    """Without create_graph, small float gradients take one-kernel (or one NumPy call) paths;
    with it, the tensor-op formulas run.  Both must give the same values, including NaN, inf
    and the boundary cases (relu at 0, clamp at its bounds)."""
    rng = np.random.default_rng(3)
    a = rng.standard_normal((5, 4)).astype(dtype)
    a[0, :3] = [0.0, np.nan, np.inf]
    a[1, :2] = [0.5, -0.5]  # exactly on the clamp bounds below
    b = rng.standard_normal((4, 3)).astype(dtype)
    g = rng.standard_normal((5, 4)).astype(dtype)
    fns = {
        "relu": lambda x, w: nt.relu(x) * nt.tensor(g),
        "sigmoid": lambda x, w: nt.sigmoid(x) * nt.tensor(g),
        "tanh": lambda x, w: nt.tanh(x) * nt.tensor(g),
        "clamp": lambda x, w: nt.clamp(x, -0.5, 0.5) * nt.tensor(g),
        "clamp_min": lambda x, w: nt.clamp(x, min=0.5) * nt.tensor(g),
        "mean": lambda x, w: nt.mean(x * nt.tensor(g)) * 3,
        "mean_dim": lambda x, w: (x.mean(1) * nt.arange(5, dtype=x.dtype)).sum(),
        "mm": lambda x, w: (x @ w) * nt.ones(5, 3, dtype=x.dtype),
        "linear": lambda x, w: nt.nn.functional.linear(x, w.t()).sum(),
        "bias": lambda x, w: (x + w[:1, :1] + w[0, :1]).sum(),
        "row_bias": lambda x, w: ((x + w[:, 0]) * nt.tensor(g)).sum(),  # (sum over rows)
    }

    def grads(create_graph):
        x = nt.tensor(a, requires_grad=True)
        w = nt.tensor(b, requires_grad=True)
        out = fns[case](x, w)
        out = out.sum() if out.ndim else out
        return nt.autograd.grad(out, (x, w), create_graph=create_graph, allow_unused=True)

    for fast, slow in zip(grads(False), grads(True)):
        if slow is None:
            assert fast is None
            continue
        tol = 1e-6 if "bias" in case else 0  # float64 vs kernel summation order
        np.testing.assert_allclose(fast.numpy(), slow.detach().numpy(), rtol=tol, atol=tol)
        assert fast.dtype == slow.dtype


def _grad_from(make, addresses):
    """A custom Function whose backward returns make(g), recording where that gradient's
    buffer starts."""
    class F(nt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            r = make(g)
            addresses.append(r._data.__array_interface__["data"][0])
            return r
    return F


def test_grad_takes_a_fresh_gradient_without_a_copy_but_never_a_shared_one():
    """A leaf's first .grad is the engine's gradient itself when nothing else holds it (as in
    PyTorch); every way of sharing it must still leave each .grad its own memory."""
    buffers = []
    Double = _grad_from(lambda g: g * 2, buffers)
    w = nt.randn(3, requires_grad=True)
    Double.apply(w).sum().backward()
    assert w.grad._data.__array_interface__["data"][0] == buffers[0]  # taken, not copied
    Double.apply(w).sum().backward()
    assert w.grad.tolist() == [4.0, 4.0, 4.0]

    def own(t, other):
        return not np.shares_memory(t.grad.numpy(), other.numpy())

    a, c = nt.randn(3, requires_grad=True), nt.randn(3, requires_grad=True)
    (a + c).sum().backward()  # add routes one gradient tensor to both leaves
    assert own(a, c.grad)
    kept = []
    h = nt.randn(3, requires_grad=True)
    h.register_hook(lambda g: kept.append(g))
    Double.apply(h).sum().backward()
    assert own(h, kept[0])
    p = nt.randn(3, requires_grad=True)
    q = p + 0.0
    q.register_hook(lambda g: kept.append(g))
    q.retain_grad()
    Double.apply(q).sum().backward()
    assert own(p, kept[-1]) and own(p, q.grad)
    v = nt.ones(3)
    d = nt.randn(3, requires_grad=True)
    (d + 0.0).backward(v)
    assert own(d, v)
    d.backward(v)
    assert own(d, v) and d.grad.tolist() == [2.0, 2.0, 2.0]


def test_grad_takes_a_view_gradient_only_when_its_whole_buffer_is_unshared():
    """A Linear weight's gradient arrives as a view (a transpose of a transpose); .grad takes
    its buffer when nothing else holds the view's base tensor or buffer, and is a plain tensor
    (no _base) either way."""
    kept = []

    def through(make):
        w = nt.randn(2, 3, requires_grad=True)
        # the gradient: a (2, 3) view of a fresh buffer
        _grad_from(lambda g: make(g.reshape(-1) * 2), kept).apply(w).sum().backward()
        assert w.grad._base is None and w.grad.tolist() == [[2.0] * 3] * 2
        return w.grad._data.__array_interface__["data"][0] == kept[-1]

    assert through(lambda r: r.view(2, 3))  # the view of a whole unshared buffer is taken
    assert through(lambda r: r.view(3, 2).t().t().view(2, 3))  # however many views deep
    assert through(lambda r: nt.from_numpy(r.numpy().reshape(2, 3)))  # a NumPy-level view
    held = []
    assert not through(lambda r: held.append(r) or r.view(2, 3))  # its base tensor kept
    assert not through(lambda r: held.append(r.numpy()) or r.view(2, 3))  # its buffer kept
    assert not through(lambda r: held.append(r.numpy()) or nt.from_numpy(r.numpy().reshape(2, 3)))
    assert not through(lambda r: held.append(r.view(3, 2)) or r.view(2, 3))  # a sibling view
    assert not through(lambda r: nt.cat([r, r])[:6].view(2, 3))  # part of a bigger buffer
    # a base tensor over a NumPy view of the buffer, that view kept
    assert not through(lambda r: (lambda b: held.append(b.numpy()) or b.view(2, 3))(
        nt.from_numpy(r.numpy()[:])))
