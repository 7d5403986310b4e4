"""Fixtures: reading, checking and caching the files and dicts a fake starts from.

May import: ``rekostub._engine``, ``rekostub._common``.
"""
