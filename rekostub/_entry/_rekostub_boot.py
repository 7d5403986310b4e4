"""Start rekostub in a process whose environment has ``REKOSTUB_FIXTURE``.

Installed as a top-level module (next to ``rekostub_autostart.pth``) on purpose: if the
``rekostub`` package itself cannot be imported, this still blocks every Rekognition call, so a
broken install never lets a request reach AWS. Python's ``site`` runs the ``.pth`` line at
start-up; with the variable unset it costs one dictionary look-up.
"""

import os
import sys


def start() -> None:
    path = os.environ.get("REKOSTUB_FIXTURE")
    if not path:
        return
    try:
        from rekostub._entry.autostart import start_from_environment

        start_from_environment(path)
    except BaseException as exc:  # any failure must block, never pass through
        _block(f"rekostub could not start (REKOSTUB_FIXTURE={path!r}): {type(exc).__name__}: {exc}")


def _block(reason: str) -> None:
    message = (
        f"{reason}. Every Rekognition call in this process is refused so that none reaches AWS."
    )
    sys.stderr.write(f"rekostub: {message}\n")
    try:
        import botocore.session
    except BaseException:  # no botocore: no Rekognition client can exist
        return

    def refuse(**_: object) -> None:
        raise RuntimeError(message)

    original = botocore.session.Session.create_client

    def create_client(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        client = original(self, *args, **kwargs)
        if client.meta.service_model.service_name == "rekognition":
            client.meta.events.register_first("before-call.rekognition", refuse)
            client.meta.events.register_first("before-send.rekognition", refuse)
        return client

    botocore.session.Session.create_client = create_client
