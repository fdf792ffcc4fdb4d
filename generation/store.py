"""Durable storage under the data dir: signed PNGs and request blobs by content address, and image records.

Images live at ``images/<first two hex digits>/<id>.png`` where the id is the start of the SHA-256 of the
signed file, so a file can always be checked against its name. Blobs (uploads and masks that queued jobs
need) live at ``blobs/<first two hex digits>/<sha256>``. Records live in SQLite (sqlite-utils).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections import Counter
from pathlib import Path

import sqlite_utils

from atelier.sqlite import open_sqlite
from generation.jobs.log import create_table as create_jobs_table

IMAGE_ID = re.compile(r"[0-9a-f]{32}")
SHA256 = re.compile(r"[0-9a-f]{64}")
PARTIAL_SUFFIX = ".part"
STATE_SUFFIX = ".latents"


def is_image_id(value: object) -> bool:
    return isinstance(value, str) and IMAGE_ID.fullmatch(value) is not None


def open_database(path: Path) -> sqlite_utils.Database:
    db = open_sqlite(path)
    db["images"].create(
        {
            "id": str,
            "sha256": str,
            "kind": str,
            "job": str,
            "parent": str,
            "created_at": float,
            "model": str,
            "prompt": str,
            "negative_prompt": str,
            "seed": int,
            "width": int,
            "height": int,
            "steps": int,
            "guidance": float,
            "strength": float,
            "masked": int,
            "source_sha256": str,
            "bytes": int,
            # Provenance for copies stripped of their metadata: the watermark's identifier (12 hex digits) or
            # None, the perceptual hash (16 hex digits), the credential's manifest label and its bytes, and
            # whether the public resolver may answer for it without a token.
            "watermark": str,
            "phash": str,
            "manifest_label": str,
            "manifest": bytes,
            "public": int,
            # Local features (ORB keypoints and descriptors) that find cropped copies.
            "features": bytes,
        },
        pk="id",
        # A database of an earlier release gains the columns it lacks.
        transform=True,
    )
    db["images"].create_index(["watermark"], if_not_exists=True)
    db["images"].create_index(["manifest_label"], unique=True, if_not_exists=True)
    create_jobs_table(db)
    return db


class ImageStore:
    def __init__(self, root: Path, db: sqlite_utils.Database) -> None:
        self.root = root
        self.db = db

    def path_for(self, image_id: str) -> Path:
        if not is_image_id(image_id):
            raise ValueError(f"not an image id: {image_id!r}")
        return self.root / image_id[:2] / f"{image_id}.png"

    def write(self, png: bytes) -> tuple[str, str]:
        """Store signed bytes (blocking file I/O) and return their id and full digest."""
        digest = hashlib.sha256(png).hexdigest()
        image_id = digest[:32]
        write_atomically(self.path_for(image_id), png)
        return image_id, digest

    def state_path_for(self, image_id: str) -> Path:
        return self.path_for(image_id).with_suffix(STATE_SUFFIX)

    def write_state(self, image_id: str, state: bytes) -> None:
        """What the model kept of an image (its latents), beside it; written before the image is recorded."""
        write_atomically(self.state_path_for(image_id), state, replace=True)

    def read_state(self, image_id: str) -> bytes | None:
        try:
            return self.state_path_for(image_id).read_bytes()
        except FileNotFoundError:
            return None

    def record(self, rows: list[dict]) -> None:
        self.db["images"].insert_all(rows, replace=True)

    def get(self, image_id: str) -> dict | None:
        if not is_image_id(image_id):
            return None
        rows = list(self.db["images"].rows_where("id = ?", [image_id], limit=1))
        if not rows or not self.path_for(image_id).is_file():
            return None
        return rows[0]

    def read(self, image_id: str) -> bytes:
        return self.path_for(image_id).read_bytes()

    # Columns a lookup needs: everything but the manifest's bytes.
    LOOKUP_COLUMNS = "id, parent, created_at, width, height, watermark, phash, manifest_label, public"

    def by_watermark(self, identifier: str) -> list[dict]:
        return list(self.db["images"].rows_where("watermark = ?", [identifier], select=self.LOOKUP_COLUMNS))

    def fingerprints(self) -> list[dict]:
        """Every image's id, perceptual hash, parent and visibility (for a linear scan: a hash is 64 bits)."""
        return list(self.db["images"].rows_where("phash is not null", select=self.LOOKUP_COLUMNS))

    def with_features(self) -> list[dict]:
        return list(
            self.db["images"].rows_where(
                "features is not null and manifest_label is not null", select=f"{self.LOOKUP_COLUMNS}, features"
            )
        )

    def family(self, image_ids: list[str]) -> list[dict]:
        """The parents and children of ``image_ids``: an image's edits look like it, and a masked edit carries
        its parent's watermark."""
        marks = ", ".join("?" * len(image_ids))
        where = f"id in (select parent from images where id in ({marks})) or parent in ({marks})"
        return list(self.db["images"].rows_where(where, [*image_ids, *image_ids], select=self.LOOKUP_COLUMNS))

    def manifest(self, label: str) -> dict | None:
        """The image whose credential's active manifest is ``label``, with the manifest's bytes."""
        rows = list(self.db["images"].rows_where("manifest_label = ?", [label], limit=1))
        return rows[0] if rows else None


class BlobStore:
    """Bytes a queued job needs after its request is gone (uploads, masks), kept while anyone holds them.

    A request holds its blobs from before it writes them until its job is queued (or refused); the job holds
    them until it ends. Holds and deletions happen on the event loop only, so no hold can slip in between
    the last release and the deletion; a restart holds what recovered jobs need and sweeps the rest.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._holds: Counter[str] = Counter()

    def path_for(self, digest: str) -> Path:
        if not isinstance(digest, str) or SHA256.fullmatch(digest) is None:
            raise ValueError(f"not a SHA-256 digest: {digest!r}")
        return self.root / digest[:2] / digest

    def hold(self, digest: str) -> None:
        self._holds[digest] += 1

    def release(self, digest: str) -> None:
        self._holds[digest] -= 1
        if self._holds[digest] <= 0:
            del self._holds[digest]
            self.path_for(digest).unlink(missing_ok=True)

    def write(self, digest: str, data: bytes) -> None:
        """Store bytes under their digest (blocking); always rewritten, so a concurrent deletion can't win."""
        write_atomically(self.path_for(digest), data, replace=True)

    def read(self, digest: str) -> bytes:
        return self.path_for(digest).read_bytes()

    def sweep(self) -> int:
        """Delete every blob nobody holds (blocking): what a crash left behind."""
        removed = 0
        for path in self.root.glob("*/*"):
            if SHA256.fullmatch(path.name) and path.name not in self._holds:
                path.unlink(missing_ok=True)
                removed += 1
        return removed


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_atomically(target: Path, data: bytes, replace: bool = False) -> None:
    """Write then rename, so a crash never leaves a truncated file under a valid name."""
    if target.exists() and not replace:
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, delete=False, suffix=PARTIAL_SUFFIX) as handle:
        try:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        except BaseException:
            os.unlink(handle.name)
            raise
    os.replace(handle.name, target)


def remove_partial_files(root: Path) -> int:
    """Delete what writes cut short by a crash left behind (never under a valid name)."""
    removed = 0
    for partial in root.glob(f"*/*{PARTIAL_SUFFIX}"):
        partial.unlink(missing_ok=True)
        removed += 1
    return removed
