"""Start rekostub in a process whose environment has ``REKOSTUB_FIXTURE``.

Installed as a top-level module (next to ``rekostub_autostart.pth``) on purpose: if the
``rekostub`` package itself cannot be imported, this still blocks every Rekognition call, so a
broken install never lets a request reach AWS. Python's ``site`` runs the ``.pth`` line at
start-up; with the variable unset it costs one dictionary look-up.

With the variable set, start-up stays cheap: the path is made absolute and exported to children,
and a finder on ``sys.meta_path`` waits for ``botocore.client`` to be imported. Once it is, its
``BaseClient.__init__`` (which every client runs, botocore's and aiobotocore's) is wrapped: the
first Rekognition client built imports rekostub, which answers it and every later one. A
process that never imports botocore never imports rekostub, numpy or botocore.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # not typing's: importing typing would cost start-up time
if TYPE_CHECKING:
    from typing import Any

_WATCHED = "botocore.client"
# Marks our finder and wrapper: a venv's lib64 -> lib link makes site run the .pth line twice.
_MARK = "_rekostub_boot"


def start() -> None:
    # pytest marks every module of an installed plugin's distribution for assertion rewriting and
    # warns about one already imported (an error under ``filterwarnings = error``). Nothing
    # imports this module by name again; its functions keep their globals alive.
    sys.modules.pop(__name__, None)
    path = os.environ.get("REKOSTUB_FIXTURE")
    if not path or _already_started():
        return
    try:
        # Resolved now, before the program can change directory; children inherit it resolved.
        path = os.path.abspath(path)
        os.environ["REKOSTUB_FIXTURE"] = path
        module = sys.modules.get(_WATCHED)
        if module is not None:
            _watch(module, path)
        else:
            sys.meta_path.insert(0, _Finder(path))
    except BaseException as exc:  # any failure must block, never pass through
        _block(f"rekostub could not start (REKOSTUB_FIXTURE={path!r}): {type(exc).__name__}: {exc}")


def _already_started() -> bool:
    if any(getattr(finder, _MARK, False) for finder in sys.meta_path):
        return True
    module = sys.modules.get(_WATCHED)
    return module is not None and getattr(module.BaseClient.__init__, _MARK, False)


class _Finder:
    """Finds nothing itself: lets ``botocore.client`` load as usual, then runs ``_watch``."""

    _rekostub_boot = True

    def __init__(self, path: str) -> None:
        self.path = path
        self.busy = False

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name != _WATCHED or self.busy:
            return None
        self.busy = True
        try:
            for finder in sys.meta_path:
                find = getattr(finder, "find_spec", None)
                spec = None if finder is self or find is None else find(name, path, target)
                if spec is not None:
                    break
            else:
                return None
        finally:
            self.busy = False
        if spec.loader is None or not hasattr(spec.loader, "exec_module"):
            # Fail closed: botocore without rekostub's hook must not load at all.
            raise ImportError(
                f"rekostub cannot watch {name} loaded by {spec.loader!r} (REKOSTUB_FIXTURE is "
                "set): unset REKOSTUB_FIXTURE, or install botocore as ordinary files"
            )
        spec.loader = _ThenWatch(spec.loader, self)
        return spec


class _ThenWatch:
    """A loader that runs the real one, then hands the loaded module to ``_watch``."""

    def __init__(self, loader: Any, finder: _Finder) -> None:
        self.loader = loader
        self.finder = finder

    def create_module(self, spec: Any) -> Any:
        return self.loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        self.loader.exec_module(module)
        module.__loader__ = module.__spec__.loader = self.loader
        if self.finder in sys.meta_path:
            sys.meta_path.remove(self.finder)
        _watch(module, self.finder.path)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.loader, name)


def _watch(client_module: Any, path: str) -> None:
    """Wrap ``BaseClient.__init__``: the first Rekognition client built starts rekostub."""
    base = client_module.BaseClient
    original = base.__init__
    started: list[bool] = []

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        if not started and _is_rekognition(self):
            started.append(True)
            _start_with(self, path)

    setattr(__init__, _MARK, True)
    base.__init__ = __init__


def _is_rekognition(client: Any) -> bool:
    model = getattr(getattr(client, "meta", None), "service_model", None)
    return getattr(model, "service_name", None) == "rekognition"


def _start_with(client: Any, path: str) -> None:
    try:
        from rekostub._entry.activation import hook_client
        from rekostub._entry.autostart import start_from_environment

        start_from_environment(path)
        hook_client(client)  # built before rekostub's own hook was installed
    except BaseException as exc:  # any failure must block, never pass through
        _block(
            f"rekostub could not start (REKOSTUB_FIXTURE={path!r}): {type(exc).__name__}: {exc}",
            client,
        )


def _block(reason: str, client: Any = None) -> None:
    """Refuse every Rekognition call of this process: ``client``'s and every later client's."""
    message = (
        f"{reason}. Every Rekognition call in this process is refused so that none reaches AWS."
    )
    sys.stderr.write(f"rekostub: {message}\n")

    def refuse(**_: Any) -> None:
        raise RuntimeError(message)

    def refuse_calls_of(c: Any) -> None:
        c.meta.events.register_first("before-call.rekognition", refuse)
        c.meta.events.register_first("before-send.rekognition", refuse)

    if client is not None:
        refuse_calls_of(client)
    try:
        import botocore.client
    except BaseException:  # no botocore: no Rekognition client can exist
        return
    base = botocore.client.BaseClient
    original = base.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        if _is_rekognition(self):
            refuse_calls_of(self)

    base.__init__ = __init__
