"""Grad mode: whether ops record a graph.  One flag per thread, as in PyTorch: a DataLoader
thread, a web server's handler or a notebook callback running under no_grad() must not switch
autograd off for the thread that trains.  Read on the hot path as `_state.enabled` (a
threading.local attribute: ~30 ns)."""

import functools
import threading


class _GradState(threading.local):
    enabled = True  # every new thread starts with grad mode on, as in PyTorch


_state = _GradState()


def is_grad_enabled():
    return _state.enabled


class _Mode:
    """Context manager and decorator that sets grad mode and restores it on exit."""

    mode = True

    def __enter__(self):
        self.prev = _state.enabled
        _state.enabled = self.mode

    def __exit__(self, *exc):
        _state.enabled = self.prev
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
        self.prev = _state.enabled
        _state.enabled = self.mode  # takes effect as a plain function call too

    def __enter__(self):
        pass

    def __call__(self, fn):
        _state.enabled = self.prev
        return super().__call__(fn)
