"""numtorch.utils: data loading and a training-loop progress bar."""

from . import data
from .progress import progress

__all__ = ["data", "progress"]
