"""PyTorch's argument parser also takes NumPy's names, `axis` for `dim` and `keepdims` for
`keepdim` (`torch.cat(xs, axis=1)`, `x.sum(axis=0, keepdims=True)`); the seed tutorials use
them.  `accept_numpy_names` gives every public function of an op module that has a `dim`
parameter those aliases, once, at import."""

import functools
import inspect

_ALIASES = (("axis", "dim"), ("keepdims", "keepdim"))


def _with_aliases(fn):
    @functools.wraps(fn)
    def call(*args, **kwargs):
        if kwargs:
            for numpy_name, name in _ALIASES:
                if numpy_name in kwargs:
                    if name in kwargs:
                        raise TypeError(f"{fn.__name__}() received both '{numpy_name}' and "
                                        f"its alias '{name}'")
                    kwargs[name] = kwargs.pop(numpy_name)
        return fn(*args, **kwargs)
    return call


def accept_numpy_names(namespace):
    """Rebind, in a module's globals, each public function that takes `dim`."""
    for name, obj in list(namespace.items()):
        if name.startswith("_") or not inspect.isfunction(obj) \
                or obj.__module__ != namespace["__name__"]:
            continue
        if "dim" in inspect.signature(obj).parameters:
            namespace[name] = _with_aliases(obj)
