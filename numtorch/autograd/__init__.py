"""numtorch.autograd.  Grad mode lives here now; the graph engine arrives with the autograd
issue."""

from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled

__all__ = ["enable_grad", "inference_mode", "is_grad_enabled", "no_grad", "set_grad_enabled"]
