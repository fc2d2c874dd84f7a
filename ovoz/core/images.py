"""Uploaded photos: checked by content, size-limited, re-encoded so no metadata survives."""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_SIDE = 2048
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


def _clean(data: bytes) -> CleanImage:
    try:
        with Image.open(io.BytesIO(data)) as probe:
            image_format = probe.format
            probe.verify()
        if image_format not in ACCEPTED_FORMATS:
            raise ImageRejected(_("Only JPEG, PNG or WebP photos can be attached."))
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_PIXELS:
            raise ImageRejected(_("This photo is too large in pixels."))
        image.load()
        # Apply the camera's rotation before the metadata that carries it is dropped.
        rotated: Image.Image = ImageOps.exif_transpose(image) or image
    except ImageRejected:
        raise
    except Image.DecompressionBombError as error:  # a few bytes declaring billions of pixels
        raise ImageRejected(_("This photo is too large in pixels.")) from error
    except Exception as error:  # corrupt files fail in many ways (struct.error in EXIF, ValueError, ...)
        raise ImageRejected(UNREADABLE) from error
    rotated.thumbnail((MAX_SIDE, MAX_SIDE))
    has_alpha = rotated.mode in ("RGBA", "LA") or (rotated.mode == "P" and "transparency" in rotated.info)
    clean = Image.new("RGBA" if has_alpha else "RGB", rotated.size)
    clean.paste(rotated.convert(clean.mode))
    output = io.BytesIO()
    if has_alpha:
        clean.save(output, format="PNG", optimize=True)
        return CleanImage(output.getvalue(), "image/png", "png", clean.width, clean.height)
    clean.save(output, format="JPEG", quality=85, optimize=True)
    return CleanImage(output.getvalue(), "image/jpeg", "jpg", clean.width, clean.height)
