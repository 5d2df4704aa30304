"""Grad mode: whether ops record a graph.  A module-level flag read on the hot path."""

import functools

_enabled = [True]


def is_grad_enabled():
    return _enabled[0]


class _Mode:
    """Context manager and decorator that sets grad mode and restores it on exit."""

    mode = True

    def __enter__(self):
        self.prev = _enabled[0]
        _enabled[0] = self.mode

    def __exit__(self, *exc):
        _enabled[0] = self.prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)
        return wrapper


class no_grad(_Mode):
    mode = False


class enable_grad(_Mode):
    mode = True


class inference_mode(_Mode):
    def __init__(self, mode=True):
        self.mode = not mode

    def __call__(self, fn):
        if not callable(fn):  # inference_mode(False) used as a decorator factory
            return inference_mode(fn)
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with inference_mode(not mode):
                return fn(*args, **kwargs)
        return wrapper


class set_grad_enabled(_Mode):
    def __init__(self, mode):
        self.mode = bool(mode)
        self.prev = _enabled[0]
        _enabled[0] = self.mode  # takes effect as a plain function call too

    def __enter__(self):
        pass

    def __call__(self, fn):
        _enabled[0] = self.prev
        return super().__call__(fn)
