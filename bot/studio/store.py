"""The studio's tables in the bot's SQLite store (schema in ``bot/migrations.py``)."""

from __future__ import annotations

import datetime
import json
import time

from sqlite_utils import Database

from bot.studio.budget import Spent
from bot.studio.styles import Style
from bot.studio.tiers import Tier


class StudioStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # ---------------------------------------------------------------- a server's access and defaults

    def _server(self, guild_id: int) -> dict:
        rows = list(self.db["studio"].rows_where("guild_id = ?", [guild_id], limit=1))
        return rows[0] if rows else {}

    def _save_server(self, guild_id: int, **values) -> None:
        self.db["studio"].upsert({"guild_id": guild_id, **values, "updated_at": time.time()}, pk="guild_id")

    def channels(self, guild_id: int) -> tuple[int, ...]:
        return tuple(json.loads(self._server(guild_id).get("channels") or "[]"))

    def set_channels(self, guild_id: int, channels: tuple[int, ...]) -> None:
        self._save_server(guild_id, channels=json.dumps(sorted(set(channels))))

    def reset_hour(self, guild_id: int) -> int | None:
        return self._server(guild_id).get("reset_hour")

    def set_reset_hour(self, guild_id: int, hour: int) -> None:
        self._save_server(guild_id, reset_hour=hour)

    def server_defaults(self, guild_id: int) -> dict:
        return json.loads(self._server(guild_id).get("defaults") or "{}")

    def save_server_defaults(self, guild_id: int, defaults: dict) -> None:
        self._save_server(guild_id, defaults=json.dumps(defaults))

    def styles(self, guild_id: int) -> dict[str, Style]:
        """The server's named styles by lower-case name."""
        saved = self.server_defaults(guild_id).get("styles", {})
        return {key: Style.from_json(value) for key, value in saved.items()}

    def save_style(self, guild_id: int, style: Style) -> None:
        saved = self.server_defaults(guild_id)
        styles = {**saved.get("styles", {}), style.name.lower(): style.to_json()}
        self.save_server_defaults(guild_id, {**saved, "styles": styles})

    def remove_style(self, guild_id: int, name: str) -> bool:
        saved = self.server_defaults(guild_id)
        styles = dict(saved.get("styles", {}))
        if styles.pop(name.lower(), None) is None:
            return False
        self.save_server_defaults(guild_id, {**saved, "styles": styles})
        return True

    def tiers(self, guild_id: int) -> list[Tier]:
        return [
            Tier(
                name=row["name"],
                rank=row["rank"],
                roles=tuple(json.loads(row["roles"])),
                open=bool(row["open"]),
                overrides=tuple((name, value) for name, value in json.loads(row["limits"]).items()),
            )
            for row in self.db["tiers"].rows_where("guild_id = ?", [guild_id], order_by="rank")
        ]

    def save_tier(self, guild_id: int, tier: Tier) -> None:
        self.db["tiers"].upsert(
            {
                "guild_id": guild_id,
                "name": tier.name,
                "rank": tier.rank,
                "roles": json.dumps(list(tier.roles)),
                "open": int(tier.open),
                "limits": json.dumps(dict(tier.overrides)),
                "updated_at": time.time(),
            },
            pk=("guild_id", "name"),
        )

    def remove_tier(self, guild_id: int, name: str) -> None:
        self.db["tiers"].delete_where("guild_id = ? and name = ?", [guild_id, name])

    # ---------------------------------------------------------------- members' settings

    def member_settings(self, user_id: int) -> dict:
        rows = list(self.db["member_settings"].rows_where("user_id = ?", [user_id], limit=1))
        return json.loads(rows[0]["settings"]) if rows else {}

    def save_member_settings(self, user_id: int, settings: dict) -> None:
        self.db["member_settings"].upsert(
            {"user_id": user_id, "settings": json.dumps(settings), "updated_at": time.time()}, pk="user_id"
        )

    # ---------------------------------------------------------------- charges and grants

    def charge(self, job: str, **row) -> None:
        """Record what a finished job cost, once: a job posted again after a restart is not charged twice."""
        self.db["charges"].insert({"job": job, "created_at": time.time(), **row}, ignore=True)

    def spent(
        self,
        guild_id: int,
        since: datetime.datetime,
        user_id: int | None = None,
        until: datetime.datetime | None = None,
    ) -> Spent:
        clauses, values = ["guild_id = ?", "created_at >= ?"], [guild_id, since.timestamp()]
        if until is not None:
            clauses.append("created_at < ?")
            values.append(until.timestamp())
        if user_id is not None:
            clauses.append("user_id = ?")
            values.append(user_id)
        images, seconds, joules, estimated = self.db.execute(
            "select coalesce(sum(images), 0), coalesce(sum(device_seconds), 0), coalesce(sum(joules), 0), "
            f"coalesce(max(estimated), 0) from charges where {' and '.join(clauses)}",
            values,
        ).fetchone()
        return Spent(images=images, device_seconds=seconds, joules=joules, estimated=bool(estimated))

    def grant(self, guild_id: int, user_id: int, day: datetime.datetime, **extra: float) -> None:
        self.db["grants"].insert(
            {"guild_id": guild_id, "user_id": user_id, "day": day.timestamp(), **extra, "created_at": time.time()}
        )

    def granted(self, guild_id: int, user_id: int, day: datetime.datetime) -> tuple[float, float]:
        seconds, watt_hours = self.db.execute(
            "select coalesce(sum(gpu_seconds), 0), coalesce(sum(watt_hours), 0) from grants "
            "where guild_id = ? and user_id = ? and day = ?",
            [guild_id, user_id, day.timestamp()],
        ).fetchone()
        return seconds, watt_hours

    def per_day(
        self, guild_id: int, since: datetime.datetime, user_id: int | None = None
    ) -> list[tuple[datetime.date, int, float, float]]:
        """(day, images, device seconds, joules) per UTC day with any charge."""
        member = "" if user_id is None else " and user_id = ?"
        rows = self.db.execute(
            "select date(created_at, 'unixepoch') as day, sum(images), sum(device_seconds), sum(joules) "
            f"from charges where guild_id = ? and created_at >= ?{member} group by day order by day",
            [guild_id, since.timestamp(), *([] if user_id is None else [user_id])],
        ).fetchall()
        return [(datetime.date.fromisoformat(day), images, seconds, joules) for day, images, seconds, joules in rows]

    def per(self, column: str, guild_id: int, since: datetime.datetime, limit: int = 10) -> list[tuple]:
        """(member or tier, images, device seconds, joules), the largest GPU time first."""
        if column not in ("user_id", "tier"):
            raise ValueError(f"no usage per {column!r}")
        return self.db.execute(
            f"select {column}, sum(images), sum(device_seconds), sum(joules) from charges "
            f"where guild_id = ? and created_at >= ? group by {column} order by sum(device_seconds) desc limit ?",
            [guild_id, since.timestamp(), limit],
        ).fetchall()
