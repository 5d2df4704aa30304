"""Edge cases a careful user hits, run on numtorch and on PyTorch side by side: writes into
expanded views, negative and out-of-range indices, 0-d and empty tensors, integer overflow
on fill, extreme magnitudes, NaN beside zeros in products, and gradients through in-place
ops.  Each case must give PyTorch's values (and gradients) or raise an exception PyTorch's
type is an instance of."""

import warnings

import numpy as np
import pytest

import numtorch

torch = pytest.importorskip("torch")

NAN, INF = float("nan"), float("inf")


def _expanded(m):
    return m.tensor([5.]).expand(3, 2)


def _grid(m):
    return m.tensor([[1., 2.], [3., 4.], [5., 6.]])


# writes where several elements share memory (PyTorch refuses all but fill_/zero_/masked_fill_/
# index_put_/index_fill_, which it allows)
WRITES = {
    "add_": lambda m: _expanded(m).add_(1),
    "mul_tensor": lambda m: _expanded(m).mul_(m.ones(3, 2)),
    "iadd": lambda m: _expanded(m).__iadd__(1),
    "copy_": lambda m: _expanded(m).copy_(m.ones(3, 2)),
    "fill_": lambda m: _expanded(m).fill_(1),
    "zero_": lambda m: _expanded(m).zero_(),
    "clamp_": lambda m: _expanded(m).clamp_(0, 1),
    "clamp_min_": lambda m: _expanded(m).clamp_min_(0),
    "relu_": lambda m: _expanded(m).relu_(),
    "exp_": lambda m: _expanded(m).exp_(),
    "sqrt_": lambda m: _expanded(m).sqrt_(),
    "uniform_": lambda m: _expanded(m).uniform_(),
    "normal_": lambda m: _expanded(m).normal_(),
    "bernoulli_": lambda m: _expanded(m).bernoulli_(0.5),
    "random_": lambda m: _expanded(m).random_(0, 3),
    "exponential_": lambda m: _expanded(m).exponential_(),
    "scatter_": lambda m: _expanded(m).scatter_(0, m.tensor([[0, 1]]), 1.),
    "index_add_": lambda m: _expanded(m).index_add_(0, m.tensor([0]), m.ones(1, 2)),
    "index_copy_": lambda m: _expanded(m).index_copy_(0, m.tensor([0]), m.ones(1, 2)),
    "index_fill_": lambda m: _expanded(m).index_fill_(0, m.tensor([0]), 1.),
    "put_": lambda m: _expanded(m).put_(m.tensor([0]), m.tensor([1.])),
    "masked_fill_": lambda m: _expanded(m).masked_fill_(m.ones(3, 2, dtype=m.bool), 1.),
    "masked_scatter_": lambda m: _expanded(m).masked_scatter_(m.ones(3, 2, dtype=m.bool),
                                                              m.ones(6)),
    "setitem_int": lambda m: _expanded(m).__setitem__(0, 1.),
    "index_put_": lambda m: _expanded(m).index_put_((m.tensor([0]),), m.tensor(1.)),
    "addcmul_": lambda m: _expanded(m).addcmul_(m.ones(3, 2), m.ones(3, 2)),
    "lerp_": lambda m: _expanded(m).lerp_(m.ones(3, 2), 0.5),
    "addmm_": lambda m: _expanded(m).addmm_(m.ones(3, 2), m.ones(2, 2)),
    "transposed_add_": lambda m: _expanded(m).t().add_(1),
    "cumsum_": lambda m: m.ones(3, 1).expand(3, 2).cumsum_(0),
    "tril_": lambda m: m.ones(3, 1).expand(3, 2).tril_(),
    "out_add": lambda m: m.add(m.ones(3, 2), 1, out=_expanded(m)),
    "out_exp": lambda m: m.exp(m.ones(3, 2), out=_expanded(m)),
    "out_matmul": lambda m: m.matmul(m.ones(3, 2), m.ones(2, 2), out=_expanded(m)),
    "expand_1": lambda m: m.tensor([5.]).expand(1).add_(1),
    "empty_expand": lambda m: m.ones(1, 0).expand(3, 0).add_(1),
}

