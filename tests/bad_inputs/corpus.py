"""The bad-input corpus: calls a user could make that must fail cleanly.

Each case is `fn(m) -> (thunk, inputs)`: given the library module `m` (numtorch or torch) it
builds its tensors and returns the call that must raise plus the tensors that call must leave
unchanged.  `EXPECT` gives the exception type where PyTorch is not the reference (numtorch's
own file format, or cases PyTorch accepts differently); everywhere else the reference is the
type PyTorch raises for the very same program.
"""

import itertools

import numpy as np


def _t(m, *shape, dtype=None, grad=False):
    n = int(np.prod(shape)) if shape else 1
    data = (np.arange(n, dtype=np.float64).reshape(shape) / 7 - 0.3).astype(np.float32)
    t = m.tensor(data) if dtype is None else m.tensor(data).to(getattr(m, dtype))
    return t.requires_grad_() if grad else t


CASES = {}
EXPECT = {}


def case(name, expect=None):
    def register(fn):
        assert name not in CASES, name
        CASES[name] = fn
        if expect is not None:
            EXPECT[name] = expect
        return fn
    return register


# ---- broadcasting: every binary op with shapes that do not broadcast ------------------------
BINARY = {"add": lambda m, a, b: m.add(a, b), "sub": lambda m, a, b: a - b,
          "mul": lambda m, a, b: a * b, "div": lambda m, a, b: a / b,
          "pow": lambda m, a, b: a ** b, "maximum": lambda m, a, b: m.maximum(a, b),
          "eq": lambda m, a, b: a == b, "lt": lambda m, a, b: a < b,
          "atan2": lambda m, a, b: m.atan2(a, b), "where": lambda m, a, b: m.where(a > 0, a, b),
          "add_": lambda m, a, b: a.add_(b), "mul_": lambda m, a, b: a.mul_(b),
          "lerp": lambda m, a, b: m.lerp(a, b, 0.5), "fmod": lambda m, a, b: m.fmod(a, b)}
SHAPES = [((2, 3), (3, 2)), ((4,), (5,)), ((2, 3, 4), (3, 3)), ((2, 1), (3, 4, 5))]
for (name, op), (sa, sb) in itertools.product(BINARY.items(), SHAPES):
    def _bcast(m, op=op, sa=sa, sb=sb):
        a, b = _t(m, *sa), _t(m, *sb)
        return (lambda: op(m, a, b)), [a, b]
    case(f"broadcast-{name}-{sa}-{sb}")(_bcast)

# ---- dims out of range -------------------------------------------------------------------
DIM_OPS = {"sum": lambda x, d: x.sum(d), "mean": lambda x, d: x.mean(d),
           "amax": lambda x, d: x.amax(d), "argmax": lambda x, d: x.argmax(d),
           "softmax": lambda x, d: x.softmax(d), "log_softmax": lambda x, d: x.log_softmax(d),
           "cumsum": lambda x, d: x.cumsum(d), "std": lambda x, d: x.std(d),
           "prod": lambda x, d: x.prod(d), "logsumexp": lambda x, d: x.logsumexp(d),
           "unsqueeze": lambda x, d: x.unsqueeze(d + 1 if d > 0 else d - 1),
           "transpose": lambda x, d: x.transpose(0, d), "select": lambda x, d: x.select(d, 0),
           "narrow": lambda x, d: x.narrow(d, 0, 1), "unbind": lambda x, d: x.unbind(d),
           "flip": lambda x, d: x.flip(d), "max_dim": lambda x, d: x.max(d),
           "sort": lambda x, d: x.sort(d), "topk": lambda x, d: x.topk(1, d),
           "movedim": lambda x, d: x.movedim(d, 0)}
for (name, op), d in itertools.product(DIM_OPS.items(), (3, -4)):
    def _dim(m, op=op, d=d):
        x = _t(m, 2, 3, 4)
        return (lambda: op(x, d)), [x]
    case(f"dim-{name}-{d}")(_dim)

