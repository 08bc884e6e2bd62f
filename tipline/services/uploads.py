"""Attachments: checked by content, stripped of metadata, encrypted in the attachment store."""

from __future__ import annotations

import io
import logging
import secrets
import struct
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from PIL import Image, ImageOps

from tipline.services.crypto import decrypt, encrypt

# Pillow logs EXIF tag values (camera, GPS position) at DEBUG while decoding: never let them reach a log.
logging.getLogger("PIL").setLevel(logging.INFO)

IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
SAVED_AS = {"MPO": "JPEG"}  # many phones' cameras write multi-picture JPEGs: the main picture is kept
MAX_PDF_PAGES = 200  # a few kilobytes can describe a hundred thousand pages
# What Pillow raises on damaged or hostile files (a PNG header chunk cut short gives ValueError, for one).
DAMAGED_IMAGE = (
    Image.DecompressionBombError,
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    TypeError,
    struct.error,
)


class UploadRejected(ValueError):
    """An upload that is not an allowed file; args[0] is a message key for the user."""


@dataclass(frozen=True)
class CleanFile:
    """An upload after checking and metadata stripping, ready to store."""

    content: bytes
    content_type: str


def _open_image(data: bytes) -> Image.Image:
    """Open an image reading its header only (nothing is decoded): an allowed format within the pixel budget."""
    budget = current_app.config["MAX_UPLOAD_PIXELS"]
    Image.MAX_IMAGE_PIXELS = budget  # Pillow refuses twice this itself, before we could
    try:
        img = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise UploadRejected("pixels") from exc
    except DAMAGED_IMAGE as exc:
        raise UploadRejected("type") from exc
    refused = "type" if SAVED_AS.get(img.format, img.format) not in IMAGE_FORMATS else None
    refused = refused or ("pixels" if img.width * img.height > budget else None)
    if refused:
        img.close()
        raise UploadRejected(refused)
    return img


def _clean_image(data: bytes) -> CleanFile:
    """Re-encode an image from its pixels only, so EXIF, GPS, XMP and comments are gone; one decoded copy at a
    time (4 bytes a pixel), so a photo within the budget costs at most 4 bytes for each pixel of the budget."""
    try:
        with _open_image(data) as img:
            fmt = SAVED_AS.get(img.format, img.format)
            img.load()
            ImageOps.exif_transpose(img, in_place=True)  # keep the visible orientation, drop the tag
            pixels = img
            if pixels.mode not in ("RGB", "RGBA", "L", "LA"):
                pixels = pixels.convert("RGBA" if "A" in pixels.getbands() else "RGB")
            if fmt == "JPEG" and pixels.mode not in ("RGB", "L"):
                pixels = pixels.convert("RGB")
            pixels.info = {}  # what saving would copy from the original: comment, ICC profile, EXIF
            out = io.BytesIO()
            pixels.save(out, format=fmt, **({"quality": 90} if fmt in ("JPEG", "WEBP") else {}))
    except UploadRejected:
        raise
    except DAMAGED_IMAGE as exc:
        raise UploadRejected("type") from exc
    return CleanFile(out.getvalue(), IMAGE_FORMATS[fmt])


# JPEG segments that carry EXIF/GPS and XMP (APP1), IPTC (APP13), comments (COM) or vendor data; APP0 (JFIF),
# APP2 (ICC colour profile) and APP14 (Adobe colour transform) are needed to show the picture as it is.
_JPEG_PRIVATE = {0xE1, *range(0xE3, 0xEE), 0xEF, 0xFE}
# A page keeps what draws it; an annotation keeps what shows a note, a highlight or a drawing (no author, dates,
# appearance streams, which hold images, popups or links to other objects). No links, form widgets, attached files,
# sounds, movies, screens, 3D or rich media.
# fmt: off
_PAGE_KEPT = (
    "/Type", "/MediaBox", "/CropBox", "/BleedBox", "/TrimBox", "/ArtBox", "/Rotate", "/UserUnit", "/Resources",
    "/Contents", "/Group", "/Annots",
)
_ANNOTATION_KINDS = (
    "/Text", "/FreeText", "/Line", "/Square", "/Circle", "/Polygon", "/PolyLine", "/Highlight", "/Underline",
    "/Squiggly", "/StrikeOut", "/Stamp", "/Caret", "/Ink",
)
_ANNOTATION_KEPT = (
    "/Type", "/Subtype", "/Rect", "/Contents", "/F", "/C", "/IC", "/Border", "/BS", "/BE", "/CA", "/Name",
    "/Open", "/QuadPoints", "/InkList", "/Vertices", "/L", "/LE", "/DA", "/Q", "/RD", "/Subj",
)
# Then, anywhere below a page: actions and their triggers, scripts, forms (XFA too), attached files and metadata.
_ACTIVE_KEYS = {
    "/A", "/AA", "/OpenAction", "/JS", "/JavaScript", "/Names", "/EmbeddedFiles", "/EF", "/RF", "/AcroForm",
    "/XFA", "/URI", "/Next", "/Metadata", "/PieceInfo", "/LastModified", "/Thumb",
}
_ACTIONS = {
    "/GoTo", "/GoToR", "/GoToE", "/GoTo3DView", "/Launch", "/Thread", "/URI", "/Sound", "/Movie", "/Hide",
    "/Named", "/SubmitForm", "/ResetForm", "/ImportData", "/JavaScript", "/SetOCGState", "/Rendition", "/Trans",
    "/RichMediaExecute",
}
# fmt: on
_ACTIVE_TYPES = {"/Action", "/Filespec", "/EmbeddedFile", "/Catalog", "/Annot"}  # annotations live in /Annots only


