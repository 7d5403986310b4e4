"""Java regular expressions for ``re``: a model's ``pattern`` translated (``\\p{..}`` to explicit
code-point ranges built once from :mod:`unicodedata`, Java's ``.``, ``\\Q..\\E``, ``\\z``,
``\\x{h}``) and compiled once, lazily, with ASCII ``\\d \\w \\s``; ``compile_java_pattern`` is
the public entry, ``_LazyPattern`` what string nodes hold.
"""

from __future__ import annotations

import re
import sys
import threading
import unicodedata
from itertools import groupby
from typing import Callable, NoReturn, Optional

# --------------------------------------------------------------------------- Java patterns


class _LazyPattern:
    """A model pattern, translated and compiled on first use; ``None`` if it cannot be."""

    __slots__ = ("compiled", "linear", "loaded", "source")

    def __init__(self, source: str) -> None:
        self.source = source
        self.compiled: Optional[re.Pattern[str]] = None
        self.linear: Optional[Callable[[str], bool]] = None
        self.loaded = False

    def matches(self, value: str) -> bool:
        if not self.loaded:
            self.linear = LINEAR_FORMS.get(self.source)
            self.compiled = _compile_pattern_or_none(self.source)
            self.loaded = True
        if self.linear is not None:
            return self.linear(value)
        return self.compiled is None or self.compiled.fullmatch(value) is not None


# --------------------------------------------------------------------------- linear forms
# Python's backtracking ``re`` takes time quadratic in the value's length for a few model
# patterns (``.*`` before and after a single character, ``.*`` before a long tail). Each has an
# equivalent here that runs in linear time; a test checks each against the translated pattern on
# generated values, and tests/bench/bench_hostile.py times every pattern of the model.

_LINE_END = "\n\r\x85\u2028\u2029"  # what Java's ``.`` does not match
# ``.*\S.*``: optional non-breaking ASCII blanks, then either one of the three non-ASCII line
# terminators (``\S`` matches them, ``.`` does not) or another non-blank, then no line end but at
# most one such terminator. Every step is deterministic, so ``re`` never backtracks far.
_SOME_NON_BLANK = re.compile(
    f"[\\t\\x0b\\x0c ]*(?:[\\x85\\u2028\\u2029][^{_LINE_END}]*"
    f"|[^\\s\\x85\\u2028\\u2029][^{_LINE_END}]*(?:[\\x85\\u2028\\u2029][^{_LINE_END}]*)?)",
    re.ASCII,
)
_ANY_LINE_END = re.compile(f"[{_LINE_END}]")
_SNS_TAIL = re.compile(r":\w{12}:.", re.ASCII)
_SNS_PREFIX = "arn:aws:sns:"


def _sns_topic_arn(value: str) -> bool:
    """``(^arn:aws:sns:.*:\\w{12}:.+$)``: the prefix, no line end, and somewhere after it a
    colon, 12 word characters, a colon and at least one more character."""
    return (
        value.startswith(_SNS_PREFIX)
        and _ANY_LINE_END.search(value) is None
        and _SNS_TAIL.search(value, len(_SNS_PREFIX)) is not None
    )


def _some_non_blank(value: str) -> bool:
    return _SOME_NON_BLANK.fullmatch(value) is not None


_HUMAN_LOOP = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")

#: Model pattern -> a function deciding the same full match in time linear in the value.
LINEAR_FORMS: dict[str, Callable[[str], bool]] = {
    ".*\\S.*": _some_non_blank,
    "(^arn:aws:sns:.*:\\w{12}:.+$)": _sns_topic_arn,
    "^[a-z0-9](-*[a-z0-9])*": lambda value: _HUMAN_LOOP.fullmatch(value) is not None,
}


_PATTERNS: dict[str, Optional[re.Pattern[str]]] = {}


def _compile_pattern_or_none(source: str) -> Optional[re.Pattern[str]]:
    if source not in _PATTERNS:
        try:
            _PATTERNS[source] = compile_java_pattern(source)
        except (re.error, ValueError):
            _PATTERNS[source] = None
    return _PATTERNS[source]


def compile_java_pattern(source: str) -> re.Pattern[str]:
    """Compile a Java regular expression (as the model writes it) for ``re.fullmatch``.

    Raises ``re.error`` or ``ValueError`` for what cannot be translated.
    """
    return re.compile(_translate_java(source), re.ASCII)


