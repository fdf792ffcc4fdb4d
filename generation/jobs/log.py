"""The job log: every job's spec and outcome in SQLite, so queued work survives a crash.

Its methods block; the queue calls them on the database thread, never on the event loop.
"""

from __future__ import annotations

import json
import time

import sqlite_utils

from generation.jobs.model import ImageResult, Job, JobState, Usage, spec_from_json, spec_to_json

TABLE = "jobs"
COLUMNS = {
    "id": str,
    "kind": str,
    "state": str,
    "step": int,
    "total_steps": int,
    "created_at": float,
    "started_at": float,
    "finished_at": float,
    "attempts": int,
    "spec": str,
    "images": str,
    "timings": str,
    "usage": str,
    "error": str,
    "idempotency_key": str,
    "request_hash": str,
    "cancel_requested": int,
}


def create_table(db: sqlite_utils.Database) -> None:
    table = db[TABLE]
    if table.exists():
        # A log written by an earlier release gains the new columns in place.
        missing = {name: kind for name, kind in COLUMNS.items() if name not in table.columns_dict}
        for name, kind in missing.items():
            table.add_column(name, kind)
    else:
        table.create(COLUMNS, pk="id")
    table.create_index(["idempotency_key"], if_not_exists=True)
    table.create_index(["state"], if_not_exists=True)


def _row(job: Job) -> dict:
    return {
        "id": job.id,
        "kind": job.kind,
        "state": str(job.state),
        "step": job.step,
        "total_steps": job.total_steps,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "attempts": job.attempts,
        "spec": json.dumps(spec_to_json(job.spec)) if job.spec is not None else None,
        "images": json.dumps([image.__dict__ for image in job.images]),
        "timings": json.dumps(job.timings),
        "usage": json.dumps(job.usage.to_json()),
        "error": job.error,
        "idempotency_key": job.idempotency_key,
        "request_hash": job.request_hash,
        "cancel_requested": int(job.cancel_requested),
    }


def job_from_row(row: dict) -> Job:
    """A job as logged; its spec is None when the row has none (a log from before specs were kept).

    Raises ValueError, KeyError or TypeError when the row can't be read back.
    """
    usage = json.loads(row.get("usage") or "{}")
    return Job(
        spec=spec_from_json(json.loads(row["spec"])) if row.get("spec") else None,
        id=row["id"],
        kind=row.get("kind") or "",
        state=JobState(row["state"]),
        step=row.get("step") or 0,
        total_steps=row.get("total_steps") or 0,
        created_at=row.get("created_at") or 0.0,
        started_at=row.get("started_at"),
        finished_at=row.get("finished_at"),
        attempts=row.get("attempts") or 0,
        images=[ImageResult(**image) for image in json.loads(row.get("images") or "[]")],
        timings=json.loads(row.get("timings") or "{}"),
        usage=Usage(**usage) if usage else Usage(),
        error=row.get("error"),
        idempotency_key=row.get("idempotency_key"),
        request_hash=row.get("request_hash"),
        cancel_requested=bool(row.get("cancel_requested")),
    )


class JobLog:
    UNREADABLE = "interrupted by a service restart; submit it again"

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        create_table(db)

    def save(self, job: Job) -> None:
        self.db[TABLE].insert(_row(job), replace=True)

    def get(self, job_id: str) -> dict | None:
        rows = list(self.db[TABLE].rows_where("id = ?", [job_id], limit=1))
        return rows[0] if rows else None

    def find_key(self, key: str, since: float) -> dict | None:
        """The job submitted with this idempotency key after ``since``, if any."""
        rows = self.db[TABLE].rows_where(
            "idempotency_key = ? and created_at >= ?", [key, since], order_by="created_at desc", limit=1
        )
        return next(iter(rows), None)

    def unfinished(self) -> list[dict]:
        """Jobs a stop left queued or running, oldest first."""
        states = [JobState.QUEUED, JobState.RUNNING]
        return list(self.db[TABLE].rows_where("state in (?, ?)", states, order_by="created_at"))

    def fail(self, job_id: str, reason: str) -> None:
        self.db[TABLE].update(job_id, {"state": JobState.FAILED, "error": reason, "finished_at": time.time()})
