"""Images: faces drawn as pixel codes, PNG/JPEG decoding, face details, and which faces an
image shows (a fixture's ``images`` section, codes in the pixels, the undescribed policy).

May import: ``rekostub._fixtures``, ``rekostub._engine``, ``rekostub._common``.
"""
