"""The emulated operations, one module per family; importing this registers them all."""

from . import search  # noqa: F401
