"""Attachments: checked by content, stripped of metadata, encrypted in the attachment store."""

from __future__ import annotations

import io
import logging
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError

from tipline.services.crypto import decrypt, encrypt

# Pillow logs EXIF tag values (camera, GPS position) at DEBUG while decoding: never let them reach a log.
logging.getLogger("PIL").setLevel(logging.INFO)

IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
MAX_PIXELS = 40_000_000


class UploadRejected(ValueError):
    """An upload that is not an allowed file; args[0] is a message key for the user."""


@dataclass(frozen=True)
class CleanFile:
    """An upload after checking and metadata stripping, ready to store."""

    content: bytes
    content_type: str


def _clean_image(data: bytes) -> CleanFile:
    """Re-encode an image from its pixels only, so EXIF, GPS, XMP and comments are gone."""
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt = img.format
            if fmt not in IMAGE_FORMATS:
                raise UploadRejected("type")
            img.load()
            img = ImageOps.exif_transpose(img)  # keep the visible orientation, drop the tag
            if img.mode not in ("RGB", "RGBA", "L", "LA"):
                img = img.convert("RGBA" if "A" in img.getbands() else "RGB")
            pixels = Image.new(img.mode, img.size)
            pixels.paste(img)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError) as exc:
        raise UploadRejected("type") from exc
    out = io.BytesIO()
    if fmt == "JPEG" and pixels.mode not in ("RGB", "L"):
        pixels = pixels.convert("RGB")
    pixels.save(out, format=fmt, **({"quality": 90} if fmt in ("JPEG", "WEBP") else {}))
    return CleanFile(out.getvalue(), IMAGE_FORMATS[fmt])


def _clean_pdf(data: bytes) -> CleanFile:
    """Copy a PDF's pages into a new document without its info dictionary or XMP metadata."""
    from pypdf import PdfReader, PdfWriter  # imported on first PDF: it weighs 14 MB in every worker
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise UploadRejected("encrypted")
        writer = PdfWriter()
        for page in reader.pages:
            writer.add_page(page)
        writer.metadata = None
        out = io.BytesIO()
        writer.write(out)
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise UploadRejected("type") from exc
    return CleanFile(out.getvalue(), "application/pdf")


def clean(data: bytes) -> CleanFile:
    """Check an upload by its content (never its name) and strip its metadata."""
    if len(data) > current_app.config["MAX_ATTACHMENT_BYTES"]:
        raise UploadRejected("size")
    if not data:
        raise UploadRejected("empty")
    if data.startswith(b"%PDF-"):
        return _clean_pdf(data)
    return _clean_image(data)


def store_dir() -> Path:
    """Folder of the encrypted attachment store."""
    path = Path(current_app.config.get("ATTACHMENT_DIR") or Path(current_app.instance_path) / "attachments")
    path.mkdir(parents=True, exist_ok=True)
    return path


def save(content: bytes) -> str:
    """Encrypt and write a cleaned file; return its storage key."""
    key = secrets.token_hex(16)
    target = store_dir() / key
    tmp = target.with_suffix(".part")
    tmp.write_bytes(encrypt(content))
    tmp.replace(target)
    return key


def load(storage_key: str) -> bytes:
    """Read and decrypt a stored file."""
    if not storage_key.isalnum():
        raise FileNotFoundError(storage_key)
    return decrypt((store_dir() / storage_key).read_bytes())
