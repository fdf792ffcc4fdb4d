"""The bot store's schema as migrations (sqlite-utils' own ``Migrations``): a database made by any earlier
release opens and upgrades in place. Add a step at the end; never change one that has shipped."""

from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("atelier-bot")


@migrations()
def m001_tables(db: Database) -> None:
    """The first release's tables (a database made by it already has them: nothing happens)."""
    db["guilds"].create({"id": int, "name": str, "joined_at": float}, pk="id", if_not_exists=True)
    db["conversations"].create(
        {
            "id": str,
            "surface": str,
            "guild_id": int,
            "channel_id": int,
            "owner_id": int,
            "title": str,
            "current": int,
            "created_at": float,
        },
        pk="id",
        if_not_exists=True,
    )
    db["images"].create(
        {
            "conversation": str,
            "number": int,
            "kind": str,
            "state": str,
            "prompt": str,
            "negative_prompt": str,
            "seed": int,
            "width": int,
            "height": int,
            "service_id": str,
            "parent": int,
            "strength": float,
            "model": str,
            "upload_path": str,
            "upload_type": str,
            "message_id": int,
            "attachment_id": int,
            "phash": str,
            "author_id": int,
            "elapsed_ms": int,
            "created_at": float,
        },
        pk=("conversation", "number"),
        if_not_exists=True,
    )
    for column in ("service_id", "message_id", "attachment_id"):
        db["images"].create_index([column], if_not_exists=True)
    db["turns"].create(
        {
            "id": int,
            "conversation": str,
            "author_id": int,
            "text": str,
            "understood": str,
            "images": str,
            "created_at": float,
        },
        pk="id",
        if_not_exists=True,
    )
    db["jobs"].create(
        {
            "id": str,
            "conversation": str,
            "kind": str,
            "state": str,
            "error": str,
            "created_at": float,
            "finished_at": float,
        },
        pk="id",
        if_not_exists=True,
    )


@migrations()
def m002_moderation(db: Database) -> None:
    """Server policies, moderation decisions, the prompt actually sent when moderation rewrote one, and whether
    a conversation's channel is marked NSFW."""
    db["policies"].create(
        {"guild_id": int, "policy": str, "moderation_channel": int, "nsfw_action": str, "updated_at": float},
        pk="guild_id",
        if_not_exists=True,
    )
    db["decisions"].create(
        {
            "id": int,
            "guild_id": int,
            "conversation": str,
            "user_id": int,
            "prompt": str,
            "action": str,
            "category": str,
            "entity": str,
            "rule": str,
            "reason": str,
            "sent_prompt": str,
            "appealed": int,
            "created_at": float,
        },
        pk="id",
        if_not_exists=True,
    )
    db["decisions"].create_index(["guild_id", "created_at"], if_not_exists=True)
    _add_missing(db, "images", {"sent_prompt": str})
    _add_missing(db, "conversations", {"nsfw": int})


@migrations()
def m003_usage(db: Database) -> None:
    """What each image cost the service's device, from its job's usage."""
    _add_missing(db, "images", {"device_seconds": float, "joules": float, "energy_estimated": int})


def _add_missing(db: Database, table: str, columns: dict[str, type]) -> None:
    # A database made between two releases may already have a column the later step adds.
    existing = db[table].columns_dict
    for name, kind in columns.items():
        if name not in existing:
            db[table].add_column(name, kind)


