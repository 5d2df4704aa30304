"""Custom autograd Functions: static forward(ctx, ...) / backward(ctx, ...) and .apply."""

from ..tensor import Tensor, wrap
from . import graph
from .grad_mode import no_grad


class FunctionCtx:
    """The `ctx` both static methods receive."""

    def __init__(self):
        self._to_save = ()
        self._node = None
        self._non_differentiable = ()
        self.materialize_grads = True
        self.needs_input_grad = ()

    def save_for_backward(self, *tensors):
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError("save_for_backward can only save variables, but argument "
                                f"{tensors.index(t)} is of type {type(t).__name__}")
        self._to_save = tensors

    @property
    def saved_tensors(self):
        if self._node is None:
            return tuple(self._to_save)
        return tuple(self._node.saved_values())

    def mark_non_differentiable(self, *tensors):
        self._non_differentiable = tensors

    def mark_dirty(self, *tensors):
        pass

    def set_materialize_grads(self, value):
        self.materialize_grads = value


class Function:
    """Subclass with static `forward(ctx, *args)` and `backward(ctx, *grad_outputs)`; call
    `.apply(*args)`.  The result's grad_fn is named `<ClassName>Backward`."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward "
                                  "mode AD.")

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = FunctionCtx()
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
        with no_grad():
            out = cls.forward(ctx, *args, **kwargs)
        multi = isinstance(out, tuple)
        outs = out if multi else (out,)
        if not graph.requires_grad(*args):
            return out
        # an input returned unchanged gets a fresh tensor object, so its own graph stays intact
        outs = tuple(wrap(o._data, o._dtype) if isinstance(o, Tensor) and any(o is a for a in args)
                     else o for o in outs)
        diff = [o for o in outs if isinstance(o, Tensor)
                and not any(o is n for n in ctx._non_differentiable)]

        def backward(grads, *saved):
            gs = grads if isinstance(grads, list) else [grads]
            res = cls.backward(ctx, *gs)
            res = res if isinstance(res, tuple) else (res,)
            if len(res) < len(args):
                res = res + (None,) * (len(args) - len(res))
            return res

        saved = tuple(ctx._to_save)
        name = cls.__name__ + "Backward"
        tensors = [o for o in outs if isinstance(o, Tensor)]
        if not diff:
            return outs if multi else outs[0]
        if len(tensors) == 1:
            graph.attach(tensors[0], name, args, backward, saved)
        else:  # backward receives one gradient per output, zeros for non-differentiable ones
            graph.attach_multi(tensors, name, args, backward, saved)
            for o in tensors:
                if not any(o is d for d in diff):
                    o.grad_fn = None
                    o._requires_grad = False
        ctx._node = diff[0].grad_fn
        return outs if multi else outs[0]