INDICES = {
    "index_select-1": lambda m: _grid(m).index_select(0, m.tensor([-1])),
    "index_select3": lambda m: _grid(m).index_select(0, m.tensor([3])),
    "index_select_dim1": lambda m: _grid(m).index_select(1, m.tensor([2])),
    "index_select_empty_dim": lambda m: m.ones(0, 2).index_select(0, m.tensor([0])),
    "embedding-1": lambda m: m.nn.functional.embedding(m.tensor([-1]), m.ones(5, 3)),
    "embedding5": lambda m: m.nn.functional.embedding(m.tensor([5]), m.ones(5, 3)),
    "index_add-1": lambda m: _grid(m).index_add(0, m.tensor([-1]), m.ones(1, 2)),
    "index_add_1d-5": lambda m: m.ones(2).index_add(0, m.tensor([-5]), m.ones(1)),
    "scatter-1": lambda m: _grid(m).scatter(0, m.tensor([[-1, 0]]), m.ones(1, 2)),
    "scatter_value-1": lambda m: _grid(m).scatter(0, m.tensor([[-1, 0]]), 1.),
    "scatter_add-1": lambda m: _grid(m).scatter_add(0, m.tensor([[-1, 0]]), m.ones(1, 2)),
    "scatter_0d": lambda m: m.tensor(2.).scatter(0, m.tensor(0), 5.),
    "gather-1": lambda m: _grid(m).gather(1, m.tensor([[-1, 0], [0, 0], [0, 0]])),
    "gather2": lambda m: _grid(m).gather(1, m.tensor([[2, 0], [0, 0], [0, 0]])),
    "index_copy": lambda m: _grid(m).index_copy(0, m.tensor([2, 0]), m.ones(2, 2)),
    "index_copy-1": lambda m: _grid(m).index_copy(0, m.tensor([-1]), m.ones(1, 2)),
    "index_copy_empty": lambda m: m.ones(2, 0).index_copy(0, m.tensor([5]), m.ones(1, 0)),
    "index_fill-1": lambda m: _grid(m).index_fill(0, m.tensor([-1]), 7.),
    "index_fill3": lambda m: _grid(m).index_fill(0, m.tensor([3]), 7.),
    "index_fill_empty_dim": lambda m: m.ones(0, 3).index_fill(0, m.tensor([1]), 7.),
    "take-1": lambda m: _grid(m).take(m.tensor([-1])),
    "take6": lambda m: _grid(m).take(m.tensor([6])),
    "put_-1": lambda m: _grid(m).put_(m.tensor([-1]), m.tensor([9.])),
    "take_along_dim-1": lambda m: m.take_along_dim(_grid(m), m.tensor([[-1], [0], [0]]), 1),
    "take_along_dim_broadcast": lambda m: m.take_along_dim(_grid(m), m.tensor([[1]]), 1),
    "take_along_dim_flat": lambda m: m.take_along_dim(_grid(m), m.tensor([5, 0])),
    "getitem-4": lambda m: _grid(m)[m.tensor([-4])],
    "getitem-1": lambda m: _grid(m)[m.tensor([-1])],
    "getitem_empty": lambda m: m.zeros(2, 0)[m.tensor([4])],
    "one_hot-1": lambda m: m.nn.functional.one_hot(m.tensor([-1, 0])),
    "one_hot5": lambda m: m.nn.functional.one_hot(m.tensor([5, 0]), 3),
    "cross_entropy-1": lambda m: m.nn.functional.cross_entropy(_grid(m), m.tensor([-1, 0, 1])),
}

ZERO_D = {
    **{f"{op}{d}": (lambda op, d: lambda m: getattr(m.tensor(2.), op)(dim=d))(op, d)
       for op in ("sum", "mean", "prod", "std", "amax", "softmax", "log_softmax", "sort",
                  "argsort", "cumsum", "logsumexp", "argmax", "max", "median")
       for d in (1, -2, 0)},
    "topk1": lambda m: m.tensor(2.).topk(1, dim=1),
    "topk": lambda m: m.tensor(2.).topk(1),
    "flip0": lambda m: m.tensor(2.).flip(0),
    "select": lambda m: m.tensor(2.).select(0, 0),
    "narrow": lambda m: m.tensor(2.).narrow(0, 0, 1),
    "unbind": lambda m: m.tensor(2.).unbind(0),
    "chunk": lambda m: m.tensor(2.).chunk(2),
    "split": lambda m: m.tensor(2.).split(1),
    "roll": lambda m: m.tensor(2.).roll(1, 0),
    "movedim": lambda m: m.tensor(2.).movedim(0, 0),
    "tile": lambda m: m.tensor(2.).tile(2),
    "diff": lambda m: m.tensor(2.).diff(),
    "kthvalue": lambda m: m.tensor(2.).kthvalue(1, dim=0),
    "cummax1": lambda m: m.tensor(2.).cummax(dim=1),
    "index_add": lambda m: m.tensor(2.).index_add(0, m.tensor([0]), m.tensor([3.])),
    "take_along_dim": lambda m: m.take_along_dim(m.tensor(2.), m.tensor(0), 0),
}