@migrations()
def m004_studio(db: Database) -> None:
    """A server's studio: access (channels, tiers of roles), what each job cost, extra budget granted to a
    member, and members' and servers' own defaults."""
    db["studio"].create(
        {"guild_id": int, "channels": str, "reset_hour": int, "defaults": str, "updated_at": float},
        pk="guild_id",
        if_not_exists=True,
    )
    db["tiers"].create(
        {"guild_id": int, "name": str, "rank": int, "roles": str, "open": int, "limits": str, "updated_at": float},
        pk=("guild_id", "name"),
        if_not_exists=True,
    )
    db["charges"].create(
        {
            "job": str,
            "guild_id": int,
            "channel_id": int,
            "conversation": str,
            "user_id": int,
            "tier": str,
            "images": int,
            "device_seconds": float,
            "joules": float,
            "estimated": int,
            "created_at": float,
        },
        pk="job",
        if_not_exists=True,
    )
    db["charges"].create_index(["guild_id", "created_at"], if_not_exists=True)
    db["charges"].create_index(["guild_id", "user_id", "created_at"], if_not_exists=True)
    db["grants"].create(
        {
            "id": int,
            "guild_id": int,
            "user_id": int,
            "day": float,
            "gpu_seconds": float,
            "watt_hours": float,
            "granted_by": int,
            "created_at": float,
        },
        pk="id",
        if_not_exists=True,
    )
    db["member_settings"].create(
        {"user_id": int, "settings": str, "updated_at": float}, pk="user_id", if_not_exists=True
    )


@migrations()
def m005_requests(db: Database) -> None:
    """Every request the bot sends, recorded before it is sent (so a restart finishes it and posts it once);
    each conversation's last handled message (so messages missed while offline are answered) and the prompt
    it was opened with (so a first image that failed still leaves something to edit)."""
    db["requests"].create(
        {
            "key": str,
            "conversation": str,
            "author_id": int,
            "understood": str,
            "run": str,
            "cleared": str,
            "caller": str,
            "notes": str,
            "job": str,
            "state": str,
            "error": str,
            "created_at": float,
            "updated_at": float,
        },
        pk="key",
        if_not_exists=True,
    )
    db["requests"].create_index(["state"], if_not_exists=True)
    db["handled_messages"].create(
        {"message_id": int, "conversation": str, "created_at": float}, pk="message_id", if_not_exists=True
    )
    _add_missing(db, "conversations", {"last_message_id": int, "state": str})


@migrations()
def m006_appeal_resolutions(db: Database) -> None:
    """How each appeal was resolved, by whom, and whether an approved prompt was drawn yet."""
    _add_missing(db, "decisions", {"resolution": str, "resolved_by": int, "resolved_at": float, "used": int})


@migrations()
def m007_message_claims(db: Database) -> None:
    """Which run of the bot claimed each member message, the message showing its progress, and whether it was
    answered: a message claimed by a run that stopped before answering is answered by the next."""
    _add_missing(db, "handled_messages", {"process": str, "status_id": int, "answered": int})


@migrations()
def m008_conversation_models(db: Database) -> None:
    """The service's model each conversation draws with (empty: the service's default)."""
    _add_missing(db, "conversations", {"model": str})


@migrations()
def m009_mask_links(db: Database) -> None:
    """The secret that signs mask-page links, and the links used already (each works once)."""
    db["secrets"].create({"name": str, "value": str}, pk="name", if_not_exists=True)
    db["used_links"].create({"nonce": str, "used_at": float}, pk="nonce", if_not_exists=True)


@migrations()
def m010_likeness(db: Database) -> None:
    """Members' choices about being depicted in their server, the names they go by there, and each server's
    default for members who haven't chosen."""
    db["likeness"].create(
        {"guild_id": int, "user_id": int, "choice": str, "names": str, "updated_at": float},
        pk=("guild_id", "user_id"),
        if_not_exists=True,
    )
    _add_missing(db, "policies", {"likeness_default": str})


@migrations()
def m011_image_actions(db: Database) -> None:
    """What was done to make each image, for the story of its conversation."""
    _add_missing(db, "images", {"action": str})


@migrations()
def m012_provenance_results(db: Database) -> None:
    """Whether a server's new images may be traced by anyone through the service's resolver ("public") or only
    through the bot ("members", the default)."""
    _add_missing(db, "policies", {"provenance": str})
