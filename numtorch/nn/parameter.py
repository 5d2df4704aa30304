"""nn.Parameter (defined in numtorch/_parameter.py, which checkpoint loading uses without nn)."""

from .._parameter import Parameter

__all__ = ["Parameter"]
