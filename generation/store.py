"""Durable storage under the data dir: signed PNGs by content address, their records and job records.

Images live at ``images/<first two hex digits>/<id>.png`` where the id is the start of the SHA-256 of the
signed file, so a file can always be checked against its name. Records live in SQLite (sqlite-utils).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import time
from pathlib import Path

import sqlite_utils

from atelier.sqlite import open_sqlite
from generation.jobs import Job, JobState

IMAGE_ID = re.compile(r"[0-9a-f]{32}")


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
        },
        pk="id",
        if_not_exists=True,
    )
    db["jobs"].create(
        {
            "id": str,
            "kind": str,
            "state": str,
            "step": int,
            "total_steps": int,
            "created_at": float,
            "finished_at": float,
            "images": str,
            "timings": str,
            "error": str,
        },
        pk="id",
        if_not_exists=True,
    )
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
        target = self.path_for(image_id)
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            # Write then rename so a crash never leaves a truncated image under a valid name.
            with tempfile.NamedTemporaryFile(dir=target.parent, delete=False, suffix=".part") as handle:
                handle.write(png)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(handle.name, target)
        return image_id, digest

    def record(self, row: dict) -> None:
        self.db["images"].insert(row, replace=True)

    def get(self, image_id: str) -> dict | None:
        if not is_image_id(image_id):
            return None
        rows = list(self.db["images"].rows_where("id = ?", [image_id], limit=1))
        if not rows or not self.path_for(image_id).is_file():
            return None
        return rows[0]

    def read(self, image_id: str) -> bytes:
        return self.path_for(image_id).read_bytes()


class JobLog:
    """Finished jobs survive a restart; jobs a restart interrupted are recorded as failed."""

    INTERRUPTED = "interrupted by a service restart; submit it again"

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def fail_interrupted(self) -> int:
        table = self.db["jobs"]
        stale = [row["id"] for row in table.rows_where("state in (?, ?)", [JobState.QUEUED, JobState.RUNNING])]
        for job_id in stale:
            table.update(job_id, {"state": JobState.FAILED, "error": self.INTERRUPTED, "finished_at": time.time()})
        return len(stale)

    def save(self, job: Job) -> None:
        self.db["jobs"].insert(
            {
                "id": job.id,
                "kind": job.kind,
                "state": str(job.state),
                "step": job.step,
                "total_steps": job.total_steps,
                "created_at": job.created_at,
                "finished_at": job.finished_at,
                "images": json.dumps([image.__dict__ for image in job.images]),
                "timings": json.dumps(job.timings),
                "error": job.error,
            },
            replace=True,
            alter=True,
        )

    def get(self, job_id: str) -> dict | None:
        rows = list(self.db["jobs"].rows_where("id = ?", [job_id], limit=1))
        if not rows:
            return None
        row = rows[0]
        return {**row, "images": json.loads(row["images"] or "[]"), "timings": json.loads(row["timings"] or "{}")}
