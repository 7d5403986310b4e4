"""``python -m rekostub``: the command line (commands in :mod:`rekostub._entry.cli`)."""

from __future__ import annotations

import sys

from rekostub._entry.cli import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
