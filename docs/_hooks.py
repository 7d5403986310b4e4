"""mkdocs hook: Sphinx cross-reference roles in docstrings read as plain code in the site.

The package's docstrings use reST roles (``:func:`stub```); mkdocstrings renders the name as
code and leaves the role in front of it (``:func:<code>stub</code>``). This drops the role.
"""

from __future__ import annotations

import re
from typing import Any

_ROLE = re.compile(r":(?:func|meth|class|mod|data|attr|exc|obj):(?=<code>)")


def on_page_content(html: str, **_: Any) -> str:
    return _ROLE.sub("", html)
