"""einsum, and the contractions defined through it (tensordot, inner).

The forward is NumPy's einsum (BLAS for two operands); the gradient of each operand is
another einsum of the incoming gradient with the other operands, so double backward works
and no contraction needs its own derivative.  Ellipses are replaced by explicit letters
first, so the backward equations are plain.
"""

import string

import numpy as np

from .. import _dtype as D
from ..autograd import graph
from ..tensor import Tensor, wrap
from .pointwise import _type_name, mul


def _expand_ellipsis(inputs, output, operands):
    """Explicit subscripts for every operand (and the output), '...' spelled out in letters
    the equation does not use, right-aligned as broadcasting aligns dims."""
    used = set("".join(inputs) + (output or ""))
    spare = [c for c in string.ascii_letters if c not in used]
    n_ell = 0
    for s, t in zip(inputs, operands):
        named = len(s.replace("...", ""))
        if "..." in s:
            n_ell = max(n_ell, t.ndim - named)
        elif named != t.ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({named}) "
                               f"does not match the number of dimensions ({t.ndim}) for "
                               f"operand {inputs.index(s)} and no ellipsis was given")
    ell = "".join(spare[:n_ell])
    subs = []
    for s, t in zip(inputs, operands):
        if "..." in s:
            k = t.ndim - len(s.replace("...", ""))
            if k < 0:
                raise RuntimeError(f"einsum(): the number of subscripts in the equation "
                                   f"({len(s) - 3}) is more than the number of dimensions "
                                   f"({t.ndim}) for operand {inputs.index(s)}")
            s = s.replace("...", ell[n_ell - k:])
        subs.append(s)
    if output is None:  # implicit form: the ellipsis, then letters seen once, sorted
        counts = "".join(subs)
        output = ell + "".join(sorted(c for c in set(counts) - set(ell)
                                      if counts.count(c) == 1))
    else:
        output = output.replace("...", ell)
    return subs, output


def _parse(equation, operands):
    eq = equation.replace(" ", "")
    lhs, output = eq.split("->") if "->" in eq else (eq, None)
    inputs = lhs.split(",")
    if len(inputs) < len(operands):
        raise RuntimeError("einsum(): more operands were provided than specified in the "
                           "equation")
    if len(inputs) > len(operands):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the "
                           "equation")
    return _expand_ellipsis(inputs, output, operands)


def _sizes(subs, operands):
    """Letter -> size, broadcasting size-1 dims; repeated letters in one operand must agree."""
    size = {}
    for k, (s, t) in enumerate(zip(subs, operands)):
        for c, n in zip(s, t.shape):
            seen = size.get(c)
            if seen is None or seen == 1:
                size[c] = n
            elif n != seen and n != 1:
                if s.count(c) > 1:
                    raise RuntimeError(f"einsum(): subscript {c} is repeated for operand {k} "
                                       f"but the sizes don't match, {n} != {seen}")
                raise RuntimeError(f"einsum(): subscript {c} has size {n} for operand {k} "
                                   f"which does not broadcast with previously seen size {seen}")
    return size


