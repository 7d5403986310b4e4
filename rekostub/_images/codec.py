"""Images that carry their faces in their pixels.

rekostub has no face model. Instead, :func:`face_image` draws every face as a visual code
that fills the face's bounding box, and :func:`read_faces` finds and reads the codes back
from whatever image arrives -- the original PNG, a JPEG re-encoding of it, or a crop of one
face box (re-saved as JPEG/PNG, resized, converted to grayscale), which is what
``DetectFaces`` -> crop -> ``SearchUsersByImage`` pipelines such as AWS's
``rekognition-user-vectors`` sample do.

Code layout
-----------
A face box is divided, along each axis, into 13 equal *units* (boxes need not be square;
units are then rectangles). Edge ``k`` of a box [x0, x1) is pixel
``floor(x0 + k * (x1 - x0) / 13 + 0.5)``::

    | 0.5 margin | 1 finder ring | 10 data cells | 1 finder ring | 0.5 margin |

* **margin** -- a neutral light band (``MARGIN_COLOR`` = 248 gray; the image background
  outside the boxes is ``BACKGROUND`` = 236 gray). It keeps neighbouring codes apart
  (touching boxes are fine) and means a crop that is a pixel or two off the box still
  contains the whole ring. In lossless images its extent also settles the exact box.
* **finder ring** -- a solid frame of ``FINDER`` = RGB(232, 56, 216): a saturated magenta
  whose luminance (Y = 0.299 R + 0.587 G + 0.114 B = 127) is mid-gray, halfway between
  the black and white data cells. In colour images it is found by its chroma; in grayscale
  images (or when the colour search finds nothing) by its mid-gray luminance.
* **data** -- 10 x 10 cells, black (bit 1) or white (bit 0), read row by row, left to right.
  The 100 bits, most significant first, after XOR with a fixed whitening pattern
  (SHA-256 of ``b"rekostub face code v1"``), are::

      version 4 (0b1011) | seed 48 | similarity 11 | brightness 7 | sharpness 7
      | index 7 | CRC-16/CCITT-FALSE 16 (over the first 84 bits, zero-padded to 11 bytes)

  ``similarity`` is round(S * 10) for a pinned similarity S in [0, 100], or 2047 when not
  pinned; ``brightness``/``sharpness`` are rounded to integers 0..100 (a face given
  without them carries ``DEFAULT_QUALITY`` = (90, 90)); ``index`` is the
  face's position in the :func:`face_image` call (0..99). A face whose CRC, version or
  field ranges do not check out is ignored.

Reading
-------
1. Decode: PNG with the pure zlib+numpy reader of :mod:`rekostub._images.png`; JPEG with Pillow
   (optional; without it :class:`ImageDecodeError` names ``pip install Pillow``).
2. Mask the finder pixels -- colour images: |R - G - 176| < 64 and |B - G - 160| < 64;
   grayscale images (decoded as gray, or with colour in at most 2 % of the pixels) and
   only when the colour search found nothing: |Y - 127| < 30 -- close gaps of <= 2 px
   (JPEG chroma can crack a thin ring), then split the mask into horizontal runs of >= 2
   pixels and join runs that overlap in adjacent rows into
   connected components (vectorised union-find; no scipy).
3. For each component that is ring-shaped (bounding box >= 20 px a side, 12-65 % of it
   filled): the *inner* edges of the ring are where the column/row profiles of the mask
   drop below 50 %. The inner rectangle is the data grid; each cell is sampled as the
   mean luminance of its central 40 % x 40 %, thresholded by 2-means between the dark and
   light samples. Using the inner edges makes reading independent of the ring's outer edge,
   which a tight crop may cut.
4. The reported box is the inner rectangle grown by 1.5 units on every side (that is the
   box :func:`face_image` was given), clipped to the image, as ratios of this image:
   within about a pixel after JPEG or resizing. In a lossless image, the integer pixel
   box whose drawing reproduces exactly the ring edges, the cell edges and the margin band
   seen is reported instead: the very box face_image drew.

Faces come back in their ``face_image`` order (the encoded index), ties by size, largest
first. With the default layout that order is also largest first.

Sizes
-----
A face box must be at least ``MIN_FACE_PX`` = 48 px wide and high (about 3.7 px per
cell): enough for lossless PNG and JPEG of the whole image. Boxes of 96 px or more (64 px
in our measurements) survive JPEG q75, cropping the box (+-2 px), resizing the crop by
0.8x..1.25x with any Pillow filter, and grayscale conversion.

Default layout (faces without a ``box``)
----------------------------------------
Square faces, left to right in rows of at most 10, top-aligned, 16 px apart and 16 px
from the image edge. Sizes strictly decrease in argument order: face ``k`` of ``n`` is
``128 + step * (n - 1 - k)`` px with ``step = max(1, 64 // n)`` -- one face is 128 px;
three are 170, 149 and 128 px. So the first face is the largest and the last is the
smallest. With ``size=`` the whole layout (padding included) is scaled to fit that size
and centred. With explicit boxes and no ``size``, the image is made just big enough for
the narrowest box to be 128 px wide and the lowest 128 px high.
"""

from __future__ import annotations

from rekostub._images.code import BACKGROUND as BACKGROUND
from rekostub._images.code import DEFAULT_QUALITY, MAX_FACES, MIN_FACE_PX
from rekostub._images.code import FINDER as FINDER
from rekostub._images.draw import face_image
from rekostub._images.read import ImageDecodeError, ImageFace, image_format, read_faces

__all__ = [
    "DEFAULT_QUALITY",
    "MAX_FACES",
    "MIN_FACE_PX",
    "ImageDecodeError",
    "ImageFace",
    "face_image",
    "image_format",
    "read_faces",
]