# ---- matrix products ---------------------------------------------------------------------
MATMUL = {"mm": lambda m, a, b: m.mm(a, b), "matmul": lambda m, a, b: a @ b,
          "bmm": lambda m, a, b: m.bmm(a, b), "mv": lambda m, a, b: m.mv(a, b),
          "dot": lambda m, a, b: m.dot(a, b), "addmm": lambda m, a, b: m.addmm(a, a, b),
          "outer_3d": lambda m, a, b: m.outer(a, b), "inner": lambda m, a, b: m.inner(a, b)}
PAIRS = {"mm": ((2, 3), (4, 5)), "matmul": ((2, 3), (4, 5)), "bmm": ((2, 2, 3), (2, 4, 5)),
         "mv": ((2, 3), (4,)), "dot": ((3,), (4,)), "addmm": ((2, 3), (4, 5)),
         "outer_3d": ((2, 2), (3,)), "inner": ((2, 3), (4,))}
for name, op in MATMUL.items():
    def _mm(m, op=op, shapes=PAIRS[name]):
        a, b = _t(m, *shapes[0]), _t(m, *shapes[1])
        return (lambda: op(m, a, b)), [a, b]
    case(f"matmul-{name}")(_mm)
    def _mm_dtype(m, op=op, shapes=PAIRS[name]):
        a = _t(m, *shapes[0])
        b = _t(m, *shapes[0][-1:] + shapes[1][1:] if name not in ("dot", "mv") else
               shapes[0][-1:], dtype="float64")
        return (lambda: op(m, a, b)), [a, b]
    if name in ("mm", "dot", "mv", "bmm"):
        case(f"matmul-dtype-{name}")(_mm_dtype)

# ---- views and reshapes ------------------------------------------------------------------
VIEWS = {"view-two-minus-one": lambda x: x.view(-1, -1),
         "view-bad-numel": lambda x: x.view(5, 5), "reshape-bad-numel": lambda x: x.reshape(7),
         "view-noncontig": lambda x: x.t().view(-1), "view-negative": lambda x: x.view(-2, 12),
         "expand-bad": lambda x: x.expand(3, 3, 4), "expand-fewer-dims": lambda x: x.expand(4),
         "permute-dup": lambda x: x.permute(0, 0), "permute-short": lambda x: x.permute(1),
         "repeat-short": lambda x: x.repeat(2), "split-zero": lambda x: x.split(0),
         "chunk-zero": lambda x: x.chunk(0), "unflatten-bad": lambda x: x.unflatten(1, (3, 3)),
         "flatten-bad": lambda x: x.flatten(1, 0), "squeeze-dim": lambda x: x.squeeze(5),
         "diag-3d": lambda x: x.unsqueeze(0).diag(), "t-3d": lambda x: x.unsqueeze(0).t(),
         "narrow-too-long": lambda x: x.narrow(1, 2, 5), "movedim-dup":
             lambda x: x.movedim((0, 0), (1, 0)), "tril-1d": lambda x: x[0].tril()}
for name, op in VIEWS.items():
    def _view(m, op=op):
        x = _t(m, 3, 4)
        return (lambda: op(x)), [x]
    case(f"view-{name}")(_view)

# ---- indexing ----------------------------------------------------------------------------
INDEX = {"int-too-big": lambda m, x: x[5], "int-negative": lambda m, x: x[-6],
         "second-dim": lambda m, x: x[:, 10], "too-many": lambda m, x: x[0, 0, 0],
         "huge": lambda m, x: x[2 ** 40], "float-index": lambda m, x: x[m.tensor([0.5])],
         "list-out": lambda m, x: x[[0, 7]], "tensor-out": lambda m, x: x[m.tensor([9])],
         "bool-shape": lambda m, x: x[m.tensor([True, False])],
         "index_select-out": lambda m, x: x.index_select(0, m.tensor([3])),
         "index_select-float": lambda m, x: x.index_select(0, m.tensor([0.0])),
         "index_select-2d": lambda m, x: x.index_select(0, m.tensor([[0]])),
         "gather-out": lambda m, x: x.gather(1, m.tensor([[4]])),
         "gather-dtype": lambda m, x: x.gather(1, m.tensor([[0.0]])),
         "gather-ndim": lambda m, x: x.gather(1, m.tensor([0])),
         "scatter-out": lambda m, x: x.scatter(1, m.tensor([[5]]), 1.0),
         "take-out": lambda m, x: x.take(m.tensor([12])),
         "setitem-shape": lambda m, x: x.__setitem__(0, m.ones(5)),
         "setitem-out": lambda m, x: x.__setitem__(7, 1.0),
         "masked_fill-float-mask": lambda m, x: x.masked_fill(x, 0.0),
         "index_add-out": lambda m, x: x.index_add(0, m.tensor([4]), m.ones(1, 4)),
         "put-out": lambda m, x: x.put_(m.tensor([40]), m.tensor([1.0]))}
