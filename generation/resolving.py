"""Finding the signed original of a copy that lost its credential: re-saved, re-encoded, resized or brightened.

Two signals propose candidates: the watermark (exact, when it survived) and the perceptual hash (near, and shared
with the image's own edits). Each candidate's family (its parent and its edits) joins them, since a masked edit
carries its parent's watermark and edits look alike. The candidates are then ranked by how closely their pixels
match the copy's (correlation of small grey thumbnails, insensitive to compression, scale and brightness), so an
unmodified copy resolves to itself rather than to its variations, and an unrelated picture to nothing.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

import imagehash
import numpy as np
from PIL import Image

# Perceptual hashes (of 64 bits) this close are candidates: re-encodes and resizes stay within 2 bits, a 10 %
# brightening within 6, unrelated pictures were 14 or more apart (shared/notes/provenance-watermark.md).
SAME_PICTURE_BITS = 10
# A candidate is the copy's original when their thumbnails correlate at least this much.
MIN_SIMILARITY = 0.9
THUMBNAIL = 64


@dataclass(frozen=True)
class Match:
    image_id: str
    manifest_label: str
    # Which signal proposed it: "watermark", "fingerprint" or "family" (a relative of a proposed image).
    signal: str
    # How closely its pixels match the copy's: 0 to 1.
    similarity: float
    public: bool

    def to_json(self, endpoint: str | None = None) -> dict:
        """As the C2PA Soft Binding Resolution API's match, with Atelier's own fields beside it."""
        found = {"manifestId": self.manifest_label, "similarityScore": round(self.similarity * 100)}
        if endpoint:
            found["endpoint"] = endpoint
        return {**found, "image": self.image_id, "original": f"/v1/images/{self.image_id}", "signal": self.signal}


@dataclass(frozen=True)
class Query:
    """What can be read off a copy: its watermark's identifier (12 hex digits) and its perceptual hash, either of
    which may be unknown."""

    watermark: str | None
    phash: str | None


def candidates(
    query: Query,
    by_watermark: Callable[[str], list[dict]],
    fingerprints: Callable[[], list[dict]],
    family: Callable[[list[str]], list[dict]],
) -> dict[str, tuple[dict, str]]:
    """Stored images that may be the copy's original, by id, each with the signal that proposed it."""
    found: dict[str, tuple[dict, str]] = {}
    if query.watermark is not None:
        for row in by_watermark(query.watermark):
            found[row["id"]] = (row, "watermark")
    if query.phash is not None:
        wanted = imagehash.hex_to_hash(query.phash)
        for row in fingerprints():
            if row["id"] not in found and wanted - imagehash.hex_to_hash(row["phash"]) <= SAME_PICTURE_BITS:
                found[row["id"]] = (row, "fingerprint")
    if found:
        for row in family(list(found)):
            found.setdefault(row["id"], (row, "family"))
    return found


def thumbnail(picture: Image.Image) -> np.ndarray:
    """A small grey picture with zero mean and unit variance: compression, scale and brightness wash out."""
    grey = np.asarray(picture.convert("L").resize((THUMBNAIL, THUMBNAIL), Image.Resampling.BOX), dtype=np.float64)
    grey -= grey.mean()
    spread = grey.std()
    return grey / spread if spread > 0 else grey


def similarity(first: np.ndarray, second: np.ndarray) -> float:
    return float(np.clip((first * second).mean(), 0.0, 1.0))


def rank(picture: Image.Image, found: dict[str, tuple[dict, str]], read: Callable[[str], bytes]) -> list[Match]:
    """The candidates whose pixels match the copy's, best first."""
    wanted = thumbnail(picture)
    matches = []
    for image_id, (row, signal) in found.items():
        if row["manifest_label"] is None:
            continue  # made before credentials were kept for the resolver
        with Image.open(io.BytesIO(read(image_id))) as stored:
            score = similarity(wanted, thumbnail(stored))
        if score >= MIN_SIMILARITY:
            matches.append(Match(image_id, row["manifest_label"], signal, score, bool(row["public"])))
    return sorted(matches, key=lambda match: -match.similarity)