def strip_jpeg_segments(data: bytes) -> bytes:
    """Return a JPEG stream without its metadata segments (no re-encoding: the pixels are untouched)."""
    if not data.startswith(b"\xff\xd8"):
        return data
    kept, i = [data[:2]], 2
    while i + 4 <= len(data) and data[i] == 0xFF and data[i + 1] != 0xDA:  # up to the start of scan
        end = i + 2 + int.from_bytes(data[i + 2 : i + 4], "big")
        if data[i + 1] not in _JPEG_PRIVATE:
            kept.append(data[i:end])
        i = end
    return b"".join(kept) + data[i:]


def _filters(obj) -> list[str]:
    """A stream's filters as a list (PDF allows one name or an array)."""
    found = obj.get("/Filter")
    return [] if found is None else [str(f) for f in found] if isinstance(found, list) else [str(found)]


def _is_active(value) -> bool:
    """Whether a PDF value is an action, a form field or widget, a file, a catalog or a stray annotation."""
    obj = value.get_object()
    return isinstance(obj, dict) and (
        obj.get("/S") in _ACTIONS
        or obj.get("/Type") in _ACTIVE_TYPES
        or obj.get("/Subtype") in ("/Widget", "/Link")
        or "/FT" in obj  # a form field
    )


def _strip_active(root, seen: set[int]) -> None:
    """Remove every active part and metadata below a PDF object, and strip photos' EXIF (no recursion: a deep
    file cannot exhaust the stack); a photo whose metadata cannot be reached is refused."""
    stack = [root]
    while stack:
        obj = stack.pop().get_object()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, dict):
            for key in list(obj):
                if key in _ACTIVE_KEYS or _is_active(obj[key]):
                    del obj[key]
                else:
                    stack.append(obj[key])
            if hasattr(obj, "get_data"):  # a stream
                _strip_photo(obj)
        elif isinstance(obj, list):
            obj[:] = [item for item in obj if not _is_active(item)]
            stack.extend(obj)


def _strip_photo(stream) -> None:
    """Strip the metadata segments of a JPEG stream; refuse one whose metadata cannot be reached."""
    filters = _filters(stream)
    if filters == ["/DCTDecode"]:  # the raw stream is the JPEG file (pypdf cannot re-encode it)
        stream._data = strip_jpeg_segments(stream._data)  # noqa: SLF001
    elif "/DCTDecode" in filters or "/JPXDecode" in filters:  # a JPEG behind another filter, or JPEG 2000:
        raise UploadRejected("unscrubbable")  # their metadata cannot be reached without re-encoding


def _clean_page(page, seen: set[int]):
    """Keep what draws a page and its plain notes and markings; strip everything active below them."""
    for key in [k for k in page if k not in _PAGE_KEPT]:
        del page[key]
    kept = []
    for ref in page.pop("/Annots", None) or []:
        annotation = ref.get_object()
        if not isinstance(annotation, dict) or annotation.get("/Subtype") not in _ANNOTATION_KINDS:
            continue
        for key in [k for k in annotation if k not in _ANNOTATION_KEPT]:
            del annotation[key]
        kept.append(ref)
    _strip_active(page, seen)  # before the notes join the page: a stray annotation below it is removed
    for ref in kept:
        _strip_active(ref, seen)
    return kept


def _clean_pdf(data: bytes) -> CleanFile:
    """Copy at most MAX_PDF_PAGES pages into a new document with what draws them and their notes and markings
    only: no actions, scripts, links, forms (XFA too), attached files or media, document, page or annotation
    metadata, appearance streams, thumbnails, or EXIF/XMP of embedded photos; a photo whose metadata cannot be
    reached is refused."""
    from pypdf import PdfReader, PdfWriter  # imported on first PDF: it weighs 14 MB in every worker
    from pypdf.errors import PyPdfError
    from pypdf.generic import ArrayObject, NameObject

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise UploadRejected("encrypted")
        if len(reader.pages) > MAX_PDF_PAGES:
            raise UploadRejected("pages")
        writer = PdfWriter()  # a new catalog: no open action, names, form, outline or metadata of the original
        seen: set[int] = set()
        for page in reader.pages:  # cleaned before copying: what add_page clones is written out
            kept = _clean_page(page, seen)
            if kept:
                page[NameObject("/Annots")] = ArrayObject(kept)
            writer.add_page(page)
        writer.metadata = None
        out = io.BytesIO()
        writer.write(out)
    except UploadRejected:  # a ValueError too: keep its own message ("encrypted", "pages")
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, AttributeError, RecursionError) as exc:
        raise UploadRejected("type") from exc
    return CleanFile(out.getvalue(), "application/pdf")


def _check_size(data: bytes) -> None:
    """Refuse an empty upload or one over the size limit."""
    if len(data) > current_app.config["MAX_ATTACHMENT_BYTES"]:
        raise UploadRejected("size")
    if not data:
        raise UploadRejected("empty")


def pixels(data: bytes) -> int:
    """The pixels an upload decodes to, read from its header (0 for a PDF), after checking its size and type."""
    _check_size(data)
    if data.startswith(b"%PDF-"):
        return 0
    with _open_image(data) as img:
        return img.width * img.height


def clean_all(files: list[bytes]) -> list[CleanFile]:
    """Check every upload's size, type and pixels from its header, refuse them all when together they exceed
    MAX_UPLOAD_PIXELS, and only then clean each (one decoded at a time)."""
    if sum(pixels(data) for data in files) > current_app.config["MAX_UPLOAD_PIXELS"]:
        raise UploadRejected("pixels")
    return [clean(data) for data in files]


def clean(data: bytes) -> CleanFile:
    """Check one upload by its content (never its name) and strip its metadata."""
    _check_size(data)
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
