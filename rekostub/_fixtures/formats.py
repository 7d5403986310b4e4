"""Fixture file formats: which file extensions are fixtures, and text -> raw document.

:func:`_parse_text` decodes JSON, TOML (``tomllib``, or ``tomli`` before Python 3.11) or YAML
(PyYAML, optional) into plain Python data, turning each library's syntax error into a
FixtureError with the line and column. Checking the data is :mod:`rekostub._fixtures.parser`'s.
"""

from __future__ import annotations

import importlib
import json
from typing import Any

from rekostub._common.errors import FixtureError

_EXTENSIONS = (".json", ".toml", ".yaml", ".yml")


def _parse_text(text: str, ext: str, source: str) -> object:
    """The document in ``text``; every way a parser can fail is a FixtureError naming ``source``.

    Nesting deeper than the parsers' recursion allows (``[[[[...``, 100,000 deep) and integers
    too long to convert (Python refuses more than 4,300 digits) are such ways, not crashes.
    """
    try:
        return _parse(text, ext, source)
    except RecursionError:
        raise FixtureError(
            "lists or objects nest too deeply to read (a fixture needs at most a few levels)",
            source=source,
        ) from None
    except ValueError as exc:  # an integer with too many digits, in any of the three formats
        if isinstance(exc, FixtureError):
            raise
        raise FixtureError(
            f"a value cannot be read: {str(exc)[:120]} (numbers in a fixture are small)",
            source=source,
        ) from None


def _parse(text: str, ext: str, source: str) -> object:
    if ext == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise FixtureError(
                f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}", source=source
            ) from None
    if ext == ".toml":
        import sys

        toml: Any = importlib.import_module("tomllib" if sys.version_info >= (3, 11) else "tomli")
        try:
            return toml.loads(text)
        except toml.TOMLDecodeError as exc:
            raise FixtureError(f"invalid TOML: {exc}", source=source) from None
    try:
        import yaml
    except ImportError:
        raise FixtureError(
            "reading YAML fixtures needs PyYAML, which is not installed: pip install PyYAML "
            "(or pip install 'rekostub[yaml]'), or write the fixture as .json or .toml",
            source=source,
        ) from None
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = exc.problem or exc.context or "syntax error"
        raise FixtureError(f"invalid YAML{where}: {problem}", source=source) from None
    except yaml.YAMLError as exc:
        raise FixtureError(f"invalid YAML: {exc}", source=source) from None
