"""Decoding untrusted images and encoding outputs. Blocking: callers run these off the event loop."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

from generation.errors import invalid, too_large, unsupported_media

ACCEPTED_TYPES = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP"}
# Pillow names multi-picture JPEGs (common from phone cameras) MPO; they are JPEGs to everyone else.
_FORMAT_TYPES = {**{fmt: mime for mime, fmt in ACCEPTED_TYPES.items()}, "MPO": "image/jpeg"}
# Soft edge of an inpainting mask, in pixels, so the repainted region blends into the kept one.
MASK_FEATHER = 4


@dataclass(frozen=True)
class Upload:
    """An uploaded image as received (kept for the provenance ingredient) and decoded."""

    data: bytes
    mime: str
    image: Image.Image


def decode_upload(data: bytes, field: str, max_bytes: int, max_pixels: int) -> Upload:
    """Decode a PNG, JPEG or WebP upload, refusing oversized files and decompression bombs."""
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
            mime = _FORMAT_TYPES.get(opened.format or "")
            if mime is None:
                raise unsupported_media(field, f"{field} is not a PNG, JPEG or WebP image")
            opened.seek(0)
            opened.load()
    except UnidentifiedImageError:
        raise unsupported_media(field, f"{field} is not a PNG, JPEG or WebP image") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_large(field, f"{field} decompresses to too many pixels") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise invalid(field, f"{field} could not be decoded: {exc}") from None
    image = ImageOps.exif_transpose(opened).convert("RGB")
    return Upload(data=data, mime=mime, image=image)


def fit_for_editing(image: Image.Image, max_side: int, min_side: int) -> Image.Image:
    """Scale down to ``max_side`` keeping the aspect ratio, with both sides multiples of 8."""
    scale = min(1.0, max_side / max(image.size))
    width = int(image.width * scale) // 8 * 8
    height = int(image.height * scale) // 8 * 8
    if min(width, height) < min_side:
        raise invalid(
            "image",
            f"image is {image.width}x{image.height}; once fitted within {max_side} px each side must be at least "
            f"{min_side} px",
        )
    if (width, height) == image.size:
        return image
    return image.resize((width, height), Image.Resampling.LANCZOS)


def prepare_mask(mask: Image.Image, size: tuple[int, int]) -> Image.Image:
    """A greyscale mask at the image's size: white is repainted, black is kept."""
    grey = mask.convert("L")
    if grey.size != size:
        grey = grey.resize(size, Image.Resampling.NEAREST)
    if grey.getextrema() == (0, 0):
        raise invalid("mask", "mask is entirely black: paint the region to change in white")
    return grey


def keep_unmasked(original: Image.Image, edited: Image.Image, mask: Image.Image) -> Image.Image:
    """Paste the original back outside the mask so a region edit leaves the rest of the picture untouched."""
    soft = mask.filter(ImageFilter.GaussianBlur(MASK_FEATHER)) if MASK_FEATHER else mask
    # Pixels the user left fully black stay exactly the original's.
    soft = Image.composite(soft, Image.new("L", mask.size, 0), mask.point(lambda v: 255 if v else 0))
    return Image.composite(edited.convert("RGB"), original.convert("RGB"), soft)


def encode_png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()
