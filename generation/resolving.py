"""Finding the signed original of a copy that lost its credential: re-saved, re-encoded, resized, brightened,
cropped or screenshotted.

Two signals propose candidates first: the watermark (exact, when it survived) and the perceptual hash (near, and
shared with the image's own edits). Each candidate's family (its parent and its edits) joins them, since a masked
edit carries its parent's watermark and edits look alike. The candidates are then ranked by how closely their
pixels match the copy's (correlation of small grey thumbnails, insensitive to compression, scale and brightness),
so an unmodified copy resolves to itself rather than to its variations, and an unrelated picture to nothing.
When neither finds it (a crop moves every block the watermark and the hash are read from), local features (OpenCV's
ORB) are matched against every stored image's, a similarity transform is fitted to the agreeing ones, and the
candidates are ranked the same way once aligned with the copy.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

# The nearest perceptual hashes (of 64 bits) within this distance are candidates. Re-encodes of detailed pictures
# stay within 2 bits and a 10 % brightening within 6, but flat ones (a few shapes on a gradient) move up to 13 under
# JPEG; unrelated pictures come as close, which the pixel ranking then rejects.
SAME_PICTURE_BITS = 20
NEAREST_FINGERPRINTS = 10
# A candidate is the copy's original when their thumbnails correlate at least this much, and no part of them
# differs by more than MAX_PART_DIFFERENCE (the mean absolute difference of their normalised pixels, in each of
# PARTS x PARTS blocks). A whole-picture score alone lets a different picture of the same layout through; a
# changed shape shows up in its block. Measured on the robustness set (generation.robustness): copies scored
# 0.98 or more and differed by at most 0.30 in any block, while every other picture scoring 0.9 differed by 0.40
# or more somewhere.
MIN_SIMILARITY = 0.9
MAX_PART_DIFFERENCE = 0.35
PARTS = 8
THUMBNAIL = 32
# ORB tuned down for generated pictures, which are smoother than photos: a smaller patch and a lower corner
# threshold still find keypoints on flat shapes.
_ORB = {"nfeatures": 300, "fastThreshold": 5, "edgeThreshold": 15, "patchSize": 15}
# Descriptors (of 256 bits) at most this far apart match; this many votes, then this many matches agreeing with
# one transform, make a candidate.
MAX_DESCRIPTOR_DISTANCE = 64
MIN_VOTES = 8
MIN_INLIERS = 8
FEATURE_CANDIDATES = 5
# Template search: the side candidates are shrunk to, and the shares of their width a copy may cover.
TEMPLATE_SIDE = 128
TEMPLATE_SHARES = tuple(share / 20 for share in range(10, 21))


@dataclass(frozen=True)
class Match:
    image_id: str
    manifest_label: str
    # Which signal proposed it: "watermark", "fingerprint", "features", "template" (placed inside a candidate) or
    # "family" (a relative of another).
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
        wanted = int(query.phash, 16)
        near = sorted(
            (distance, row["id"], row)
            for row in fingerprints()
            if row["id"] not in found
            and (distance := (wanted ^ int(row["phash"], 16)).bit_count()) <= SAME_PICTURE_BITS
        )
        for _distance, image_id, row in near[:NEAREST_FINGERPRINTS]:
            found[image_id] = (row, "fingerprint")
    if found:
        for row in family(list(found)):
            found.setdefault(row["id"], (row, "family"))
    return found


def features(picture: Image.Image) -> bytes | None:
    """A picture's ORB keypoints and descriptors, packed for storage; None when it has too few to match."""
    points, descriptors = cv2.ORB_create(**_ORB).detectAndCompute(np.asarray(picture.convert("L")), None)
    if descriptors is None or len(points) < MIN_INLIERS:
        return None
    coordinates = np.asarray([point.pt for point in points], dtype=np.float32)
    return len(points).to_bytes(2, "big") + coordinates.tobytes() + descriptors.tobytes()


def _unpack(packed: bytes) -> tuple[np.ndarray, np.ndarray]:
    count = int.from_bytes(packed[:2], "big")
    coordinates = np.frombuffer(packed, dtype=np.float32, count=count * 2, offset=2).reshape(count, 2)
    descriptors = np.frombuffer(packed, dtype=np.uint8, offset=2 + count * 8).reshape(count, 32)
    return coordinates, descriptors


def by_features(picture: Image.Image, stored: list[dict]) -> dict[str, tuple[dict, np.ndarray]]:
    """Stored images sharing enough local features with the copy, each with the transform taking the copy's
    coordinates to the image's. Each of the copy's features votes for the image holding its nearest descriptor;
    the images with the most votes are then matched one by one (mutual nearest descriptors) and kept when a
    similarity transform (scale, rotation, shift) fits enough of those matches (RANSAC). Generated pictures
    repeat motifs (stars, dots) that a global ratio test would reject as ambiguous: the transform settles it."""
    packed = features(picture)
    if packed is None or not stored:
        return {}
    points, descriptors = _unpack(packed)
    unpacked = [_unpack(row["features"]) for row in stored]
    owners = np.concatenate([np.full(len(each[1]), index) for index, each in enumerate(unpacked)])
    nearest = cv2.BFMatcher(cv2.NORM_HAMMING).match(descriptors, np.concatenate([each[1] for each in unpacked]))
    votes = Counter(int(owners[match.trainIdx]) for match in nearest if match.distance <= MAX_DESCRIPTOR_DISTANCE)
    found = {}
    for owner, count in votes.most_common(FEATURE_CANDIDATES):
        if count < MIN_VOTES:
            break
        their_points, their_descriptors = unpacked[owner]
        matches = [
            match
            for match in cv2.BFMatcher(cv2.NORM_HAMMING, crossCheck=True).match(descriptors, their_descriptors)
            if match.distance <= MAX_DESCRIPTOR_DISTANCE
        ]
        if len(matches) < MIN_INLIERS:
            continue
        source = np.float32([points[match.queryIdx] for match in matches])
        target = np.float32([their_points[match.trainIdx] for match in matches])
        transform, inliers = cv2.estimateAffinePartial2D(source, target, method=cv2.RANSAC, ransacReprojThreshold=4)
        if transform is not None and int(inliers.sum()) >= MIN_INLIERS:
            found[stored[owner]["id"]] = (stored[owner], transform)
    return found


