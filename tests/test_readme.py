"""The README's commands are the ones that work and that CI runs; its links stay in the repo.

A new user copies the README's set-up commands into a fresh clone, and a contributor its test
command: both must be what ``.ci/run`` does. Every link must resolve to a file (or a heading)
inside the repository.
"""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

import pytest

from rekostub._entry.cli import COMMANDS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python < 3.11
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
CI_RUN = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))

FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")


def section(title: str) -> str:
    """The README text under ``## title`` up to the next ``## `` heading."""
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else len(README)]


def commands(text: str) -> list[str]:
    """The ``$ `` command lines of the ``console`` blocks of ``text``, without comments."""
    out = []
    for lang, body in FENCE.findall(text):
        if lang != "console":
            continue
        for line in body.splitlines():
            if line.startswith("$ "):
                out.append(line[2:].split("  #")[0].strip())
    return out


def extras_installed(command: str) -> set[str]:
    """``python -m pip install -e ".[a,b]"`` -> {"a", "b"}."""
    (spec,) = [a for a in shlex.split(command)[4:] if not a.startswith("-")]
    match = re.fullmatch(r"\.(?:\[([\w,]+)\])?", spec)
    assert match, f"{command!r} does not install this repository's files"
    return set(match.group(1).split(",")) if match.group(1) else set()


def ci_test_command() -> str:
    marker = "# The test command the README gives:\n"
    assert marker in CI_RUN
    line = CI_RUN.split(marker, 1)[1].splitlines()[0]
    return re.sub(r'^step "[^"]*" ', "", line).strip()


def test_the_set_up_is_two_commands_that_work_on_a_fresh_clone() -> None:
    install, demo = commands(section("Install and see it work"))
    assert install.startswith("python -m pip install -e ")
    assert extras_installed(install) <= set(PYPROJECT["project"]["optional-dependencies"])
    assert demo == "python -m rekostub demo"  # tests/test_cli.py runs it


def test_the_test_command_is_what_ci_runs() -> None:
    developing = commands(section("Developing rekostub"))
    assert ci_test_command() == "python -m pytest"
    assert "python -m pytest" in developing
    prose = section("Developing rekostub")
    assert "`python -m pytest` is the test command: CI runs exactly this" in prose


def test_the_lint_commands_are_what_ci_runs() -> None:
    developing = commands(section("Developing rekostub"))
    checks = [c for c in developing if c.split()[0] in ("ruff", "mypy")]
    assert len(checks) == 3
    for command in checks:
        assert command in CI_RUN, f"{command!r} is not what .ci/run runs"


def test_the_developer_install_is_what_ci_installs() -> None:
    developing = commands(section("Developing rekostub"))
    (install,) = [c for c in developing if " pip install " in c]
    ci_installs = re.findall(r'pip install --quiet -e "(\.\[[\w,]+\])"', CI_RUN)
    assert ci_installs, "the main .ci/run install line changed"
    assert extras_installed(install) <= extras_installed(
        f'python -m pip install "{ci_installs[0]}"'
    )


def test_nothing_needs_an_unpublished_package() -> None:
    """Every pip install in the README installs this repository, never rekostub by name."""
    installs = [c for c in commands(README) if " install " in c and "pip" in c]
    assert installs
    for command in installs:
        extras_installed(command)
    assert "install rekostub" not in README
    assert 'install "rekostub' not in README


def test_every_cli_command_the_readme_shows_exists() -> None:
    names = {c.name for c in COMMANDS}
    shown = [c.split()[3] for c in commands(README) if c.startswith("python -m rekostub ")]
    assert shown
    assert set(shown) - {"--version", "--help"} <= names


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    without_code = FENCE.sub("", markdown)
    return {slug(h) for h in re.findall(r"^#{1,6} (.+)$", without_code, re.M)}


LINKS = LINK.findall(FENCE.sub("", README))


def test_the_readme_has_links_to_check() -> None:
    assert "docs/index.md" in LINKS
    assert any(link.startswith("#") for link in LINKS)


@pytest.mark.parametrize("link", sorted(set(LINKS)))
def test_every_link_resolves_inside_the_repository(link: str) -> None:
    assert "://" not in link, f"{link} leaves the repository"
    assert not link.startswith(("mailto:", "/")), f"{link} leaves the repository"
    path, _, fragment = link.partition("#")
    target = (ROOT / path).resolve() if path else ROOT / "README.md"
    assert target.is_relative_to(ROOT), f"{link} points outside the repository"
    assert target.is_file(), f"{link}: no such file in the repository"
    if fragment:
        assert fragment in anchors(target.read_text(encoding="utf-8")), f"{link}: no such heading"
