"""numtorch.autograd: backward, grad, custom Functions, gradcheck and grad mode."""

from . import graph
from .api import Variable, backward, grad
from .function import Function, FunctionCtx
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, gradcheck, gradgradcheck

__all__ = ["Function", "FunctionCtx", "GradcheckError", "Variable", "backward", "enable_grad",
           "grad", "gradcheck", "gradgradcheck", "graph", "inference_mode", "is_grad_enabled",
           "no_grad", "set_grad_enabled"]