def by_template(
    picture: Image.Image, found: dict[str, tuple[dict, str]], read: Callable[[str], bytes]
) -> dict[str, tuple[dict, np.ndarray]]:
    """Where a copy with too few local features (flat shapes) sits inside each candidate: the copy, shrunk to the
    candidate's scale for each share of its width it may cover (a crop, a screenshot), searched for by normalised
    cross-correlation (OpenCV's template matching). Each candidate with the transform of its best placement."""
    placed = {}
    copy = np.asarray(picture.convert("L"), dtype=np.float32)
    for image_id, (row, _signal) in found.items():
        with Image.open(io.BytesIO(read(image_id))) as stored:
            zoom = TEMPLATE_SIDE / max(stored.size)
            small = np.asarray(
                stored.convert("L").resize((round(stored.width * zoom), round(stored.height * zoom))), dtype=np.float32
            )
        best = None
        for share in TEMPLATE_SHARES:
            width = round(small.shape[1] * share)
            height = round(width * copy.shape[0] / copy.shape[1])
            if not 8 <= height <= small.shape[0]:
                continue
            template = cv2.resize(copy, (width, height), interpolation=cv2.INTER_AREA)
            scores = cv2.matchTemplate(small, template, cv2.TM_CCOEFF_NORMED)
            _low, score, _where, (left, top) = cv2.minMaxLoc(scores)
            if best is None or score > best[0]:
                best = (score, width / copy.shape[1] / zoom, left / zoom, top / zoom)
        if best is not None:
            _score, scale, left, top = best
            placed[image_id] = (row, np.float32([[scale, 0, left], [0, scale, top]]))
    return placed


def with_relatives(
    featured: dict[str, tuple[dict, np.ndarray]], relatives: list[dict], signal: str
) -> tuple[dict[str, tuple[dict, str]], dict[str, np.ndarray]]:
    """Candidates placed by ``signal`` ("features" or "template") and their parents and edits, each with its
    transform: a relative's is its candidate's, scaled to its size (an upscale is twice as large)."""
    found = {image_id: (row, signal) for image_id, (row, _) in featured.items()}
    transforms = {image_id: transform for image_id, (_, transform) in featured.items()}
    for relative in relatives:
        if relative["id"] in found:
            continue
        kin = next(
            (
                image_id
                for image_id in featured
                if relative["parent"] == image_id or found[image_id][0]["parent"] == relative["id"]
            ),
            None,
        )
        if kin is None:
            continue
        row = found[kin][0]
        scale = relative["width"] / row["width"] if row["width"] else 1.0
        found[relative["id"]] = (relative, "family")
        transforms[relative["id"]] = transforms[kin] * scale
    return found, transforms


def _related(first: dict, second: dict) -> bool:
    return first["parent"] == second["id"] or second["parent"] == first["id"]


def thumbnail(picture: Image.Image) -> np.ndarray:
    """A small colour picture, each channel less its mean, scaled to unit variance: compression, scale and
    brightness wash out, a recoloured shape does not (in grey, red and green can look alike)."""
    small = np.asarray(picture.convert("RGB").resize((THUMBNAIL, THUMBNAIL), Image.Resampling.BOX), dtype=np.float64)
    small -= small.mean(axis=(0, 1))
    spread = small.std()
    return small / spread if spread > 0 else small


def similarity(first: np.ndarray, second: np.ndarray) -> float:
    return float(np.clip((first * second).mean(), 0.0, 1.0))


def largest_difference(first: np.ndarray, second: np.ndarray) -> float:
    """The largest mean absolute difference between two thumbnails over any of their PARTS x PARTS blocks."""
    side = THUMBNAIL // PARTS
    difference = np.abs(first - second).mean(axis=2)
    return float(difference.reshape(PARTS, side, PARTS, side).mean(axis=(1, 3)).max())


def aligned(stored: Image.Image, transform: np.ndarray, size: tuple[int, int]) -> Image.Image:
    """The part of a stored picture the copy shows, in the copy's frame (``transform`` maps copy to stored)."""
    warped = cv2.warpAffine(
        np.asarray(stored.convert("RGB")), transform, size, flags=cv2.INTER_AREA | cv2.WARP_INVERSE_MAP
    )
    return Image.fromarray(warped)


def rank(
    picture: Image.Image,
    found: dict[str, tuple[dict, str]],
    read: Callable[[str], bytes],
    transforms: dict[str, np.ndarray] | None = None,
) -> list[Match]:
    """The candidates whose pixels match the copy's, best first; those with a transform once aligned with it."""
    wanted = thumbnail(picture)
    matches = []
    for image_id, (row, signal) in found.items():
        if row["manifest_label"] is None:
            continue  # made before credentials were kept for the resolver
        with Image.open(io.BytesIO(read(image_id))) as stored:
            transform = (transforms or {}).get(image_id)
            shown = thumbnail(stored if transform is None else aligned(stored, transform, picture.size))
        score = similarity(wanted, shown)
        if score >= MIN_SIMILARITY and largest_difference(wanted, shown) <= MAX_PART_DIFFERENCE:
            matches.append(Match(image_id, row["manifest_label"], signal, score, bool(row["public"])))
    return sorted(matches, key=lambda match: -match.similarity)
