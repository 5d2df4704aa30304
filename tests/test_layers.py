"""The layering of ../shared/DESIGN.md, held by walking every import in numtorch/ (module level
and deferred alike), and the kernel cache's cover of the files kernels compile in.

Layers, top to bottom: nn/optim/utils/vision (the public API's users), the Tensor layer
(tensor, autograd, _ops, ...), backend/ (dispatch), kernels/cpu and kernels/cuda.  Neutral
leaf modules that import nothing of numtorch (op codes, exception types, the thread policy)
may be imported from anywhere."""

import ast
import os

import numtorch
from numtorch.kernels import _cache

ROOT = os.path.dirname(numtorch.__file__)
NEUTRAL = {"numtorch.opcodes", "numtorch._errors", "numtorch._threads"}


def _module_name(path):
    rel = os.path.relpath(path, os.path.dirname(ROOT))[:-3].split(os.sep)
    return ".".join(rel[:-1] if rel[-1] == "__init__" else rel)


def _is_module(name):
    base = os.path.join(os.path.dirname(ROOT), *name.split("."))
    return os.path.exists(base + ".py") or os.path.isdir(base)


def _is_type_checking(node):
    return isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING"


def imports(with_type_only=True):
    """(importing module, imported module) for every numtorch import in numtorch/; with
    with_type_only=False, less those under `if TYPE_CHECKING:` (never run)."""
    edges = []
    for folder, _, names in os.walk(ROOT):
        for n in names:
            if not n.endswith(".py"):
                continue
            path = os.path.join(folder, n)
            mod = _module_name(path)
            package = mod if n == "__init__.py" else mod.rsplit(".", 1)[0]
            with open(path) as f:
                tree = ast.parse(f.read())
            type_only = {id(n) for node in ast.walk(tree) if _is_type_checking(node)
                         for n in ast.walk(node)}
            for node in ast.walk(tree):
                if id(node) in type_only and not with_type_only:
                    continue
                if isinstance(node, ast.Import):
                    edges += [(mod, a.name) for a in node.names if a.name.startswith("numtorch")]
                elif isinstance(node, ast.ImportFrom):
                    if node.level:
                        parts = package.split(".")[:len(package.split(".")) - node.level + 1]
                        target = ".".join(parts + ([node.module] if node.module else []))
                    else:
                        target = node.module or ""
                    if not target.startswith("numtorch"):
                        continue
                    for a in node.names:  # `from .. import opcodes` imports a module
                        sub = f"{target}.{a.name}"
                        edges.append((mod, sub if _is_module(sub) else target))
    return edges


def _under(mod, package):
    return mod == package or mod.startswith(package + ".")


def _violations(rule):
    return sorted({f"{a} -> {b}" for a, b in imports() if b not in NEUTRAL and rule(a, b)})


def test_the_walk_sees_the_imports_it_checks():
    edges = set(imports())
    assert ("numtorch.backend.elementwise", "numtorch.kernels.cpu.elementwise") in edges
    assert ("numtorch._ops.pointwise", "numtorch.opcodes") in edges
    assert ("numtorch.kernels.cpu.elementwise", "numtorch.opcodes") in edges


def test_neutral_modules_import_nothing_of_numtorch():
    assert _violations(lambda a, b: a in NEUTRAL) == []


def test_kernels_import_only_kernels():
    # (and each target only itself and the shared kernels/ modules: CUDA code never
    # reaches into the CPU kernels, nor the CPU kernels into CUDA)
    def wrong(a, b):
        if not _under(a, "numtorch.kernels"):
            return False
        if not _under(b, "numtorch.kernels"):
            return True
        for target, other in (("cpu", "cuda"), ("cuda", "cpu")):
            if _under(a, f"numtorch.kernels.{target}") and _under(b, f"numtorch.kernels.{other}"):
                return True
        return False
    assert _violations(wrong) == []


def test_only_the_backend_imports_kernels():
    assert _violations(lambda a, b: _under(b, "numtorch.kernels")
                       and not _under(a, "numtorch.kernels")
                       and not _under(a, "numtorch.backend")) == []


def test_the_backend_imports_nothing_above_it():
    above = ("numtorch.tensor", "numtorch._ops", "numtorch.autograd", "numtorch.nn",
             "numtorch.optim", "numtorch.utils", "numtorch.vision")
    assert _violations(lambda a, b: _under(a, "numtorch.backend")
                       and any(_under(b, p) for p in above)) == []


def test_nn_is_written_against_the_tensor_layer():
    assert _violations(lambda a, b: _under(a, "numtorch.nn")
                       and (_under(b, "numtorch.backend") or _under(b, "numtorch.kernels"))
                       ) == []


def test_the_kernel_cache_covers_the_files_kernels_compile_in(tmp_path, monkeypatch):
    from numtorch.kernels.cpu import elementwise, reduction
    files = _cache.dependency_files()
    for needed in ("opcodes.py", os.path.join("kernels", "cpu", "elementwise.py")):
        assert any(f.endswith(needed) for f in files), needed
    for kernel in (elementwise.binary_1d, reduction.cumulative):
        locator = kernel._cache._impl.locator
        assert type(locator).__name__.startswith("Kernel"), type(locator)
        assert locator.get_source_stamp()[1] == _cache.dependency_stamp()
    # and the stamp follows the contents of those files
    dep = tmp_path / "dep.py"
    monkeypatch.setattr(_cache, "dependency_files", lambda: [str(dep)])
    dep.write_text("ADD = 0\n")
    before = _cache.dependency_stamp()
    dep.write_text("ADD = 1\n")
    assert _cache.dependency_stamp() != before


def test_the_tensor_stub_lists_every_method_as_attached():
    """numtorch/tensor.pyi shows a reader (and an IDE) every Tensor method, which
    numtorch/_methods.py attaches from outside the class, and where each is defined."""
    from tensor_stub import render
    with open(os.path.join(ROOT, "tensor.pyi")) as f:
        on_disk = f.read()
    assert on_disk == render(), ("numtorch/tensor.pyi is stale: python tests/tensor_stub.py "
                                 "> numtorch/tensor.pyi")
    assert "    def to(self, *args, **kwargs) -> Any: ...  # numtorch._ops.convert.to" in on_disk


def _parents(mod):
    parts = mod.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def import_graph():
    """Module -> the modules its imports run: each imported module and, since Python runs a
    package's __init__ before any module in it, that module's packages, but for those the
    importer is itself inside (they are already running)."""
    graph = {}
    for a, b in imports(with_type_only=False):
        targets = graph.setdefault(a, set())
        targets.update(m for m in [b] + [p for p in _parents(b) if p not in _parents(a)]
                       if m != a)
    return graph


def cycles(graph):
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while not component or w != v:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
            if len(component) > 1:
                found.append(sorted(component))

    for v in list(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_circles():
    """Every import statement counts, deferred ones too: a circle held up by an import
    inside a function is still a circle.  The package facade reaches its subpackages
    (nn, optim, ...) on first attribute access, so they may import it."""
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles(import_graph()) == []
