"""rekostub's version (also ``rekostub.__version__``; pyproject.toml declares the same)."""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
