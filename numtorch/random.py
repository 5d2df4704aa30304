"""Random numbers: `Generator`, the default generator, and the sampling functions.

Streams come from NumPy's PCG64 bit generator; they are reproducible under `manual_seed`
within numtorch but are not PyTorch's bit streams.
"""

import numpy as np

from . import _dtype as D
from ._device import as_device, factory_device
from ._ops.creation import zeros
from ._ops.pointwise import where
from .autograd import graph
from .backend import cuda_ops
from .backend.cuda_array import empty, to_device
from .tensor import Tensor, check_overlap, shape_arg, wrap

# PyTorch's default generator starts from this fixed seed, so unseeded programs repeat
DEFAULT_SEED = 67280421310721


class Generator:
    def __init__(self, device="cpu"):
        self.device = as_device(device)
        self.manual_seed(DEFAULT_SEED)

    def manual_seed(self, seed):
        seed = int(seed)
        if seed < -(1 << 63) or seed >= (1 << 64):
            raise RuntimeError("Overflow when unpacking long long")
        self._seed = seed % (1 << 64)
        self._rng = np.random.Generator(np.random.PCG64(self._seed))
        self._states = None  # the GPU generator's states restart from the seed too
        return self

    def seed(self):
        s = int(np.random.SeedSequence().entropy % (1 << 63))
        self.manual_seed(s)
        return s

    def initial_seed(self):
        return self._seed

    def get_state(self):
        state = self._rng.bit_generator.state
        blob = repr((self._seed, state)).encode()
        return wrap(np.frombuffer(blob, np.uint8).copy(), D.uint8)

    def set_state(self, new_state):
        import ast
        seed, state = ast.literal_eval(bytes(new_state._data).decode())
        self._seed = seed
        self._rng = np.random.Generator(np.random.PCG64())
        self._rng.bit_generator.state = state
        return self


default_generator = Generator()
# Random CUDA tensors draw from their own stream (torch.cuda.manual_seed seeds it): rand and
# randn run numba.cuda.random kernels; the other samplers draw on the host and copy over.
cuda_generator = Generator()


def _rng(generator, device=None):
    device = factory_device(device)
    if generator is None and device is not None and as_device(device).type == "cuda":
        return cuda_generator._rng
    return (generator or default_generator)._rng


def manual_seed(seed):
    default_generator.manual_seed(seed)
    return default_generator


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)


def _float_dt(dtype):
    dt = D.as_dtype(dtype) if dtype is not None else D.get_default_dtype()
    if dt.category != D.FLOAT:
        raise RuntimeError(f"\"check_uniform_bounds\" not implemented for '{dt.name}'")
    return dt


def _sample(arr, dt, requires_grad, device):
    # (not ascontiguousarray, which turns a 0-d draw into shape [1])
    arr = np.asarray(arr, dtype=dt.np)
    if not arr.flags.c_contiguous:
        arr = np.ascontiguousarray(arr)
    if as_device(factory_device(device)).type == "cuda":
        arr = to_device(arr)
    t = wrap(arr, dt)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _size(size, kw):
    if kw is not None:
        return shape_arg((kw,))
    return shape_arg(size)


def _on_gpu(generator, device):
    device = factory_device(device)
    return generator is None and device is not None and as_device(device).type == "cuda"


def _cuda_draw(kind, shape, dt, requires_grad):
    """rand/randn on the GPU: numba.cuda.random kernels over cuda_generator's states (made
    from its seed on first use; manual_seed starts them again)."""
    g = cuda_generator
    if g._states is None:
        g._states = cuda_ops.random_states(g._seed)
    out = empty(shape, dt.np)
    cuda_ops.random_fill(kind, g._states, out)
    t = wrap(out, dt)
    return t.requires_grad_(True) if requires_grad else t


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False, out=None,
         **kw):
    dt = _float_dt(dtype)
    shape = _size(size, kw.get("size"))
    if _on_gpu(generator, device):
        return _cuda_draw("uniform", shape, dt, requires_grad)
    np_dt = np.float64 if dt is D.float64 else np.float32
    return _sample(_rng(generator, device).random(shape, dtype=np_dt), dt, requires_grad, device)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False, out=None,
          **kw):
    dt = _float_dt(dtype)
    shape = _size(size, kw.get("size"))
    if _on_gpu(generator, device):
        return _cuda_draw("normal", shape, dt, requires_grad)
    np_dt = np.float64 if dt is D.float64 else np.float32
    return _sample(_rng(generator, device).standard_normal(shape, dtype=np_dt), dt, requires_grad,
                   device)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad=False):
    if size is None:  # randint(high, size)
        if isinstance(high, (tuple, list)):
            low, high, size = 0, low, high
        else:
            raise TypeError("randint() missing required argument 'size'")
    if high is None:
        raise TypeError("randint() missing required argument 'high'")
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= "
                           f"to={high}")
    dt = D.as_dtype(dtype) if dtype is not None else D.int64
    arr = _rng(generator, device).integers(low, high, shape_arg((size,)), dtype=np.int64)
    return _sample(arr, dt, requires_grad, device)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    if n < 0:
        raise RuntimeError(f"n must be non-negative, got{n}")
    dt = D.as_dtype(dtype) if dtype is not None else D.int64
    return _sample(_rng(generator, device).permutation(n), dt, requires_grad, device)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad=False, out=None):
    rng = _rng(generator)
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        m = mean._data if isinstance(mean, Tensor) else mean
        s = std._data if isinstance(std, Tensor) else std
        if bool((s < 0).any() if isinstance(std, Tensor) else s < 0):
            raise RuntimeError("normal expects all elements of std >= 0.0")
        ref = mean if isinstance(mean, Tensor) else std
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
        if ref.is_cuda and generator is None:  # drawn on the device, from cuda_generator
            z = _cuda_draw("normal", shape, ref.dtype, False)._data
            t = wrap(m + s * z, ref.dtype)
            return t.requires_grad_(True) if requires_grad else t
        z = rng.standard_normal(shape)
        return _sample(m + s * z, ref.dtype, requires_grad, device)
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    if size is None:
        raise TypeError("normal() received an invalid combination of arguments - got "
                        "(float, float), but expected (float mean, float std, tuple of ints "
                        "size)")
    dt = _float_dt(dtype)
    return _sample(mean + std * rng.standard_normal(shape_arg((size,))), dt, requires_grad,
                   device)


