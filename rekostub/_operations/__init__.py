"""The operations: one module per family of Rekognition operations, each operation in one place.

Each operation is a plain function ``(state, params, ctx) -> response`` registered with
``@operation("Name")`` (``registry``); importing this package registers them all. Operations
know nothing of HTTP: they take validated parameters and return a response dict or raise
``ServiceError``.

May import: ``rekostub._images``, ``rekostub._fixtures``, ``rekostub._engine``,
``rekostub._common``.
"""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
