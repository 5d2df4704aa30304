"""numtorch.vision: torchvision's face -- `import numtorch.vision as torchvision` -- with the
datasets, transforms and utils that PyTorch's tutorials use."""

from . import datasets, transforms, utils

__all__ = ["datasets", "transforms", "utils"]