def rand_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return rand(input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad,
                device=device or input.device)


def randn_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return randn(input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad,
                 device=device or input.device)


def randint_like(input, low=0, high=None, *, dtype=None, device=None, requires_grad=False):
    if high is None:
        low, high = 0, low
    return randint(low, high, input.shape, dtype=dtype or input.dtype,
                   device=device or input.device)


def bernoulli(input, p=None, *, generator=None, out=None):
    prob = input._data if p is None else np.full(input._data.shape, p, like=input._data)
    if bool(((prob < 0) | (prob > 1)).any()):
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
    if input.is_cuda and generator is None:  # drawn on the device, from cuda_generator
        u = _cuda_draw("uniform", tuple(input.shape), D.float64, False)._data
    else:
        u = _rng(generator, input.device).random(input._data.shape)
    return wrap((u < prob).astype(input.dtype.np), input.dtype)


def _host(t):
    """A CUDA tensor's data on the host, for the samplers numba.cuda.random has no kernel for
    (multinomial, poisson): they draw there and _sample sends the result back."""
    return t._data.get() if t.is_cuda else t._data


def multinomial(input, num_samples, replacement=False, *, generator=None):
    probs = np.asarray(_host(input), np.float64)
    rows = probs.reshape(-1, probs.shape[-1])
    if (rows < 0).any() or not np.isfinite(rows).all():
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if not replacement and num_samples > rows.shape[1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    rng = _rng(generator)
    out = np.empty((rows.shape[0], num_samples), np.int64)
    for i, r in enumerate(rows):
        total = r.sum()
        if total <= 0:
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        out[i] = rng.choice(r.size, num_samples, replace=replacement, p=r / total)
    return _sample(out.reshape(probs.shape[:-1] + (num_samples,)), D.int64, False, input.device)


def poisson(input, generator=None):
    draw = _rng(generator, input.device).poisson(_host(input))
    return _sample(draw, input.dtype, False, input.device)


def _write(tensor, values):
    check_overlap(tensor)
    if tensor.requires_grad:  # the new values don't depend on the old: their gradient is 0
        drawn = wrap(np.asarray(values, tensor.dtype.np), tensor.dtype).to(tensor.device)
        return graph.rebase_inplace(tensor, _drawn, (drawn,), {})
    tensor._data[...] = values
    tensor._bump()
    return tensor


def _drawn(old, values):
    return where(zeros(old._data.shape, dtype=D.bool_, device=old.device), old, values)


def _floats_only(tensor, kernel):
    if tensor.dtype.category != D.FLOAT:
        raise NotImplementedError(f"\"{kernel}\" not implemented for "
                                  f"'{D.type_name(tensor.dtype)}'")


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    _floats_only(tensor, "check_uniform_bounds")
    return _write(tensor, _rng(generator, tensor.device).uniform(a, b, tensor._data.shape))


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    _floats_only(tensor, "normal_kernel_cpu")
    draw = _rng(generator, tensor.device).standard_normal(tensor._data.shape)
    return _write(tensor, mean + std * draw)


def random_(tensor, from_=0, to=None, generator=None):
    if to is None:
        to = 1 << (24 if tensor.dtype is D.float32 else 53 if tensor.dtype.category == D.FLOAT
                   else min(tensor.dtype.itemsize * 8 - 1, 62))
    return _write(tensor, _rng(generator, tensor.device).integers(from_, to, tensor._data.shape))


def bernoulli_(tensor, p=0.5, generator=None):
    return _write(tensor, _rng(generator, tensor.device).random(tensor._data.shape) < p)


def exponential_(tensor, lambd=1.0, generator=None):
    if tensor.dtype.category != D.FLOAT:
        raise RuntimeError(f"Exponential distribution is a continuous probability "
                           f"distribution. dtype must be a floating point but you specified "
                           f"{D.type_name(tensor.dtype)}")
    draw = _rng(generator, tensor.device).exponential(1.0 / lambd, tensor._data.shape)
    return _write(tensor, draw)
