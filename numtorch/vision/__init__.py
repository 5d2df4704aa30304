"""numtorch.vision: the torchvision pieces the seed tutorials use."""

from . import datasets, transforms

__all__ = ["datasets", "transforms"]
