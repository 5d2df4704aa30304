"""nn.Parameter: a leaf tensor that modules register as a trainable weight.  It lives below
nn (nn.parameter re-exports it) because loading a checkpoint makes Parameters without nn."""

from ._ops.creation import empty
from .tensor import Tensor, _init


class Parameter(Tensor):
    """A Tensor that a Module registers in `parameters()` when assigned as an attribute.
    It shares storage with the tensor it wraps."""

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            data = empty(0)
        p = Tensor.__new__(cls)
        _init(p, data._data, data.dtype)
        p._version = data._version
        if requires_grad:
            p.requires_grad_(True)
        return p

    def __init__(self, data=None, requires_grad=True):
        pass

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __reduce_ex__(self, protocol):
        return (Parameter, (Tensor.detach(self).clone(), self._requires_grad))

    def __deepcopy__(self, memo):
        p = Parameter(Tensor.detach(self).clone(), self._requires_grad)
        memo[id(self)] = p
        return p


Parameter.__module__ = "numtorch.nn.parameter"  # where users (and pickles) name it
