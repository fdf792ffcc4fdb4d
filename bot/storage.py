"""What the bot remembers, in SQLite through sqlite-utils: guilds, conversations, turns, images and jobs.

A conversation is a Discord thread (its id) or a console session. Its images are numbered from 1 in the
order they were made; each records the service image id, the prompt state it was made from and its parent,
so a restart loses nothing and any earlier image can be branched from.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from atelier.sqlite import open_sqlite
from bot.conversation.prompt import PromptState
from bot.migrations import migrations


@dataclass(frozen=True)
class StoredImage:
    conversation: str
    number: int
    kind: str
    state: PromptState
    seed: int | None
    width: int
    height: int
    service_id: str | None = None
    parent: int | None = None
    strength: float | None = None
    model: str | None = None
    upload_path: str | None = None
    upload_type: str | None = None
    message_id: int | None = None
    attachment_id: int | None = None
    phash: str | None = None
    author_id: int | None = None
    elapsed_ms: int | None = None
    # What was sent when moderation rewrote the composed prompt (a brand or an artist's name replaced).
    sent_prompt: str | None = None
    # This image's share of its job's cost on the service's device.
    device_seconds: float | None = None
    joules: float | None = None
    energy_estimated: bool = False
    # What was done to make it, as the bot understood the turn ("Edit (colour) of #2"); None for older images.
    action: str | None = None

    @property
    def prompt(self) -> str:
        return self.sent_prompt or self.state.compose()


def _image_from_row(row: dict) -> StoredImage:
    return StoredImage(
        conversation=row["conversation"],
        number=row["number"],
        kind=row["kind"],
        state=PromptState.from_json(json.loads(row["state"])),
        seed=row["seed"],
        width=row["width"],
        height=row["height"],
        service_id=row["service_id"],
        parent=row["parent"],
        strength=row["strength"],
        model=row["model"],
        upload_path=row["upload_path"],
        upload_type=row["upload_type"],
        message_id=row["message_id"],
        attachment_id=row["attachment_id"],
        phash=row["phash"],
        author_id=row["author_id"],
        elapsed_ms=row["elapsed_ms"],
        sent_prompt=row.get("sent_prompt"),
        device_seconds=row.get("device_seconds"),
        joules=row.get("joules"),
        energy_estimated=bool(row.get("energy_estimated")),
        action=row.get("action"),
    )


class BotStore:
    def __init__(self, path: Path) -> None:
        self.db = open_sqlite(path)
        migrations.apply(self.db)

    # ---------------------------------------------------------------- guilds and conversations

    def remember_guild(self, guild_id: int, name: str) -> None:
        self.db["guilds"].upsert({"id": guild_id, "name": name, "joined_at": time.time()}, pk="id")

    def open_conversation(
        self,
        conversation: str,
        *,
        surface: str,
        title: str,
        guild_id: int | None = None,
        channel_id: int | None = None,
        owner_id: int | None = None,
        nsfw: bool = False,
    ) -> None:
        if self.conversation(conversation) is None:
            self.db["conversations"].insert(
                {
                    "id": conversation,
                    "surface": surface,
                    "guild_id": guild_id,
                    "channel_id": channel_id,
                    "owner_id": owner_id,
                    "title": title,
                    "nsfw": int(nsfw),
                    "current": None,
                    "created_at": time.time(),
                }
            )

    def conversation(self, conversation: str) -> dict | None:
        rows = list(self.db["conversations"].rows_where("id = ?", [conversation], limit=1))
        return rows[0] if rows else None

    def belongs_to(self, conversation: str, guild_id: int | None) -> bool:
        """Whether a conversation is this server's (or, outside servers, nobody's): another server's images and
        conversations are refused by id, whatever id a member sends."""
        row = self.conversation(conversation)
        return row is not None and row["guild_id"] == guild_id

    def set_current(self, conversation: str, number: int | None) -> None:
        self.db["conversations"].update(conversation, {"current": number})

    def current(self, conversation: str) -> StoredImage | None:
        row = self.conversation(conversation)
        if row is None or row["current"] is None:
            return None
        return self.image(conversation, row["current"])

    # ---------------------------------------------------------------- images

    def next_number(self, conversation: str) -> int:
        row = self.db.execute("select max(number) from images where conversation = ?", [conversation]).fetchone()
        return (row[0] or 0) + 1

    def add_image(self, image: StoredImage) -> None:
        self.db["images"].insert(
            {
                "conversation": image.conversation,
                "number": image.number,
                "kind": image.kind,
                "state": json.dumps(image.state.to_json()),
                "prompt": image.prompt,
                "negative_prompt": image.state.negative_prompt(),
                "seed": image.seed,
                "width": image.width,
                "height": image.height,
                "service_id": image.service_id,
                "parent": image.parent,
                "strength": image.strength,
                "model": image.model,
                "upload_path": image.upload_path,
                "upload_type": image.upload_type,
                "message_id": image.message_id,
                "attachment_id": image.attachment_id,
                "phash": image.phash,
                "author_id": image.author_id,
                "elapsed_ms": image.elapsed_ms,
                "sent_prompt": image.sent_prompt,
                "device_seconds": image.device_seconds,
                "joules": image.joules,
                "energy_estimated": int(image.energy_estimated),
                "action": image.action,
                "created_at": time.time(),
            }
        )

    def image(self, conversation: str, number: int) -> StoredImage | None:
        rows = list(self.db["images"].rows_where("conversation = ? and number = ?", [conversation, number], limit=1))
        return _image_from_row(rows[0]) if rows else None

    def count(self, conversation: str) -> int:
        return self.db["images"].count_where("conversation = ?", [conversation])

    def by_service_id(self, service_id: str) -> StoredImage | None:
        # The first: a copy recorded in another thread stands for the same service image.
        rows = list(self.db["images"].rows_where("service_id = ?", [service_id], order_by="rowid", limit=1))
        return _image_from_row(rows[0]) if rows else None

    def by_message(self, message_id: int) -> list[StoredImage]:
        return [
            _image_from_row(row)
            for row in self.db["images"].rows_where("message_id = ?", [message_id], order_by="number")
        ]

    def by_attachment(self, attachment_id: int) -> StoredImage | None:
        rows = list(self.db["images"].rows_where("attachment_id = ?", [attachment_id], limit=1))
        return _image_from_row(rows[0]) if rows else None

    def images(self, conversation: str) -> list[StoredImage]:
        """A conversation's images in the order they were made."""
        return [
            _image_from_row(row)
            for row in self.db["images"].rows_where("conversation = ?", [conversation], order_by="number")
        ]

    def with_phash(self) -> list[StoredImage]:
        return [_image_from_row(row) for row in self.db["images"].rows_where("phash is not null")]

    def attach_message(self, conversation: str, number: int, message_id: int, attachment_id: int | None) -> None:
        self.db["images"].update((conversation, number), {"message_id": message_id, "attachment_id": attachment_id})

    # ---------------------------------------------------------------- moderation

    def guild_settings(self, guild_id: int) -> dict | None:
        rows = list(self.db["policies"].rows_where("guild_id = ?", [guild_id], limit=1))
        return rows[0] if rows else None

    def save_guild_settings(self, guild_id: int, **settings) -> None:
        self.db["policies"].upsert({"guild_id": guild_id, **settings, "updated_at": time.time()}, pk="guild_id")

    def remember_member(self, guild_id: int, user_id: int, names: list[str], choice: str | None = None) -> None:
        """The names a member goes by in a server (display name, nickname, username), and their likeness choice
        when they make one ("allow" or "deny"; an earlier choice is kept otherwise)."""
        row = {"guild_id": guild_id, "user_id": user_id, "names": json.dumps(names), "updated_at": time.time()}
        if choice is not None:
            row["choice"] = choice
        self.db["likeness"].upsert(row, pk=("guild_id", "user_id"))

    def likeness_of(self, guild_id: int, user_id: int) -> dict | None:
        rows = list(self.db["likeness"].rows_where("guild_id = ? and user_id = ?", [guild_id, user_id], limit=1))
        return {**rows[0], "names": json.loads(rows[0]["names"] or "[]")} if rows else None

    def likeness(self, guild_id: int) -> list[dict]:
        """The server's known members: user_id, choice (None: the server's default) and names."""
        rows = self.db["likeness"].rows_where("guild_id = ?", [guild_id], order_by="updated_at desc")
        return [{**row, "names": json.loads(row["names"] or "[]")} for row in rows]

    def record_decision(self, **decision) -> int:
        table = self.db["decisions"]
        table.insert({**decision, "appealed": 0, "created_at": time.time()})
        return table.last_pk

    def decision(self, decision_id: int) -> dict | None:
        rows = list(self.db["decisions"].rows_where("id = ?", [decision_id], limit=1))
        return rows[0] if rows else None

    def mark_appealed(self, decision_id: int) -> None:
        self.db["decisions"].update(decision_id, {"appealed": 1})

    def resolve_appeal(self, decision_id: int, resolution: str, moderator: int) -> None:
        """ "approved" (the prompt may be drawn once for its member) or "denied"."""
        self.db["decisions"].update(
            decision_id, {"resolution": resolution, "resolved_by": moderator, "resolved_at": time.time(), "used": 0}
        )

    def approval(self, guild_id: int | None, user_id: int | None, prompt: str) -> int | None:
        """The case of an approved appeal of exactly this prompt by this member, not drawn yet."""
        rows = list(
            self.db["decisions"].rows_where(
                "guild_id is ? and user_id is ? and prompt = ? and resolution = 'approved' and not used",
                [guild_id, user_id, prompt],
                order_by="id",
                limit=1,
            )
        )
        return rows[0]["id"] if rows else None

    def approval_used(self, decision_id: int) -> None:
        self.db["decisions"].update(decision_id, {"used": 1})

    def decisions(
        self,
        guild_id: int | None,
        *,
        user_id: int | None = None,
        action: str | None = None,
        category: str | None = None,
        limit: int = 10,
    ) -> list[dict]:
        clauses, values = ["guild_id is ?"], [guild_id]
        for column, value in (("user_id", user_id), ("action", action), ("category", category)):
            if value is not None:
                clauses.append(f"{column} = ?")
                values.append(value)
        return list(self.db["decisions"].rows_where(" and ".join(clauses), values, order_by="id desc", limit=limit))

    # ---------------------------------------------------------------- turns and jobs

    def add_turn(self, conversation: str, author_id: int | None, text: str, understood: str, images: list[int]) -> int:
        """Record a turn; its id."""
        table = self.db["turns"].insert(
            {
                "conversation": conversation,
                "author_id": author_id,
                "text": text,
                "understood": understood,
                "images": ",".join(str(number) for number in images),
                "created_at": time.time(),
            }
        )
        return table.last_rowid

    def turn(self, turn_id: int) -> dict | None:
        rows = list(self.db["turns"].rows_where("rowid = ?", [turn_id]))
        if not rows:
            return None
        row = rows[0]
        return {**row, "images": [int(number) for number in row["images"].split(",") if number]}

    # ---------------------------------------------------------------- requests to the service

    JSON_COLUMNS = ("run", "cleared", "caller", "notes")

    def begin_request(self, key: str, **request) -> None:
        """A request about to be sent: "pending", then "sent" (the service took it), "done" (its images are
        recorded), "posted" (the member saw them) or "failed"."""
        now = time.time()
        row = {name: json.dumps(value) if name in self.JSON_COLUMNS else value for name, value in request.items()}
        self.db["requests"].insert({"key": key, **row, "state": "pending", "created_at": now, "updated_at": now})

    def request_sent(self, key: str, job: str) -> None:
        self.db["requests"].update(key, {"job": job, "state": "sent", "updated_at": time.time()})

    def end_request(self, key: str, state: str, error: str | None = None) -> None:
        self.db["requests"].update(key, {"state": state, "error": error, "updated_at": time.time()})

    def unfinished_requests(self) -> list[dict]:
        """Requests a stopped bot left behind, oldest first: not yet shown to their member."""
        return [
            {name: json.loads(value) if name in self.JSON_COLUMNS and value else value for name, value in row.items()}
            for row in self.db["requests"].rows_where("state in ('pending', 'sent', 'done')", order_by="created_at")
        ]

    # ---------------------------------------------------------------- messages handled

    def claim_message(self, conversation: str, message_id: int, process: str) -> dict | None:
        """Claim a member's message for a turn in this run of the bot (``process``). None when it is answered,
        being answered by this run, or left to a recorded request that a restart resumes; else the claim, whose
        ``status_id`` is the progress message an earlier run showed, if any. Exactly once, also when messages
        missed while offline are read again beside new ones."""
        with self.db.conn:
            inserted = self.db.execute(
                "insert or ignore into handled_messages (message_id, conversation, created_at, process, answered) "
                "values (?, ?, ?, ?, 0)",
                [message_id, conversation, time.time(), process],
            ).rowcount
            if inserted:
                self.db.execute(
                    "update conversations set last_message_id = max(coalesce(last_message_id, 0), ?) where id = ?",
                    [message_id, conversation],
                )
                return {"status_id": None}
            claim = self.db.execute(
                "select process, status_id, answered from handled_messages where message_id = ?", [message_id]
            ).fetchone()
            process_before, status_id, answered = claim
            if answered or process_before == process:
                return None
            if (
                status_id is not None
                and self.db.execute(
                    "select 1 from requests where json_extract(caller, '$.answer_to') = ?", [status_id]
                ).fetchone()
            ):
                return None
            self.db.execute("update handled_messages set process = ? where message_id = ?", [process, message_id])
            return {"status_id": status_id}

    def message_status(self, message_id: int, status_id: int) -> None:
        self.db["handled_messages"].update(message_id, {"status_id": status_id})

    def message_answered(self, message_id: int) -> None:
        self.db["handled_messages"].update(message_id, {"answered": 1})

    def active_conversations(self, since: float, surface: str = "discord") -> list[dict]:
        """Conversations opened or talked to since ``since``: those whose missed messages are worth reading."""
        return list(
            self.db["conversations"].rows_where(
                "surface = ? and (created_at >= ? or id in (select conversation from turns where created_at >= ?))",
                [surface, since, since],
            )
        )

    def secret(self, name: str) -> bytes:
        """A random secret of this bot, made on first use and kept (it signs links the bot gives out)."""
        rows = list(self.db["secrets"].rows_where("name = ?", [name], limit=1))
        if rows:
            return bytes.fromhex(rows[0]["value"])
        self.db["secrets"].insert({"name": name, "value": secrets.token_hex(32)}, ignore=True)
        return self.secret(name)

    def link_used(self, nonce: str) -> bool:
        return self.db["used_links"].count_where("nonce = ?", [nonce]) > 0

    def use_link(self, nonce: str) -> bool:
        """Mark a one-time link used; False when it was already."""
        try:
            self.db["used_links"].insert({"nonce": nonce, "used_at": time.time()})
        except sqlite3.IntegrityError:
            return False
        return True

    def set_conversation_model(self, conversation: str, model: str) -> None:
        self.db["conversations"].update(conversation, {"model": model})

    def conversation_model(self, conversation: str) -> str | None:
        """The service's model a conversation draws with (None: the service's default)."""
        row = self.conversation(conversation)
        return row.get("model") if row else None

    def set_opening_state(self, conversation: str, state: PromptState) -> None:
        self.db["conversations"].update(conversation, {"state": json.dumps(state.to_json())})

    def opening_state(self, conversation: str) -> PromptState | None:
        row = self.conversation(conversation)
        return PromptState.from_json(json.loads(row["state"])) if row and row.get("state") else None