_DOT = r"[^\n\r\x85\u2028\u2029]"
_CATEGORY_RUNS: dict[str, list[tuple[int, int]]] = {}
_CATEGORY_LOCK = threading.Lock()
_POSIX: dict[str, list[tuple[int, int]]] = {
    "Lower": [(0x61, 0x7A)],
    "Upper": [(0x41, 0x5A)],
    "ASCII": [(0x00, 0x7F)],
    "Alpha": [(0x41, 0x5A), (0x61, 0x7A)],
    "Digit": [(0x30, 0x39)],
    "Alnum": [(0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A)],
    "Punct": [(0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E)],
    "Graph": [(0x21, 0x7E)],
    "Print": [(0x20, 0x7E)],
    "Blank": [(0x09, 0x09), (0x20, 0x20)],
    "Cntrl": [(0x00, 0x1F), (0x7F, 0x7F)],
    "XDigit": [(0x30, 0x39), (0x41, 0x46), (0x61, 0x66)],
    "Space": [(0x09, 0x0D), (0x20, 0x20)],
}


def _category_runs() -> dict[str, list[tuple[int, int]]]:
    """Code-point ranges of every Unicode general category (built once, on first need)."""
    if not _CATEGORY_RUNS:
        with _CATEGORY_LOCK:
            if not _CATEGORY_RUNS:
                runs: dict[str, list[tuple[int, int]]] = {}
                start = 0
                chars = map(chr, range(sys.maxunicode + 1))
                for category, group in groupby(map(unicodedata.category, chars)):
                    length = sum(1 for _ in group)
                    runs.setdefault(category, []).append((start, start + length - 1))
                    start += length
                _CATEGORY_RUNS.update(runs)
    return _CATEGORY_RUNS


def _property_ranges(name: str) -> list[tuple[int, int]]:
    """The code points of a Java ``\\p{name}``."""
    if name in _POSIX:
        return _POSIX[name]
    for prefix in ("general_category=", "gc=", "Is"):
        if name.startswith(prefix) and len(name) > len(prefix):
            name = name[len(prefix) :]
            break
    if len(name) in (1, 2) and name[0] in "LMNPSZC":
        runs = _category_runs()
        picked = [r for cat, rs in runs.items() if cat.startswith(name) for r in rs]
        if picked:
            return _merge(picked)
    raise ValueError(f"unsupported Java character property \\p{{{name}}}")


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted(ranges):
        if merged and lo <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return merged


def _complement(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    nxt = 0
    for lo, hi in _merge(ranges):
        if lo > nxt:
            out.append((nxt, lo - 1))
        nxt = hi + 1
    if nxt <= sys.maxunicode:
        out.append((nxt, sys.maxunicode))
    return out


def _class_body(ranges: list[tuple[int, int]]) -> str:
    return "".join(f"\\U{lo:08x}" if lo == hi else f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in ranges)


def _fail(source: str, why: str) -> NoReturn:
    raise ValueError(f"cannot translate Java pattern {source!r}: {why}")


def _translate_java(source: str) -> str:
    """The few Java-only regex constructs, rewritten for Python's ``re``."""
    out: list[str] = []
    i, n = 0, len(source)
    in_class = False
    while i < n:
        c = source[i]
        if c == "\\":
            if i + 1 >= n:
                _fail(source, "trailing backslash")
            d = source[i + 1]
            if d in "pP":
                if source[i + 2 : i + 3] == "{":
                    end = source.find("}", i + 3)
                    if end < 0:
                        _fail(source, "unclosed \\p{")
                    name, i = source[i + 3 : end], end + 1
                else:
                    name, i = source[i + 2 : i + 3], i + 3
                ranges = _property_ranges(name)
                if d == "P":
                    ranges = _complement(ranges)
                body = _class_body(ranges)
                out.append(body if in_class else f"[{body}]")
                continue
            if d == "Q":
                end = source.find("\\E", i + 2)
                literal = source[i + 2 : end if end >= 0 else n]
                out.append(re.escape(literal))
                i = end + 2 if end >= 0 else n
                continue
            if d == "x" and source[i + 2 : i + 3] == "{":
                end = source.find("}", i + 3)
                if end < 0:
                    _fail(source, "unclosed \\x{")
                out.append(f"\\U{int(source[i + 3 : end], 16):08x}")
                i = end + 1
                continue
            if not in_class and d == "z":
                out.append(r"\Z")
            elif not in_class and d == "Z":
                out.append(r"(?=[\n\r\x85\u2028\u2029]?\Z)")
            else:
                out.append(source[i : i + 2])
            i += 2
            continue
        if in_class:
            if c == "[":
                _fail(source, "nested character classes")
            if c == "&" and source[i + 1 : i + 2] == "&":
                _fail(source, "character class intersection")
            if c == "]":
                in_class = False
            elif c in "-~|" and source[i + 1 : i + 2] == c:
                out.append("\\" + c)
                i += 1
                continue
            out.append(c)
            i += 1
            continue
        if c == "[":
            in_class = True
            out.append("[")
            i += 1
            if source[i : i + 1] == "^":
                out.append("^")
                i += 1
            continue
        out.append(_DOT if c == "." else c)
        i += 1
    return "".join(out)
