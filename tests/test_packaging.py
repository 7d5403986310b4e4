"""The declared dependency bounds are the tested ones, and the docs site builds.

``.ci/run`` runs the suite with ``.ci/constraints-lowest.txt`` on the oldest Python: each pin
there must be the ``>=`` bound pyproject.toml declares, for every runtime dependency and the
image/YAML extras, or the lowest-versions run would test something else than what is declared.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import rekostub

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python < 3.11
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
REQUIREMENT = re.compile(r"^([A-Za-z0-9_.\-]+)>=([0-9][0-9.]*)(?:\s*;.*)?$")


def lower_bounds(requirements: list[str]) -> dict[str, str]:
    out = {}
    for requirement in requirements:
        match = REQUIREMENT.match(requirement)
        assert match, f"{requirement!r}: declare a lower bound with >="
        out[match.group(1).lower()] = match.group(2)
    return out


def normal(version: str) -> tuple[int, ...]:
    parts = [int(p) for p in version.split(".")]
    while parts and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def test_the_lowest_constraints_are_the_declared_bounds() -> None:
    extras = PROJECT["optional-dependencies"]
    declared = lower_bounds([*PROJECT["dependencies"], *extras["images"], *extras["yaml"]])
    pins = {}
    for line in (ROOT / ".ci" / "constraints-lowest.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[name.lower()] = version
    assert set(pins) == set(declared)
    for name, version in declared.items():
        assert normal(pins[name]) == normal(version), (
            f"{name}: pinned {pins[name]}, declared {version}"
        )


def test_the_docs_site_builds_strictly(tmp_path: Path) -> None:
    if importlib.util.find_spec("mkdocs") is None:
        pytest.skip("the docs extra is not installed: pip install -e '.[docs]' (.ci/run does)")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert done.returncode == 0, done.stderr
    pages = {p.parent.name for p in tmp_path.glob("*/index.html")}
    assert {"ways-in", "fixtures", "images", "fake", "comparison", "recipes", "cli", "api"} <= pages
    api = (tmp_path / "api" / "index.html").read_text(encoding="utf-8")
    for name in rekostub.__all__:  # every public name has its entry in the API reference
        assert f'id="rekostub.{name}"' in api, name
