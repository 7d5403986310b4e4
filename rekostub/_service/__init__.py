"""The fake service: a fake built from a fixture, fault injection, validation then dispatch to
the operations, the call log, scripted answers and snapshots. Knows nothing of HTTP.

May import: ``rekostub._operations``, ``rekostub._validation``, ``rekostub._images``,
``rekostub._fixtures``, ``rekostub._engine``, ``rekostub._common``.
"""
