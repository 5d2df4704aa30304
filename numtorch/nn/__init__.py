"""numtorch.nn: modules, parameters, functional and init, as torch.nn."""

from . import functional, init, utils
from .modules import *  # noqa: F403
from .modules import Module
from .parameter import Parameter

__all__ = ["Module", "Parameter", "functional", "init", "utils"]


def __getattr__(name):
    # nn.parallel needs numtorch.distributed, which starts MPI: loaded when first asked for
    if name == "parallel":
        import importlib
        return importlib.import_module(".parallel", __name__)
    raise AttributeError(f"module 'numtorch.nn' has no attribute '{name}'")
