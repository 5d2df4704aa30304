"""gradcheck: analytic gradients against central finite differences (use float64 inputs)."""

import numpy as np

from .._ops.creation import from_numpy
from ..tensor import Tensor
from .api import grad
from .grad_mode import enable_grad, no_grad


class GradcheckError(RuntimeError):
    pass


def _outputs(fn, inputs):
    out = fn(*inputs)
    return out if isinstance(out, tuple) else (out,)


def _numeric(fn, inputs, eps):
    """d(sum of each output element)/d(each input element) by central differences."""
    with no_grad():
        outs = [o for o in _outputs(fn, inputs) if isinstance(o, Tensor)]
        jac = []
        for x in inputs:
            if not (isinstance(x, Tensor) and x._requires_grad):
                jac.append(None)
                continue
            cols = []
            for i in range(x.numel()):
                idx = np.unravel_index(i, x._data.shape) if x.ndim else ()
                orig = x._data[idx].copy() if x.ndim else x._data.copy()
                x._data[idx] = orig + eps
                plus = [o._data.astype(np.float64).copy()
                        for o in _outputs(fn, inputs) if isinstance(o, Tensor)]
                x._data[idx] = orig - eps
                minus = [o._data.astype(np.float64).copy()
                         for o in _outputs(fn, inputs) if isinstance(o, Tensor)]
                x._data[idx] = orig
                cols.append(np.concatenate([((p - m) / (2 * eps)).reshape(-1)
                                            for p, m in zip(plus, minus)]))
            jac.append(np.stack(cols, axis=0) if cols else
                       np.zeros((0, sum(o.numel() for o in outs))))
        return jac


def _analytic(fn, inputs):
    outs = [o for o in _outputs(fn, inputs) if isinstance(o, Tensor) and o._requires_grad]
    diff_inputs = [x for x in inputs if isinstance(x, Tensor) and x._requires_grad]
    n_out = sum(o.numel() for o in outs)
    jac = [np.zeros((x.numel(), n_out)) for x in diff_inputs]
    col = 0
    for o in outs:
        for j in range(o.numel()):
            seed = np.zeros(o._data.shape)
            seed.reshape(-1)[j] = 1.0
            gs = grad([o], diff_inputs, [from_numpy(seed.astype(o._data.dtype))],
                      retain_graph=True, allow_unused=True)
            for k, g in enumerate(gs):
                if g is not None:
                    jac[k][:, col] = g._data.astype(np.float64).reshape(-1)
            col += 1
    it = iter(jac)
    return [next(it) if isinstance(x, Tensor) and x._requires_grad else None for x in inputs]


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              **kwargs):
    """True when func's analytic Jacobian matches finite differences for every input that
    requires grad; otherwise raises GradcheckError (or returns False)."""
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    for x in inputs:
        if isinstance(x, Tensor) and x._requires_grad and x.dtype.name != "float64":
            import warnings
            warnings.warn("Input is not a double precision floating point tensor; gradcheck "
                          "may fail on rounding error.", UserWarning, stacklevel=2)
    numeric = _numeric(func, inputs, eps)
    analytic = _analytic(func, inputs)
    for i, (n, a) in enumerate(zip(numeric, analytic)):
        if n is None:
            continue
        if not np.allclose(a, n, rtol=rtol, atol=atol, equal_nan=True):
            if raise_exception:
                raise GradcheckError(
                    f"Jacobian mismatch for output 0 with respect to input {i},\n"
                    f"numerical:{n}\nanalytical:{a}\n")
            return False
    return True


def gradgradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """gradcheck of the gradient itself (second derivatives through create_graph)."""
    inputs = tuple(inputs)

    def first_grad(*xs):
        with enable_grad():  # the numeric pass runs under no_grad; the gradient needs a graph
            outs = [o for o in _outputs(func, xs) if isinstance(o, Tensor)]
            total = outs[0].sum()
            for o in outs[1:]:
                total = total + o.sum()
            dx = [x for x in xs if isinstance(x, Tensor) and x._requires_grad]
            return tuple(grad(total, dx, create_graph=True))

    return gradcheck(first_grad, inputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
