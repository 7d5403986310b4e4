"""Server mode: the fake behind a real HTTP endpoint, for every SDK and the AWS CLI.

``rekostub serve`` and :func:`rekostub.serve` answer Rekognition's JSON 1.1 protocol through
the same wire core as the in-process hook, plus a control API under ``/_rekostub/``.
May import: every lower subpackage (``rekostub._wire``, ``rekostub._service``,
``rekostub._fixtures``, ``rekostub._common``, ...). It shares a layer with ``rekostub._entry``,
whose pytest plugin imports it, so it does not import ``rekostub._entry`` back.
"""
