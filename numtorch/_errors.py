"""Exception classes for errors PyTorch reports with different types along different paths."""


class IndexOutOfRange(IndexError, RuntimeError):
    """An index outside its dim.  PyTorch raises IndexError for some ops, shapes and dtypes and
    RuntimeError for others (index_add on a 2-D tensor, but not a 1-D or 3-D one; index_select
    along dim 1 but not dim 0), so this is both: `except IndexError` and `except RuntimeError`
    each catch it, whichever of PyTorch's paths a program was written against."""


class UnknownBackend(ValueError, AssertionError):
    """init_process_group's refusal of a backend it does not know.  PyTorch raises this as an
    AssertionError ("Unknown backend type ..."); a ValueError is what a reader expects, so it
    is both."""
