"""The package tree is the data path: imports run one way, ways in -> wire -> service ->
validation/operations -> images -> fixtures -> engine -> common. Read with ``ast``, nothing run."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import rekostub

PACKAGE = Path(rekostub.__file__).parent

#: Each subpackage's layer; a module may import its own layer's package and any lower layer.
LAYERS = {
    "_entry": 6,
    "_server": 6,
    "_wire": 5,
    "_service": 4,
    "_validation": 3,
    "_operations": 3,
    "_images": 2,
    "_fixtures": 1,
    "_engine": 0,
    "_common": -1,
}
TOP = 7  # rekostub/__init__.py and __main__.py may import anything
MAX_LINES = 400


def _subpackage(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "rekostub":
        return None
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else ""


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, root: Path) -> list[tuple[int, str]]:
    """Every rekostub module ``path`` imports (absolute or relative), with its line."""
    name = _module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            # ``from rekostub import _engine``: the names may be subpackages themselves
            found += [(node.lineno, f"{target}.{alias.name}") for alias in node.names]
    return [(line, module) for line, module in found if module.split(".")[0] == "rekostub"]


def _layer(module: str) -> int:
    sub = _subpackage(module)
    return TOP if not sub else LAYERS[sub]


def _violations(root: Path) -> list[str]:
    problems = []
    for path in sorted(root.rglob("*.py")):
        if path.name == "_rekostub_boot.py":  # installed as a top-level module beside the .pth
            continue
        here = _module_name(path, root)
        for line, target in _imports(path, root):
            if _layer(target) > _layer(here):
                problems.append(f"{path.relative_to(root.parent)}:{line} imports {target}")
    return problems


def test_every_subpackage_is_layered_and_documented() -> None:
    subpackages = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    assert subpackages == set(LAYERS)
    for name in LAYERS:
        doc = ast.get_docstring(ast.parse((PACKAGE / name / "__init__.py").read_text()))
        assert doc, f"{name}/__init__.py needs a docstring saying its job"
        assert "May import" in doc, f"{name}/__init__.py must say what it may import"


def test_imports_run_one_way() -> None:
    assert _violations(PACKAGE) == []


def test_no_flat_private_modules_remain() -> None:
    flat = sorted(p.name for p in PACKAGE.glob("_*.py") if p.name != "__init__.py")
    assert flat == [p for p in flat if p in ("__main__.py",)]


def test_no_module_is_over_the_split_size() -> None:
    long = {
        str(p.relative_to(PACKAGE)): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("_engine/bad.py", "from rekostub._service.fake import FakeRekognition\n"),
        ("_fixtures/bad.py", "from .._entry import stub\n"),
        ("_images/bad.py", "import rekostub._entry.activation\n"),
        ("_wire/bad.py", "from rekostub import _service\n"),
    ],
)
def test_an_import_against_the_direction_is_caught(
    tmp_path: Path, module: str, source: str
) -> None:
    root = tmp_path / "rekostub"
    (root / module).parent.mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / module).parent.joinpath("__init__.py").write_text("")
    (root / module).write_text(source)
    (problem, *_) = _violations(root)
    assert problem.startswith(f"rekostub/{module}:1 imports rekostub")
