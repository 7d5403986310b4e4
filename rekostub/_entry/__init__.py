"""The ways in: how a Rekognition request reaches the fake -- ``stub()``, the pytest plugin,
``REKOSTUB_FIXTURE`` at process start-up, and the client hooks they share.

May import: every other subpackage (``rekostub._wire``, ``rekostub._service``, ...), never the
reverse.
"""
