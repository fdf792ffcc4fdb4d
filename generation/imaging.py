"""Decoding untrusted images and encoding outputs. Blocking: callers run these off the event loop."""

from __future__ import annotations

import ctypes
import ctypes.util
import io
import warnings
from dataclasses import dataclass

import numpy
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

from atelier.config import LimitsConfig
from generation.errors import invalid, too_large, unsupported_media

ACCEPTED_TYPES = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP"}
# Pillow names multi-picture JPEGs (common from phone cameras) MPO; they are JPEGs to everyone else.
_FORMAT_TYPES = {**{fmt: mime for mime, fmt in ACCEPTED_TYPES.items()}, "MPO": "image/jpeg"}
# Soft edge of an inpainting mask, in pixels, so the repainted region blends into the kept one.
MASK_FEATHER = 4
MASK_OVERSIZE = 4


def _glibc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        library = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return library if library is not None and hasattr(library, "malloc_trim") else None


_LIBC = _glibc()


@dataclass(frozen=True)
class Upload:
    """An uploaded image as received (kept for the provenance ingredient) and decoded."""

    data: bytes
    mime: str
    image: Image.Image


def decode_upload(data: bytes, field: str, limits: LimitsConfig, mask_for: tuple[int, int] | None = None) -> Upload:
    """Decode a PNG, JPEG or WebP upload, refusing oversized files, decompression bombs and shapes that can't
    be edited, all from the header before a single pixel is decoded. A mask (``mask_for`` the image's size)
    may be smaller than its image, or up to MASK_OVERSIZE times larger on each side."""
    max_bytes, max_pixels = limits.max_upload_bytes, limits.max_upload_pixels
    if len(data) > max_bytes:
        raise too_large(field, f"{field} is {len(data)} bytes; the limit is {max_bytes}")
    if not data:
        raise invalid(field, f"{field} is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data), formats=list(ACCEPTED_TYPES.values()))
            width, height = opened.size
            if width * height > max_pixels:
                raise too_large(field, f"{field} is {width}x{height} pixels; the limit is {max_pixels} pixels in all")
            if mask_for is None:
                fitted_size(width, height, limits.max_edit_side, limits.min_side, field)
            elif width > mask_for[0] * MASK_OVERSIZE or height > mask_for[1] * MASK_OVERSIZE:
                masked = f"{mask_for[0]}x{mask_for[1]}"
                raise invalid(field, f"{field} is {width}x{height}, far larger than the {masked} image it masks")
            mime = _FORMAT_TYPES.get(opened.format or "")
            if mime is None:
                raise unsupported_media(field, f"{field} is not a PNG, JPEG or WebP image")
            opened.seek(0)
            opened.load()
            image = _upright(opened).convert("RGB")
    except UnidentifiedImageError:
        raise unsupported_media(field, f"{field} is not a PNG, JPEG or WebP image") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_large(field, f"{field} decompresses to too many pixels") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise invalid(field, f"{field} could not be decoded: {exc}") from None
    return Upload(data=data, mime=mime, image=image)


def _upright(image: Image.Image) -> Image.Image:
    """Turned as its EXIF orientation says; as it is when the EXIF block is broken (phones write odd ones)."""
    try:
        return ImageOps.exif_transpose(image)
    except Exception:
        return image


def fitted_size(width: int, height: int, max_side: int, min_side: int, field: str = "image") -> tuple[int, int]:
    """The size an image is edited at: scaled down to ``max_side`` keeping its aspect ratio, sides multiples
    of 8. Refuses shapes whose short side would fall under ``min_side`` (a 1 x 40,000,000 strip)."""
    scale = min(1.0, max_side / max(width, height))
    fitted = (int(width * scale) // 8 * 8, int(height * scale) // 8 * 8)
    if min(fitted) < min_side:
        raise invalid(
            field,
            f"{field} is {width}x{height}; once fitted within {max_side} px each side must be at least {min_side} px",
        )
    return fitted


def fit_for_editing(image: Image.Image, max_side: int, min_side: int) -> Image.Image:
    size = fitted_size(image.width, image.height, max_side, min_side)
    if size == image.size:
        return image
    return image.resize(size, Image.Resampling.LANCZOS)


def release_memory() -> None:
    """Hand freed heap back to the system after a large decode, where the C library allows it (glibc)."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def prepare_mask(mask: Image.Image, size: tuple[int, int]) -> Image.Image:
    """A greyscale mask at the image's size: white is repainted, black is kept."""
    grey = mask.convert("L")
    if grey.size != size:
        grey = grey.resize(size, Image.Resampling.NEAREST)
    if grey.getextrema() == (0, 0):
        raise invalid("mask", "mask is entirely black: paint the region to change in white")
    return grey


def extended(picture: Image.Image, margins: tuple[int, int, int, int]) -> tuple[Image.Image, Image.Image]:
    """The picture on a canvas grown by ``margins`` (left, top, right, bottom), and the mask of the new area.

    The new area starts as the picture's edge pixels stretched outwards, a neutral start for the model that keeps
    the colours at the seam; the mask is black over the picture, which the edit keeps exactly."""
    left, top, right, bottom = margins
    pixels = numpy.asarray(picture.convert("RGB"))
    canvas = numpy.pad(pixels, ((top, bottom), (left, right), (0, 0)), mode="edge")
    mask = Image.new("L", (canvas.shape[1], canvas.shape[0]), 255)
    mask.paste(0, (left, top, left + picture.width, top + picture.height))
    return Image.fromarray(canvas, "RGB"), mask


def keep_unmasked(original: Image.Image, edited: Image.Image, mask: Image.Image) -> Image.Image:
    """Paste the original back outside the mask so a region edit leaves the rest of the picture untouched."""
    soft = mask.filter(ImageFilter.GaussianBlur(MASK_FEATHER)) if MASK_FEATHER else mask
    # Pixels the user left fully black stay exactly the original's.
    soft = Image.composite(soft, Image.new("L", mask.size, 0), mask.point(lambda v: 255 if v else 0))
    return Image.composite(edited.convert("RGB"), original.convert("RGB"), soft)


def encode_png(image: Image.Image, compress_level: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=compress_level)
    return buffer.getvalue()