def einsum(equation, *operands):
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    for t in operands:
        if not isinstance(t, Tensor):
            raise TypeError(f"einsum(): argument 'operands' must be tuple of Tensors, not "
                            f"{type(t).__name__}")
    subs, output = _parse(equation, operands)
    size = _sizes(subs, operands)
    dt = operands[0].dtype
    for t in operands[1:]:
        if t.dtype is not dt:
            raise RuntimeError(f"expected scalar type {_type_name(dt)} but found "
                               f"{_type_name(t.dtype)}")
    if dt is D.bool_ and len(operands) > 1:
        # PyTorch contracts with bmm, which has no bool kernel; a product with no letter of
        # size > 1 summed between operands (an outer product, a size-1 sum) needs none
        shared = {c for c in size if c not in output and sum(c in s for s in subs) > 1}
        if all(t.numel() for t in operands) and any(size[c] > 1 for c in shared):
            raise NotImplementedError("\"bmm\" not implemented for 'Bool'")
    elif dt is D.bool_ and set(subs[0]) - set(output):
        dt = D.int64  # a bool sum counts
    # size-1 dims broadcast against the letter's size (expand records the summing gradient)
    operands = [t.expand([size[c] for c in s]) if any(n != size[c] for c, n in zip(s, t.shape))
                else t for s, t in zip(subs, operands)]
    eq = ",".join(subs) + "->" + output
    arrs = [t._data.astype(dt.np, copy=False) for t in operands]
    res = wrap(np.asarray(np.einsum(eq, *arrs, optimize=len(arrs) > 1), dt.np, like=arrs[0]),
               dt)
    if dt.category != D.FLOAT:
        return res

    def backward(g, *ops):
        return tuple(_operand_grad(g, output, subs, ops, k, size)
                     if ops[k]._requires_grad else None for k in range(len(ops)))
    return graph.attach(res, "EinsumBackward0", tuple(operands), backward, tuple(operands))


def _operand_grad(g, output, subs, ops, k, size):
    """d(sum g * einsum)/d operand k: g contracted with the other operands onto operand k's
    letters; letters only operand k has were summed out, so the result is expanded over
    them."""
    mine = subs[k]
    if len(set(mine)) != len(mine):
        raise NotImplementedError(f"numtorch: the gradient of einsum with a repeated subscript "
                                  f"in one operand ('{mine}') is not implemented")
    others = [s for j, s in enumerate(subs) if j != k]
    present = set(output).union(*others)
    kept = "".join(c for c in mine if c in present)
    gk = einsum(",".join([output] + others) + "->" + kept, g,
                *[t for j, t in enumerate(ops) if j != k])
    if kept != mine:
        gk = gk.reshape([size[c] if c in kept else 1 for c in mine]).expand(
            [size[c] for c in mine])
    return gk


def tensordot(a, b, dims=2, out=None):
    """Contracts dims of a with dims of b: an int n pairs a's last n with b's first n."""
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > a.ndim or dims > b.ndim:
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got "
                               f"dims={dims}")
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        da, db = ([d] if isinstance(d, int) else list(d) for d in dims)
    if len(da) != len(db):
        raise RuntimeError(f"both dimension lists should have same length, but got "
                           f"{len(da)} and {len(db)}")
    if a.dtype is not b.dtype:
        raise RuntimeError("both inputs should have same dtype")
    da = [d % a.ndim if a.ndim else d for d in da]
    db = [d % b.ndim if b.ndim else d for d in db]
    for i, j in zip(da, db):
        if a.shape[i] != b.shape[j]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size "
                               f"{a.shape[i]} in dim {i} and second has size {b.shape[j]} "
                               f"in dim {j}")
    if a.dtype is D.bool_ and (len(da) == a.ndim == b.ndim or (a.numel() and b.numel())):
        # the kernel PyTorch would run names the error; with an empty side none runs
        kernel = "dot" if len(da) == a.ndim == b.ndim else "addmm_impl_cpu_"
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")
    letters = iter(string.ascii_letters)
    sa = [next(letters) for _ in range(a.ndim)]
    sb = [next(letters) for _ in range(b.ndim)]
    for i, j in zip(da, db):
        sb[j] = sa[i]
    free = [c for i, c in enumerate(sa) if i not in da] + \
        [c for j, c in enumerate(sb) if j not in db]
    res = einsum("".join(sa) + "," + "".join(sb) + "->" + "".join(free), a, b)
    return res if out is None else out.copy_(res)


def inner(input, other, *, out=None):
    """Sum over the last dims of both (a product when either is 0-d)."""
    if input.ndim == 0 or other.ndim == 0:
        return mul(input, other, out=out)
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but "
                           f"got shapes {list(input.shape)} and {list(other.shape)}")
    return tensordot(input, other, ([-1], [-1]), out=out)