for name, op in INDEX.items():
    def _index(m, op=op):
        x = _t(m, 3, 4)
        return (lambda: op(m, x)), [x]
    case(f"index-{name}")(_index)

# ---- dtypes ------------------------------------------------------------------------------
DTYPES = {"grad-int": lambda m: m.ones(2, dtype=m.int64).requires_grad_(),
          "mean-int": lambda m: m.ones(2, dtype=m.int64).mean(),
          "bitwise-float": lambda m: m.ones(2) & m.ones(2),
          "invert-float": lambda m: ~m.ones(2),
          "bitwise_not-float": lambda m: m.ones(2).bitwise_not(),
          "shift-float": lambda m: m.ones(2) << 1,
          "neg-bool": lambda m: -m.ones(2, dtype=m.bool),
          "sub-bool": lambda m: m.ones(2, dtype=m.bool) - m.ones(2, dtype=m.bool),
          "out-cast": lambda m: m.add(m.ones(2), m.ones(2), out=m.zeros(2, dtype=m.int64)),
          "inplace-cast": lambda m: m.ones(2, dtype=m.int64).add_(m.ones(2) * 0.5),
          "where-cond-float": lambda m: m.where(m.ones(2), m.ones(2), m.zeros(2)),
          "one_hot-float": lambda m: m.nn.functional.one_hot(m.ones(2)),
          "cross_entropy-float-target": lambda m: m.nn.functional.cross_entropy(
              m.ones(2, 3), m.ones(2, 2)),
          "nll-int-target-float": lambda m: m.nn.functional.nll_loss(m.ones(2, 3),
                                                                     m.ones(2)),
          "randint-float": lambda m: m.randint(0, 5, (2,), dtype=m.float32).requires_grad_(),
          "arange-step-zero": lambda m: m.arange(0, 5, 0),
          "linspace-negative": lambda m: m.linspace(0, 1, -1),
          "randint-empty-range": lambda m: m.randint(5, 5, (2,)),
          "zeros-negative": lambda m: m.zeros(-1, 2),
          "full-bad-size": lambda m: m.full((2, -3), 1.0),
          "multinomial-negative": lambda m: m.multinomial(m.tensor([0.5, -0.1]), 1),
          "multinomial-too-many": lambda m: m.multinomial(m.tensor([0.5, 0.5]), 3),
          "bernoulli-p": lambda m: m.bernoulli(m.tensor([1.5])),
          "normal-negative-std": lambda m: m.normal(0.0, -1.0, size=(2,)),
          "item-many": lambda m: m.ones(2).item(),
          "bool-many": lambda m: bool(m.ones(2)),
          "int-float-tensor": lambda m: [1, 2][m.tensor(0.0)],
          "numpy-grad": lambda m: m.ones(2, requires_grad=True).numpy(),
          "backward-nonscalar": lambda m: (m.ones(2, requires_grad=True) * 2).backward(),
          "backward-no-grad": lambda m: m.ones(2).sum().backward(),
          "backward-twice": lambda m: _twice(m),
          "grad-unused": lambda m: m.autograd.grad((m.ones(1, requires_grad=True) * 2).sum(),
                                                   m.ones(1, requires_grad=True)),
          "leaf-inplace": lambda m: m.ones(2, requires_grad=True).add_(1)}


