"""numtorch.nn: modules, parameters, functional and init, as torch.nn."""

from . import functional, init, utils
from .modules import *  # noqa: F403
from .modules import Module
from .parameter import Parameter

__all__ = ["Module", "Parameter", "functional", "init", "utils"]