MISSING_BEFORE = {
    "median": lambda m: _grid(m).median(),
    "median_dim": lambda m: _grid(m).median(0),
    "median_nan": lambda m: m.tensor([[1., NAN, 3.], [4., 2., 0.]]).median(1),
    "nanmedian": lambda m: m.tensor([[1., NAN, 3.], [4., 2., 0.]]).nanmedian(1),
    "median_empty": lambda m: m.tensor([]).median(),
    "median_bool": lambda m: m.tensor([True]).median(),
    "diff": lambda m: m.diff(_grid(m), n=2, dim=0, append=m.ones(1, 2)),
    "diff_bool": lambda m: m.tensor([True, False, False]).diff(),
    "diff_negative_n": lambda m: _grid(m).diff(n=-1),
    "ravel": lambda m: m.ravel(_grid(m).t()),
    "roll_empty_bad_dim": lambda m: m.zeros(0).roll(1, 1),
    "cummax_empty_bad_dim": lambda m: m.zeros(0).cummax(2).values,
    "einsum_bool_contract": lambda m: m.einsum("ij,kj->ik", m.ones(2, 2, dtype=m.bool),
                                               m.ones(2, 2, dtype=m.bool)),
    "einsum_bool_outer": lambda m: m.einsum("i,j->ij", m.ones(2, dtype=m.bool),
                                            m.ones(3, dtype=m.bool)),
}

