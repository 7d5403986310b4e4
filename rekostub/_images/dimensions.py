"""An image's width and height from its header, without decoding its pixels.

PNG: the IHDR chunk that must come first. JPEG: the first start-of-frame (SOFn) segment,
found by walking the segments before the entropy-coded data. Both cost a few microseconds,
so every image a request carries is checked, whoever describes its faces.
"""

from __future__ import annotations

import struct
from typing import Optional

__all__ = ["MIN_IMAGE_SIDE", "image_size"]

#: The smallest width and height Rekognition accepts (Developer Guide, quotas: 80 pixels).
MIN_IMAGE_SIDE = 80

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# SOF0-SOF15 carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not.
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# Markers without a length field: TEM and RST0-7 (SOI/EOI are handled by the walk).
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})


def image_size(data: bytes) -> Optional[tuple[int, int]]:
    """``(width, height)`` of a PNG or JPEG image, or None if its header cannot say."""
    if data.startswith(_PNG_SIGNATURE):
        if len(data) < 24 or data[12:16] != b"IHDR":
            return None
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    return None


def _jpeg_size(data: bytes) -> Optional[tuple[int, int]]:
    pos = 2
    end = len(data)
    while pos + 4 <= end:
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in _STANDALONE:
            pos += 2
            continue
        if marker in (0xD9, 0xDA):  # EOI, or the scan began before any frame header
            return None
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if marker in _SOF:
            if pos + 9 > end:
                return None
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return int(width), int(height)
        pos += 2 + length
    return None
