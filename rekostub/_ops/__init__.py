"""The emulated operations, one module per family; importing this registers them all.

Every public submodule (``search``, ``collections``, ``users``, ``faces``, ``images``) defines
plain functions ``(state, params, ctx) -> response`` registered with ``@operation("Name")``.
"""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_module.name}")
