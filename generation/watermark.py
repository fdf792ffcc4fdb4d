"""An invisible watermark in every output large enough to carry one, and a perceptual hash of every output.

The watermark is invisible-watermark's ``dwtDctSvd`` (it changes only the chroma a little, about 36 dB PSNR) and
carries 64 bits: a random 48-bit identifier the service records beside the image, then a CRC-16 of it, the whole
word XORed with a fixed mask so that the all-zero word plain pictures sometimes decode to is no codeword. It
survives lossless saves and JPEG at quality 75 or better, not resizes or crops (see
``shared/notes/provenance-watermark.md``); the perceptual hash survives those but also matches an image's own
edits, so both only propose candidates. The library refuses pictures under 256x256: smaller ones carry none.
"""

from __future__ import annotations

import base64
import binascii
import secrets

import imagehash
import numpy as np
from imwatermark import WatermarkDecoder, WatermarkEncoder
from PIL import Image

WATERMARK_ALGORITHM = "org.atelier.dwtdctsvd.1"
FINGERPRINT_ALGORITHM = "org.atelier.phash.1"
MIN_PIXELS = 256 * 256
VALUE_BITS = 48
WORD_BITS = 64
# Plain pictures often decode to all zeros or all ones: XORed with this mask, neither is a valid word.
_MASK = 0x9E37_79B9_7F4A_7C15
_METHOD = "dwtDctSvd"


def new_identifier() -> int:
    return secrets.randbits(VALUE_BITS)


def _crc(value: int) -> int:
    return binascii.crc_hqx(value.to_bytes(VALUE_BITS // 8, "big"), 0xFFFF)


def codeword(identifier: int) -> int:
    """The 64 bits written into the picture for ``identifier``."""
    return ((identifier << 16) | _crc(identifier)) ^ _MASK


def identifier_of(word: int) -> int | None:
    """The identifier a decoded word carries, or None when its check fails (no watermark, or a damaged one)."""
    plain = word ^ _MASK
    identifier, check = plain >> 16, plain & 0xFFFF
    return identifier if _crc(identifier) == check else None


def binding_value(identifier: int) -> str:
    """The identifier as a C2PA soft binding's ``value``: the base64 of the 64-bit word in the picture."""
    return base64.b64encode(codeword(identifier).to_bytes(WORD_BITS // 8, "big")).decode()


def identifier_of_binding(value: str) -> int | None:
    """The identifier in a soft binding's ``value``, or None when it is no valid word."""
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    return identifier_of(int.from_bytes(raw, "big")) if len(raw) == WORD_BITS // 8 else None


def can_carry(picture: Image.Image) -> bool:
    return picture.width * picture.height >= MIN_PIXELS


def _bgr(picture: Image.Image) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(picture.convert("RGB"))[:, :, ::-1])


def embed(picture: Image.Image, identifier: int) -> Image.Image:
    """``picture`` carrying ``identifier`` (the same picture when it is too small to carry one)."""
    if not can_carry(picture):
        return picture
    word = codeword(identifier)
    encoder = WatermarkEncoder()
    encoder.set_watermark("bits", [(word >> (WORD_BITS - 1 - bit)) & 1 for bit in range(WORD_BITS)])
    marked = encoder.encode(_bgr(picture), _METHOD)
    return Image.fromarray(np.ascontiguousarray(marked[:, :, ::-1]), "RGB")


def read(picture: Image.Image) -> int | None:
    """The identifier a picture carries, or None (too small, unmarked, or the mark didn't survive)."""
    if not can_carry(picture):
        return None
    bits = WatermarkDecoder("bits", WORD_BITS).decode(_bgr(picture), _METHOD)
    word = 0
    for bit in bits:
        word = (word << 1) | int(bool(bit))
    return identifier_of(word)


def fingerprint(picture: Image.Image) -> str:
    """The 64-bit perceptual hash (DCT), as 16 hex digits."""
    return str(imagehash.phash(picture))


def fingerprint_value(hex_hash: str) -> str:
    """A perceptual hash as a soft binding's ``value`` (base64 of its 8 bytes)."""
    return base64.b64encode(bytes.fromhex(hex_hash)).decode()
