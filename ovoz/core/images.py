"""Uploaded photos: checked by content, size-limited, re-encoded so no metadata survives.

A photo costs memory only once decoded, and a few hundred bytes can declare billions of pixels: the
dimensions are read from the file's header and checked before anything is decoded. JPEG, what phones
take, is decoded already scaled down (``draft``: the decoder skips detail the stored copy would not
keep), so a 24-megapixel photo costs about 18 MB; PNG and WebP have no such mode and are decoded whole,
so their cap is lower. At most ``CONCURRENT_DECODES`` photos are decoded at once per process, whatever
the number of server threads, so the memory that photos can take is bounded per process.
"""

from __future__ import annotations

import contextlib
import io
import logging
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# JPEG: the 12 to 16 megapixels most phones take, and 24 for the larger ones (decoded at half scale or less).
MAX_PIXELS = 24_000_000
# PNG and WebP (screenshots, mostly) are decoded whole: 12 megapixels are 48 MB with an alpha channel.
MAX_PIXELS_DECODED_WHOLE = 12_000_000
MAX_SIDE = 2048
CONCURRENT_DECODES = 2
_decoding = threading.BoundedSemaphore(CONCURRENT_DECODES)
# Pillow's own guard, for any image opened anywhere in the process: it refuses twice this outright.
# Its warning between once and twice is noise here: such a photo is refused before it is decoded.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
warnings.simplefilter("ignore", Image.DecompressionBombWarning)
ACCEPTED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


UNREADABLE = _("This file is not a photo Ovoz can read (JPEG, PNG or WebP).")


class ImageRejected(Exception):
    def __init__(self, message: object) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class CleanImage:
    content: bytes
    content_type: str
    extension: str
    width: int
    height: int


def too_large() -> ImageRejected:
    return ImageRejected(_("A photo can be at most 5 MB."))


def image_clean(data: bytes) -> CleanImage:
    """Re-encode an uploaded photo as JPEG or PNG without EXIF, GPS or any other metadata.

    Only the decoded pixels are kept: whatever else the file carries (metadata, a script in a text
    chunk, an archive or a page appended after the image) is gone from the new file.
    """
    if len(data) > MAX_UPLOAD_BYTES:
        raise too_large()
    with _pillow_quiet():
        return _clean(data)


@contextlib.contextmanager
def _pillow_quiet() -> Iterator[None]:
    """Pillow's DEBUG lines quote the EXIF it parses (a description, GPS coordinates): even where an
    operator turned on DEBUG logging everywhere, they never reach a log while Ovoz reads a photo."""
    names = ["PIL", *(name for name in list(logging.Logger.manager.loggerDict) if name.startswith("PIL."))]
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _pixel_cap(image_format: str | None) -> int:
    return MAX_PIXELS if image_format == "JPEG" else MAX_PIXELS_DECODED_WHOLE


def _target_size(width: int, height: int) -> tuple[int, int]:
    """The size the stored copy will have: within MAX_SIDE, keeping the proportions."""
    scale = min(1.0, MAX_SIDE / max(width, height, 1))
    return max(1, int(width * scale)), max(1, int(height * scale))


def _clean(data: bytes) -> CleanImage:
    try:
        # Image.open reads only the header: nothing is decoded before the format and size are known.
        with Image.open(io.BytesIO(data)) as probe:
            image_format = probe.format
            if image_format not in ACCEPTED_FORMATS:
                raise ImageRejected(_("Only JPEG, PNG or WebP photos can be attached."))
            if probe.width * probe.height > _pixel_cap(image_format):
                raise ImageRejected(_("This photo is too large in pixels."))
            probe.verify()
        with _decoding:
            image = Image.open(io.BytesIO(data))
            if image_format == "JPEG":
                image.draft("RGB", _target_size(image.width, image.height))  # decode at 1/2, 1/4 or 1/8 scale
            image.thumbnail((MAX_SIDE, MAX_SIDE))  # decodes, then scales down
            # Apply the camera's rotation before the metadata that carries it is dropped.
            rotated: Image.Image = ImageOps.exif_transpose(image) or image
            return _reencode(rotated)
    except ImageRejected:
        raise
    except Image.DecompressionBombError as error:  # a few bytes declaring billions of pixels
        raise ImageRejected(_("This photo is too large in pixels.")) from error
    except Exception as error:  # corrupt files fail in many ways (struct.error in EXIF, ValueError, ...)
        raise ImageRejected(UNREADABLE) from error


def _reencode(image: Image.Image) -> CleanImage:
    """Only the pixels, in a new file: JPEG, or PNG where there is transparency to keep."""
    has_alpha = image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info)
    clean = Image.new("RGBA" if has_alpha else "RGB", image.size)
    clean.paste(image.convert(clean.mode))
    output = io.BytesIO()
    if has_alpha:
        clean.save(output, format="PNG", optimize=True)
        return CleanImage(output.getvalue(), "image/png", "png", clean.width, clean.height)
    clean.save(output, format="JPEG", quality=85, optimize=True)
    return CleanImage(output.getvalue(), "image/jpeg", "jpg", clean.width, clean.height)
