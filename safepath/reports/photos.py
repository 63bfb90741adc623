"""Photo intake: images only, size-limited, re-encoded so no metadata (GPS included) survives.

Re-encoding from pixels is the only reliable way to drop every kind of metadata (EXIF, XMP,
IPTC, maker notes, comments, colour profiles that name a device): nothing is copied over but
the pixels, turned upright first so the picture still looks right.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF", "BMP"})
MAX_PIXELS = 40_000_000  # refuse decompression bombs well before they cost memory
MAX_SIDE = 2000  # plenty for a responder to see a face, a plate or a document


class NotAnImage(ValueError):
    """The upload is not a picture we can read."""


@dataclass(frozen=True)
class CleanPhoto:
    data: bytes  # JPEG, no metadata
    width: int
    height: int


def clean_photo(raw: bytes) -> CleanPhoto:
    from PIL import (
        Image,
        ImageOps,
    )  # imported when used: a server holds it only then

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as probe:
                if probe.format not in ACCEPTED_FORMATS:
                    raise NotAnImage(probe.format)
                if probe.width * probe.height > MAX_PIXELS:
                    raise NotAnImage("too many pixels")
                probe.verify()
            with Image.open(io.BytesIO(raw)) as image:
                image.load()
                upright = ImageOps.exif_transpose(image) or image
                pixels = upright.convert("RGB")
    except NotAnImage:
        raise
    except Exception as error:  # Pillow raises many kinds for broken or hostile files
        raise NotAnImage(str(error)) from error
    pixels.thumbnail((MAX_SIDE, MAX_SIDE))
    # A fresh image from the pixels alone: no info dict, no EXIF, no ICC profile carried over.
    bare = Image.new("RGB", pixels.size)
    bare.paste(pixels)
    out = io.BytesIO()
    bare.save(out, format="JPEG", quality=85, optimize=True)
    return CleanPhoto(data=out.getvalue(), width=bare.width, height=bare.height)