NUMERICS = {
    "std1e20": lambda m: m.tensor([1e20, 3e20, -2e20, 5e20]).std(),
    "std_mean1e20": lambda m: m.std_mean(m.tensor([[1e20, 3e20], [-2e20, 5e20]]), 0)[0],
    "neg_inf_pow_half": lambda m: m.tensor([-INF, -0.0, 4., INF]) ** 0.5,
    "pow_minus_half": lambda m: m.tensor([-INF, -0.0, 4.]).pow(-0.5),
    "pow_half_tensor_exponent": lambda m: m.tensor([-INF, -0.0]) ** m.tensor(0.5),
    "pow_half_": lambda m: m.tensor([-INF, 4.]).pow_(0.5),
    "full_nan_int": lambda m: m.full((2,), NAN, dtype=m.int64),
    "full_inf_int32": lambda m: m.full((2,), INF, dtype=m.int32),
    "full_big_int32": lambda m: m.full((2,), 2 ** 40, dtype=m.int32),
    "full_trunc": lambda m: m.full((2,), 1.5, dtype=m.int64),
    "full_uint8_wraps_minus1": lambda m: m.full((2,), -1, dtype=m.uint8),
    "fill_nan_int": lambda m: m.tensor([1, 2]).fill_(NAN),
    "fill_300_int8": lambda m: m.tensor([1, 2], dtype=m.int8).fill_(300),
    "setitem_nan_int": lambda m: m.tensor([1, 2]).__setitem__(0, NAN),
    "setitem_300_int8": lambda m: m.tensor([1, 2], dtype=m.int8).__setitem__(0, 300),
    "setitem_2**70": lambda m: m.tensor([1, 2]).__setitem__(0, 2 ** 70),
    "masked_fill_inf_int": lambda m: m.tensor([1, 2]).masked_fill_(m.tensor([True, False]),
                                                                   INF),
    "tensor_nan_int": lambda m: m.tensor([NAN], dtype=m.int64),
    "tensor_big_int16": lambda m: m.tensor([70000.], dtype=m.int16),
    "add_wraps": lambda m: m.zeros(2, dtype=m.int8) + 300,
    # found by the long fuzzing campaign
    "norm_dim_one_element_1e20": lambda m: m.tensor([[1e20]]).norm(dim=-1),
    "norm_dim_two_elements_1e20": lambda m: m.tensor([[1e20, 1e20]]).norm(dim=-1),
    "prod_float32_overflows_on_the_way": lambda m: m.tensor([[1e30, 1e30, 1e-30, 1e-30]]).prod(1),
    "prod_all_float32_overflows": lambda m: m.tensor([1e30, 1e30, 1e-30, 1e-30]).prod(),
    "cumsum_float32_in_double": lambda m: m.tensor([3e38, 3e38, -3e38]).cumsum(0),
    "cumprod_float32_in_double": lambda m: m.tensor([-1.7e20, -2.7e20, -0.0]).cumprod(0),
    "addcdiv_scales_first": lambda m: m.addcdiv(m.tensor([6], dtype=m.int32),
                                                m.tensor([6], dtype=m.int32),
                                                m.tensor([-1.1754943508222875e-38]), value=0.5),
    "addcmul_scales_first": lambda m: m.addcmul(m.tensor([0.]), m.tensor([3e38]),
                                                m.tensor([2.]), value=0.5),
    "std_mean_inf_then_more": lambda m: m.std_mean(m.tensor([[INF, 1.], [1., INF]]), 1)[1],
    "var_mean_inf_last": lambda m: m.var_mean(m.tensor([1., 2., INF]))[1],
    "tril_expanded": lambda m: m.tensor([-INF, INF, 0., 1.]).expand(2, 4).tril_(),
    "triu_expanded_diagonal": lambda m: m.tensor([[1., -0., 3.]]).expand(3, 3).triu_(-1),
    "tril_bool_expanded": lambda m: m.tensor([True, True]).expand(2, 2).tril_(),
    "addmm_bool_empty_k_int_beta": lambda m: m.addmm(m.zeros(1, 1, dtype=m.bool),
                                                     m.zeros(1, 0, dtype=m.bool),
                                                     m.zeros(0, 1, dtype=m.bool)),
    "addmm_bool_empty_k_bool_beta": lambda m: m.addmm(m.zeros(1, 1, dtype=m.bool),
                                                      m.zeros(1, 0, dtype=m.bool),
                                                      m.zeros(0, 1, dtype=m.bool), beta=True),
    "matmul_bool_transposed_batch": lambda m: m.ones(2, 4, 2, dtype=m.bool).transpose(0, 1)
    @ m.ones(2, dtype=m.float64),
    "matmul_bool_contiguous_batch": lambda m: m.ones(2, 4, 2, dtype=m.bool)
    @ m.ones(2, dtype=m.float64),
    # integer ops past 2**53 (they went through float64 and rounded)
    "floordiv_int64_big": lambda m: m.tensor([2 ** 62 + 1, -2 ** 62 - 3]) // m.tensor([1, 2]),
    "remainder_int64_big": lambda m: m.tensor([2 ** 62 + 1, -2 ** 62 - 3])
    % m.tensor([2 ** 61 + 5, 7]),
    "fmod_int64_big": lambda m: m.fmod(m.tensor([2 ** 62 + 1, -2 ** 62 - 3]),
                                       m.tensor([2 ** 61 + 5, 7])),
    "maximum_int64_big": lambda m: m.maximum(m.tensor([2 ** 62 + 1]), m.tensor([1])),
    "trunc_div_int64_big": lambda m: m.div(m.tensor([-2 ** 62 - 3]), m.tensor([2]),
                                           rounding_mode="trunc"),
    "pow_int64_tensor": lambda m: m.tensor([3, -3, 2]) ** m.tensor([41, 39, 62]),
    "pow_int32_wraps": lambda m: m.tensor([-2 ** 31, 65536, 3], dtype=m.int32)
    ** m.tensor([2, 3, 21], dtype=m.int32),
    "pow_int32_scalar_wraps": lambda m: m.tensor([65536, 46341], dtype=m.int32) ** 3,
    "pow_uint8_wraps": lambda m: m.tensor([2, 3], dtype=m.uint8) ** m.tensor([9, 5],
                                                                            dtype=m.uint8),
    "ravel_expanded_then_add_": lambda m: m.tensor(2).unsqueeze(0).expand(2).ravel().add_(1),
    "matmul_bool_size1_dims_transposed": lambda m: m.zeros(1, 3, 1, dtype=m.bool).transpose(
        0, -1) @ m.ones(1, dtype=m.int32),
    "floordiv_int64_big_parallel": lambda m: (m.arange(2 ** 20 + 3) * (2 ** 40 + 1) // 3)[-3:],
}

EXCEPTIONS = {
    "empty2**62": lambda m: m.empty(2 ** 62),
    "zeros2**31sq": lambda m: m.zeros(2 ** 31, 2 ** 31),
    "empty2**63": lambda m: m.empty(2 ** 63),
    "arange_inf": lambda m: m.arange(0, INF),
    "arange_nan": lambda m: m.arange(0, NAN),
    "arange_wrong_sign": lambda m: m.arange(0, 10, -1),
    "tensor2**70": lambda m: m.tensor(2 ** 70),
    "tensor2**63": lambda m: m.tensor([2 ** 63]),
    "tensor_str": lambda m: m.tensor(["a"]),
    "tensor_none": lambda m: m.tensor([None]),
    "tensor_object": lambda m: m.tensor([object()]),
    "and_not_broadcastable": lambda m: m.tensor([True, False]) & m.tensor([True, False, True]),
    "floordiv_not_broadcastable": lambda m: m.tensor([1, 2]) // m.tensor([1, 2, 3]),
    "pow_not_broadcastable": lambda m: m.tensor([1., 2]) ** m.tensor([1., 2, 3]),
    "matmul_0d": lambda m: m.tensor(2.) @ m.tensor(2.),
    "uniform_int": lambda m: m.zeros(2, dtype=m.int64).uniform_(),
    "normal_bool": lambda m: m.zeros(2, dtype=m.bool).normal_(),
    "exponential_int": lambda m: m.zeros(2, dtype=m.int32).exponential_(),
    "cumsum_bool_": lambda m: m.tensor([True, False]).cumsum_(0),
    "addcmul_bool_int": lambda m: m.tensor(False).addcmul_(m.tensor(2, dtype=m.int32),
                                                           m.tensor(3, dtype=m.int32)),
    "masked_scatter_dtype": lambda m: m.tensor([True]).masked_scatter_(m.tensor([True]),
                                                                       m.tensor([1])),
    "t_on_leaf": lambda m: m.tensor([[1.]], requires_grad=True).t_(),
}

CASES = {f"{group}:{name}": fn for group, table in (
    ("write", WRITES), ("index", INDICES), ("0d", ZERO_D), ("new", MISSING_BEFORE),
    ("numerics", NUMERICS), ("raises", EXCEPTIONS)) for name, fn in table.items()}


def _run(m, fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn(m)
        except Exception as e:  # noqa: BLE001  (compared by type)
            return e


def _values(r):
    if isinstance(r, tuple):
        return [_values(x) for x in r]
    if r is None:
        return None
    return r.detach().numpy()


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_pytorch(name):
    ours, theirs = _run(numtorch, CASES[name]), _run(torch, CASES[name])
    if isinstance(theirs, Exception):
        assert isinstance(ours, type(theirs)), f"numtorch: {ours!r}; PyTorch: {theirs!r}"
        return
    assert not isinstance(ours, Exception), f"numtorch raised {ours!r}; PyTorch gave {theirs}"
    if isinstance(theirs, tuple) or hasattr(theirs, "shape"):
        a, b = _values(ours), _values(theirs)
        if isinstance(b, list):
            for x, y in zip(a, b):
                np.testing.assert_array_equal(x, y)
        else:
            assert a.dtype == b.dtype and a.shape == b.shape
            np.testing.assert_allclose(a, b, rtol=1e-6, equal_nan=True)


def _grad_of(m, make, f):
    x = make(m)
    out = f(m, x)
    out.backward(m.ones_like(out)) if out.ndim else out.backward()
    return x.grad.numpy()


GRADS = {
    "prod_nan_beside_zero": (lambda m: m.tensor([[NAN, 0., 2.]], requires_grad=True),
                             lambda m, x: x.prod()),
    "prod_dim_nan_beside_zero": (lambda m: m.tensor([[NAN, 1.], [0., 3.]], requires_grad=True),
                                 lambda m, x: x.prod(1)),
    "prod_dim0_nan_beside_zero": (lambda m: m.tensor([[NAN, 0.]], requires_grad=True),
                                  lambda m, x: x.prod(0)),
    "prod_two_zeros": (lambda m: m.tensor([[0., 0., NAN]], requires_grad=True),
                       lambda m, x: x.prod()),
    "prod_inf_zero": (lambda m: m.tensor([[INF, 0.]], requires_grad=True),
                      lambda m, x: x.prod(1)),
    "std_dim": (lambda m: m.tensor([[1., 2., 4.], [3., 3., 3.]], requires_grad=True),
                lambda m, x: x.std(1)),
    "std_mean": (lambda m: m.tensor([[1., 2., 4.], [3., 5., 3.]], requires_grad=True),
                 lambda m, x: m.std_mean(x, 0)[0] * 2 + m.std_mean(x, 0)[1]),
    "max_dim_0d": (lambda m: m.tensor(3., requires_grad=True), lambda m, x: x.max(dim=0)[0]),
    "median": (lambda m: m.tensor([[3., 1., 2.], [0., 5., 4.]], requires_grad=True),
               lambda m, x: x.median(1).values),
    "hardtanh_at_bounds": (lambda m: m.tensor([-1., 0.5, 1., 3.], requires_grad=True),
                           lambda m, x: m.nn.functional.hardtanh(x)),
    "put_": (lambda m: m.tensor([1., 2., 3.], requires_grad=True),
             lambda m, x: (x * 2).put_(m.tensor([1]), m.tensor([5.])) * m.tensor([1., 10., 100.])),
    "masked_scatter_": (lambda m: m.tensor([1., 2., 3.], requires_grad=True),
                        lambda m, x: (x * 2).masked_scatter_(m.tensor([True, False, True]),
                                                             m.tensor([7., 8.]))
                        * m.tensor([1., 10., 100.])),
    "fill_over_inf": (lambda m: m.tensor([1., INF], requires_grad=True),
                      lambda m, x: (x * 2).fill_(2.) + x),
    "copy_over_inf": (lambda m: m.tensor([1., INF], requires_grad=True),
                      lambda m, x: (x * 2).copy_(m.tensor(3.)) + x),
    "uniform_under_grad": (lambda m: m.tensor([1., 2.], requires_grad=True),
                           lambda m, x: (x * 2).uniform_(0, 0) + x),
    "cumsum_": (lambda m: m.tensor([[1., 2.], [3., 4.]], requires_grad=True),
                lambda m, x: x.clone().cumsum_(0) * m.tensor([[1., 2.], [3., 4.]])),
    "setitem_value_0d": (lambda m: m.tensor(5., requires_grad=True),
                         lambda m, v: m.ones(3).index_put((m.tensor([1]),), v) * 2),
    "index_put_accumulate": (lambda m: m.tensor([1., 2.], requires_grad=True),
                             lambda m, v: m.ones(3).index_put_((m.tensor([2, 0]),), v * 3,
                                                               accumulate=True)),
    "index_copy": (lambda m: m.tensor([[1., 2.], [3., 4.]], requires_grad=True),
                   lambda m, s: m.zeros(3, 2).index_copy(0, m.tensor([2, 0]), s) * 3),
    # found by the long fuzzing campaign
    "atan2_tiny_over_zero": (lambda m: m.tensor([5.6e-21, 0., 1e-19], requires_grad=True),
                             lambda m, y: m.atan2(y, m.tensor([0., 0., 0.]))),
    "atan2_other_tiny": (lambda m: m.tensor([0., 5.6e-21, 0.], requires_grad=True),
                         lambda m, x: m.atan2(m.tensor([0., 0., 5.6e-21]), x)),
    "nansum_nan_gradient": (lambda m: m.tensor([NAN, 1., 2.], requires_grad=True),
                            lambda m, x: x.nansum() * m.tensor(NAN)),
    "nan_to_num_inf_gradient": (lambda m: m.tensor([INF, NAN, 1.], requires_grad=True),
                                lambda m, x: x.nan_to_num() * m.tensor([INF, INF, INF])),
    "norm_at_zero_inf_gradient": (lambda m: m.tensor([0., 0.], requires_grad=True),
                                  lambda m, x: x.norm() * m.tensor(INF)),
    "norm_one_element_inf": (lambda m: m.tensor([[INF], [2.]], requires_grad=True),
                             lambda m, x: x.norm(dim=1)),
    "max_all_leaves_others_zero": (lambda m: m.tensor([0., 0., -1.], requires_grad=True),
                                   lambda m, x: x.max() * m.tensor(-INF)),
    "amax_others_nan": (lambda m: m.tensor([[0., 0., -1.]], requires_grad=True),
                        lambda m, x: x.amax(1) * m.tensor([-INF])),
    "cumprod_inf_after_zero": (lambda m: m.tensor([1., 0., -INF], requires_grad=True),
                               lambda m, x: x.cumprod(0)),
    "cumprod_inf_after_second_zero": (lambda m: m.tensor([2., 0., 3., 0., INF],
                                                         requires_grad=True),
                                      lambda m, x: x.cumprod(0) * m.arange(1., 6.)),
    "reciprocal_square_overflows": (lambda m: m.tensor([1e-20, 2.], requires_grad=True),
                                    lambda m, x: x.reciprocal().log()),
    "rsqrt_cube_overflows": (lambda m: m.tensor([1e-26, 4.], requires_grad=True),
                             lambda m, x: x.rsqrt() * m.tensor([1e-20, 1.])),
    "cat_skipped_empty_gets_a_gradient": (lambda m: m.zeros(0, requires_grad=True),
                                          lambda m, x: m.cat([x, x]) @ m.zeros(0) + 1),
    "index_copy_empty_bad_index": (lambda m: m.zeros(1, 1, 0, requires_grad=True),
                                   lambda m, x: (x * 1).index_copy(0, m.tensor([-5]),
                                                                   m.ones(1, 1, 0)).sum() + 1),
    "index_copy_empty_bad_index_source_grad": (
        lambda m: m.zeros(1, 1, 0, requires_grad=True),
        lambda m, x: m.zeros(1, 1, 0).index_copy(0, m.tensor([-5]), x * 1).sum() + 1),
    "cummax_empty": (lambda m: m.zeros(0, 2, requires_grad=True),
                     lambda m, x: x.cummax(0).values.sum() + 1),
}


@pytest.mark.parametrize("name", sorted(GRADS))
def test_gradient_matches_pytorch(name):
    make, f = GRADS[name]
    ours, theirs = (_run(m, lambda m: _grad_of(m, make, f)) for m in (numtorch, torch))
    if isinstance(theirs, Exception):
        assert isinstance(ours, type(theirs)), f"numtorch: {ours!r}; PyTorch: {theirs!r}"
        return
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, equal_nan=True)


def test_inplace_on_a_saved_result_fails_at_backward():
    """pow(x, y) saves its result: writing into it must fail backward, as in PyTorch."""
    for m in (numtorch, torch):
        x = m.tensor([2., 3.], requires_grad=True)
        y = x ** m.tensor([2., 2.])
        y.scatter_(0, m.tensor([0]), 1.)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


def test_zero_d_gradients_are_tensors():
    x = numtorch.tensor(3., requires_grad=True)
    (x.expand(2) / 2).sum().backward()
    assert isinstance(x.grad._data, np.ndarray) and x.grad.cpu().item() == 1.0
    v = numtorch.tensor(5., requires_grad=True)
    y = numtorch.ones(3) * 1
    y[1] = v
    y.sum().backward()
    assert isinstance(v.grad._data, np.ndarray) and repr(v.grad) == "tensor(1.)"


def test_signs_of_zero_match():
    """relu keeps -0. (PyTorch's x < 0 ? 0 : x), and a float32 cumprod accumulated in double
    ends 1e40 * -0. as -0."""
    for fn in (lambda m: m.tensor([-0.0, 0.0, -1.0, NAN]).relu(),
               lambda m: m.nn.functional.relu(m.full((1000,), -0.0)),
               lambda m: m.tensor([-1.7e20, -2.7e20, -0.0]).cumprod(0)):
        ours, theirs = fn(numtorch).numpy(), fn(torch).numpy()
        np.testing.assert_array_equal(np.signbit(ours), np.signbit(theirs))


def test_results_are_not_views_where_pytorch_gives_fresh_tensors():
    """flatten with nothing to merge is the tensor itself; median/kthvalue values are not
    views (so in-place ops on them are not writes through a view)."""
    for m in (numtorch, torch):
        x = m.tensor([[3., 1., 2.], [6., 5., 4.]], requires_grad=True)
        assert x.flatten(1) is x and m.ones(3).flatten() is not None
        assert x.median()._base is None and x.median(1).values._base is None
        assert x.kthvalue(2, 0).values._base is None


def test_reductions_of_empty_tensors_save_their_result():
    for m in (numtorch, torch):
        x = m.zeros(2, 3, 0, requires_grad=True)
        y = x.logsumexp(2)
        y[0] = 1.
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()
        y = x.median()
        y.uniform_(0, 0)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.backward()