def _twice(m):
    x = m.ones(2, requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward()
    y.backward()


for name, thunk in DTYPES.items():
    def _dt(m, thunk=thunk):
        return (lambda: thunk(m)), []
    case(f"dtype-{name}")(_dt)

# ---- wrong argument types ----------------------------------------------------------------
ARGS = {"add-str": lambda m, x: m.add(x, "a"), "sum-dim-str": lambda m, x: x.sum(dim="x"),
        "reshape-str": lambda m, x: x.reshape("a"), "zeros-str": lambda m, x: m.zeros("a"),
        "cat-not-list": lambda m, x: m.cat(x, 0), "cat-empty": lambda m, x: m.cat([]),
        "stack-empty": lambda m, x: m.stack([]), "stack-shapes": lambda m, x: m.stack([x, x.t()]),
        "cat-shapes": lambda m, x: m.cat([x, x.t()], 0), "cat-0d": lambda m, x: m.cat([x.sum()]),
        "tensor-ragged": lambda m, x: m.tensor([[1, 2], [3]]),
        "tensor-str": lambda m, x: m.tensor("abc"), "view-float": lambda m, x: x.view(2.5, 4),
        "to-bad": lambda m, x: x.to("banana"), "device-bad": lambda m, x: m.device("gpu"),
        "clamp-none": lambda m, x: x.clamp(), "topk-too-big": lambda m, x: x.topk(9),
        "kthvalue-too-big": lambda m, x: x.kthvalue(9),
        "max-empty": lambda m, x: x[:0].max(), "argmax-empty": lambda m, x: x[:0].argmax(),
        "min-dim-empty": lambda m, x: x[:0].min(0), "prod-bad-dtype": lambda m, x:
            x.prod(dtype="float"), "linear-bad-weight": lambda m, x:
            m.nn.functional.linear(x, m.ones(2, 3)),
        "grad-assign": lambda m, x: setattr(x, "grad", 3), "detach-rg": lambda m, x:
            (x.requires_grad_() * 2).requires_grad_(False)}
for name, op in ARGS.items():
    def _args(m, op=op):
        x = _t(m, 3, 4)
        return (lambda: op(m, x)), [x]
    case(f"args-{name}")(_args)

# ---- nn modules fed the wrong input ------------------------------------------------------
MODULES = {
    "conv2d-channels": (lambda nn: nn.Conv2d(3, 4, 3), (1, 2, 8, 8)),
    "conv2d-3d-channels": (lambda nn: nn.Conv2d(3, 4, 3), (2, 8, 8)),
    "conv2d-too-small": (lambda nn: nn.Conv2d(1, 1, 5), (1, 1, 3, 3)),
    "conv2d-2d": (lambda nn: nn.Conv2d(1, 1, 1), (4, 4)),
    "conv1d-channels": (lambda nn: nn.Conv1d(3, 4, 3), (1, 2, 8)),
    "linear-features": (lambda nn: nn.Linear(5, 2), (3, 4)),
    "bilinear-features": (lambda nn: nn.Bilinear(2, 2, 1), (3, 4)),
    "batchnorm-channels": (lambda nn: nn.BatchNorm2d(3), (2, 4, 2, 2)),
    "batchnorm1d-3d-channels": (lambda nn: nn.BatchNorm1d(3), (2, 4, 5)),
    "batchnorm-single-value": (lambda nn: nn.BatchNorm1d(3), (1, 3)),
    "layernorm-shape": (lambda nn: nn.LayerNorm(5), (2, 4)),
    "maxpool-too-big": (lambda nn: nn.MaxPool2d(5), (1, 1, 3, 3)),
    "maxpool-padding": (lambda nn: nn.MaxPool2d(2, padding=2), (1, 1, 8, 8)),
    "avgpool-padding": (lambda nn: nn.AvgPool2d(2, padding=2), (1, 1, 8, 8)),
    "unflatten-size": (lambda nn: nn.Unflatten(1, (2, 3)), (2, 4)),
    "embedding-float": (lambda nn: nn.Embedding(5, 2), (3,)),
    "softmax-dim": (lambda nn: nn.Softmax(3), (2, 3)),
    "sequential-mismatch": (lambda nn: nn.Sequential(nn.Linear(4, 3), nn.Linear(4, 2)), (2, 4)),
}
for name, (make, shape) in MODULES.items():
    def _module(m, make=make, shape=shape):
        m.manual_seed(0)
        mod = make(m.nn)
        x = _t(m, *shape)
        return (lambda: mod(x)), [x] + list(mod.parameters())
    case(f"module-{name}")(_module)

LOSSES = {
    "ce-target-range": lambda m: m.nn.functional.cross_entropy(m.ones(2, 3), m.tensor([0, 3])),
    "ce-target-negative": lambda m: m.nn.functional.cross_entropy(m.ones(2, 3),
                                                                  m.tensor([0, -2])),
    "ce-batch": lambda m: m.nn.functional.cross_entropy(m.ones(2, 3), m.tensor([0, 1, 2])),
    "nll-batch": lambda m: m.nn.functional.nll_loss(m.ones(2, 3), m.tensor([0])),
    "mse-shapes": lambda m: m.nn.functional.mse_loss(m.ones(2, 3), m.ones(3, 2)),
    "bce-range": lambda m: m.nn.functional.binary_cross_entropy(m.ones(2) * 2, m.ones(2)),
    "bce-shapes": lambda m: m.nn.functional.binary_cross_entropy(m.ones(2) * .5, m.ones(3)),
    "bce-logits-shapes": lambda m: m.nn.functional.binary_cross_entropy_with_logits(
        m.ones(2), m.ones(3)),
    "reduction-bad": lambda m: m.nn.functional.mse_loss(m.ones(2), m.ones(2), reduction="avg"),
    "embedding-range": lambda m: m.nn.Embedding(3, 2)(m.tensor([3])),
    "one_hot-range": lambda m: m.nn.functional.one_hot(m.tensor([3]), 3),
    "dropout-p": lambda m: m.nn.Dropout(1.5),
    "pad-too-long": lambda m: m.nn.functional.pad(m.ones(2), (1, 1, 1, 1)),
}
for name, thunk in LOSSES.items():
    def _loss(m, thunk=thunk):
        return (lambda: thunk(m)), []
    case(f"loss-{name}")(_loss)

# ---- optimizers and schedulers -----------------------------------------------------------
OPTIM = {"sgd-lr": lambda o, p: o.SGD(p, lr=-1.0),
         "sgd-momentum": lambda o, p: o.SGD(p, lr=0.1, momentum=-0.5),
         "sgd-nesterov": lambda o, p: o.SGD(p, lr=0.1, nesterov=True),
         "sgd-wd": lambda o, p: o.SGD(p, lr=0.1, weight_decay=-1),
         "adam-betas": lambda o, p: o.Adam(p, betas=(1.5, 0.9)),
         "adam-beta2": lambda o, p: o.Adam(p, betas=(0.9, -0.1)),
         "adam-eps": lambda o, p: o.Adam(p, eps=-1e-8),
         "adam-lr": lambda o, p: o.Adam(p, lr=-0.1),
         "adamw-wd": lambda o, p: o.AdamW(p, weight_decay=-0.1),
         "rmsprop-alpha": lambda o, p: o.RMSprop(p, alpha=-0.1),
         "adagrad-lr-decay": lambda o, p: o.Adagrad(p, lr_decay=-1),
         "empty-params": lambda o, p: o.SGD([], lr=0.1),
         "tensor-params": lambda o, p: o.SGD(p[0], lr=0.1),
         "non-leaf": lambda o, p: o.SGD([p[0] * 2], lr=0.1),
         "duplicate-groups": lambda o, p: o.SGD([{"params": p}, {"params": p}], lr=0.1),
         "no-lr-sgd": lambda o, p: o.SGD(p),
         "load-state-groups": lambda o, p: o.SGD(p, lr=0.1).load_state_dict(
             {"state": {}, "param_groups": []}),
         "steplr-not-optimizer": lambda o, p: o.lr_scheduler.StepLR(p, 2),
         "plateau-mode": lambda o, p: o.lr_scheduler.ReduceLROnPlateau(o.SGD(p, lr=0.1),
                                                                       mode="sideways"),
         "plateau-factor": lambda o, p: o.lr_scheduler.ReduceLROnPlateau(o.SGD(p, lr=0.1),
                                                                         factor=2.0)}
for name, make in OPTIM.items():
    def _optim(m, make=make):
        p = [_t(m, 2, 3, grad=True)]
        return (lambda: make(m.optim, p)), list(p)
    case(f"optim-{name}")(_optim)

# ---- DataLoader --------------------------------------------------------------------------
LOADER = {"batch-zero": lambda d, ds: d.DataLoader(ds, batch_size=0),
          "batch-negative": lambda d, ds: d.DataLoader(ds, batch_size=-1),
          "shuffle-and-sampler": lambda d, ds: d.DataLoader(
              ds, shuffle=True, sampler=d.SequentialSampler(ds)),
          "batch-sampler-and-size": lambda d, ds: d.DataLoader(
              ds, batch_size=2, batch_sampler=d.BatchSampler(d.SequentialSampler(ds), 2,
                                                             False)),
          "batch-sampler-drop-last": lambda d, ds: d.DataLoader(
              ds, drop_last=True, batch_sampler=d.BatchSampler(d.SequentialSampler(ds), 2,
                                                               False)),
          "workers-negative": lambda d, ds: d.DataLoader(ds, num_workers=-1),
          "random-split-sum": lambda d, ds: d.random_split(ds, [3, 3]),
          "tensor-dataset-sizes": lambda d, ds: d.TensorDataset(ds.tensors[0],
                                                                ds.tensors[1][:2]),
          "batch-sampler-size": lambda d, ds: d.BatchSampler(d.SequentialSampler(ds), 0, False),
          "random-sampler-num": lambda d, ds: d.RandomSampler(ds, num_samples=0),
          "collate-mixed": lambda d, ds: next(iter(d.DataLoader([(1,), (2, 3)], batch_size=2))),
          "index-out": lambda d, ds: ds[10]}
for name, make in LOADER.items():
    def _loader(m, make=make):
        ds = m.utils.data.TensorDataset(_t(m, 4, 2), _t(m, 4))
        return (lambda: make(m.utils.data, ds)), list(ds.tensors)
    case(f"loader-{name}")(_loader)

# ---- load_state_dict ---------------------------------------------------------------------
STATE = {"missing": lambda sd: {k: v for k, v in sd.items() if k != "0.bias"},
         "unexpected": lambda sd: dict(sd, extra=sd["0.bias"]),
         "size": lambda sd: dict(sd, **{"0.bias": sd["0.bias"][:1]}),
         "not-a-tensor": lambda sd: dict(sd, **{"0.bias": [1.0, 2.0, 3.0]})}
for name, edit in STATE.items():
    def _state(m, edit=edit):
        m.manual_seed(0)
        model = m.nn.Sequential(m.nn.Linear(2, 3))
        sd = edit(model.state_dict())
        return (lambda: model.load_state_dict(sd)), list(model.parameters())
    case(f"state-{name}")(_state)


# ---- checkpoints: numtorch's own format, so numtorch's contract is the reference ----------
def _checkpoint(m, mangle):
    import os
    import tempfile
    path = os.path.join(tempfile.mkdtemp(), "ckpt.pt")
    m.save({"w": m.ones(3)}, path)
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(mangle(data))
    return (lambda: m.load(path)), []


CHECKPOINTS = {"truncated": lambda b: b[: len(b) // 2], "empty": lambda b: b"",
               "random": lambda b: bytes(np.random.default_rng(0).integers(0, 256, len(b),
                                                                            dtype=np.uint8)),
               "flipped-byte": lambda b: b[:40] + bytes([b[40] ^ 0xFF]) + b[41:],
               "not-a-zip": lambda b: b"PK" + b"\x00" * 100}
for name, mangle in CHECKPOINTS.items():
    def _ckpt(m, mangle=mangle):
        return _checkpoint(m, mangle)
    case(f"checkpoint-{name}", expect=RuntimeError)(_ckpt)

# ---- devices (on a machine without a GPU both libraries refuse CUDA) -----------------------
DEVICES = {"tensor-cuda": lambda m: m.ones(2).cuda(),
           "zeros-device": lambda m: m.zeros(2, device="cuda"),
           "to-cuda": lambda m: m.ones(2).to("cuda:0"),
           "module-cuda": lambda m: m.nn.Linear(2, 2).cuda(),
           "device-index": lambda m: m.device("cuda:x"),
           "device-type": lambda m: m.device("tpu")}
for name, thunk in DEVICES.items():
    def _device(m, thunk=thunk):  # with a GPU present both succeed, which also agrees
        return (lambda: thunk(m)), []
    case(f"device-{name}")(_device)
