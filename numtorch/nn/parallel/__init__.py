"""Data-parallel training across processes: DistributedDataParallel over numtorch.distributed."""

from .distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel"]
