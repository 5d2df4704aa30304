"""Numba's on-disk cache, made to notice edits to the code a kernel compiles in from other
files.

Numba keys a cached kernel on the contents of the one file that defines it.  Kernels compile
in op codes (numtorch/opcodes.py), the shared scalar math (kernels/scalar.py) and helpers of
other kernel files, so after an edit to one of those Numba would load the old machine code.
Here the key of every kernel in numtorch/kernels/ also covers all of those files: an edit to
any of them recompiles the kernels once (a developer's cost; a user's install never changes).

This subclasses Numba's cache locators, which are internal API: if a Numba release renames
them, install() leaves Numba's own behaviour in place (tests/test_compiled_variants.py checks
that the kernels' locators are these)."""

import hashlib
import os
from typing import List

_KERNELS = os.path.dirname(os.path.abspath(__file__))
_PACKAGE = os.path.dirname(_KERNELS)


def dependency_files() -> List[str]:
    """Every file whose contents a kernel's compiled code may depend on."""
    files = [os.path.join(_PACKAGE, "opcodes.py")]
    for folder, _, names in os.walk(_KERNELS):
        files += [os.path.join(folder, n) for n in names if n.endswith(".py")]
    return sorted(files)


def dependency_stamp() -> str:
    digest = hashlib.sha256()
    for path in dependency_files():
        with open(path, "rb") as f:
            digest.update(f.read())
    return digest.hexdigest()


def _covering(locator: type) -> type:
    """A subclass of Numba's locator class `locator` for the kernels in numtorch/kernels/
    whose source stamp also covers dependency_files()."""
    stamp = dependency_stamp()

    class KernelLocator(locator):
        @classmethod
        def from_function(cls, py_func, py_file):
            if not os.path.abspath(py_file).startswith(_KERNELS + os.sep):
                return None
            return super().from_function(py_func, py_file)

        def get_source_stamp(self):
            return (super().get_source_stamp(), stamp)

    KernelLocator.__name__ = "Kernel" + locator.__name__
    return KernelLocator


def install() -> None:
    try:
        from numba.core import caching
        impl = caching.CacheImpl
        ours = [_covering(getattr(caching, name)) for name in
                ("UserProvidedCacheLocator", "InTreeCacheLocator", "UserWideCacheLocator")]
    except (ImportError, AttributeError):  # a Numba whose cache internals moved
        return
    if not any(c.__name__.startswith("Kernel") for c in impl._locator_classes):
        impl._locator_classes[:0] = ours  # tried first, in Numba's own order
