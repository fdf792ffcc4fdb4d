"""A bot database made by an earlier release opens, upgrades in place and keeps what it held."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace

from sqlite_utils import Database

from bot.conversation.prompt import PromptState
from bot.migrations import migrations
from bot.storage import BotStore, StoredImage

# The images table of the first release (no sent_prompt, no usage), with one image in it.
FIRST_RELEASE = """
CREATE TABLE [conversations] ([id] TEXT PRIMARY KEY, [surface] TEXT, [guild_id] INTEGER, [channel_id] INTEGER,
    [owner_id] INTEGER, [title] TEXT, [current] INTEGER, [created_at] FLOAT);
CREATE TABLE [images] ([conversation] TEXT, [number] INTEGER, [kind] TEXT, [state] TEXT, [prompt] TEXT,
    [negative_prompt] TEXT, [seed] INTEGER, [width] INTEGER, [height] INTEGER, [service_id] TEXT, [parent] INTEGER,
    [strength] FLOAT, [model] TEXT, [upload_path] TEXT, [upload_type] TEXT, [message_id] INTEGER,
    [attachment_id] INTEGER, [phash] TEXT, [author_id] INTEGER, [elapsed_ms] INTEGER, [created_at] FLOAT,
    PRIMARY KEY ([conversation], [number]));
"""


def old_database(path) -> None:
    connection = sqlite3.connect(path)
    connection.executescript(FIRST_RELEASE)
    state = json.dumps(PromptState.start("a lighthouse").to_json())
    connection.execute(
        "INSERT INTO conversations (id, surface, title, current, created_at) VALUES ('c1', 'console', 'x', 1, 0)"
    )
    connection.execute(
        "INSERT INTO images (conversation, number, kind, state, seed, width, height, service_id, created_at) "
        "VALUES ('c1', 1, 'generate', ?, 7, 64, 64, ?, 0)",
        (state, "a" * 32),
    )
    connection.commit()
    connection.close()


def test_a_first_release_database_upgrades_and_keeps_its_images(tmp_path):
    path = tmp_path / "bot.db"
    old_database(path)
    store = BotStore(path)
    (kept,) = [store.image("c1", 1)]
    assert kept.seed == 7 and kept.state.compose() == "a lighthouse"
    # What the first release could not store now goes in.
    store.add_image(
        StoredImage(
            conversation="c1",
            number=2,
            kind="edit",
            state=PromptState.start("a lighthouse at night"),
            seed=7,
            width=64,
            height=64,
            sent_prompt="a lighthouse at night",
            device_seconds=0.5,
            joules=150.0,
        )
    )
    assert store.image("c1", 2).sent_prompt == "a lighthouse at night"
    assert store.image("c1", 2).device_seconds == 0.5
    assert "nsfw" in store.db["conversations"].columns_dict


def test_opening_twice_applies_each_step_once(tmp_path):
    BotStore(tmp_path / "bot.db")
    store = BotStore(tmp_path / "bot.db")
    names = [row["name"] for row in store.db["_sqlite_migrations"].rows]
    assert len(names) == len(set(names)) >= 3


def test_a_database_of_the_last_release_gains_the_studio_and_durable_requests(tmp_path):
    path = tmp_path / "bot.db"
    last_release = Database(path)
    migrations.apply(last_release, stop_before="m004_studio")
    last_release["conversations"].insert({"id": "123", "surface": "discord", "guild_id": 9, "created_at": 0.0})
    last_release.close()

    store = BotStore(path)

    assert {"studio", "tiers", "charges", "grants", "member_settings", "requests"} <= set(store.db.table_names())
    assert store.belongs_to("123", 9)
    assert store.claim_message("123", 500, "run-1") and not store.claim_message("123", 500, "run-1")
    assert store.conversation("123")["last_message_id"] == 500


def test_a_database_of_the_previous_release_gains_conversation_models_and_mask_links(tmp_path):
    path = tmp_path / "bot.db"
    previous = Database(path)
    migrations.apply(previous, stop_before="m008_conversation_models")
    previous["conversations"].insert({"id": "123", "surface": "discord", "guild_id": 9, "created_at": 0.0})
    previous.close()

    store = BotStore(path)

    assert store.conversation_model("123") is None
    store.set_conversation_model("123", "sd15")
    assert store.conversation_model("123") == "sd15"
    assert store.secret("mask-links") == store.secret("mask-links") and len(store.secret("mask-links")) == 32
    assert store.use_link("n1") and not store.use_link("n1") and store.link_used("n1")


def test_a_database_of_the_previous_release_gains_members_likeness(tmp_path):
    path = tmp_path / "bot.db"
    previous = Database(path)
    migrations.apply(previous, stop_before="m010_likeness")
    previous["policies"].insert({"guild_id": 9, "policy": "{}", "updated_at": 0.0}, pk="guild_id")
    previous.close()

    store = BotStore(path)

    assert store.guild_settings(9)["likeness_default"] is None
    store.save_guild_settings(9, likeness_default="allow")
    assert store.guild_settings(9)["likeness_default"] == "allow"
    store.remember_member(9, 42, ["Lena Park", "lena.park"], "deny")
    store.remember_member(9, 42, ["Captain Lena"])
    assert store.likeness_of(9, 42) | {"updated_at": 0} == {
        "guild_id": 9,
        "user_id": 42,
        "choice": "deny",
        "names": ["Captain Lena"],
        "updated_at": 0,
    }


def test_images_of_the_previous_release_stay_readable_and_new_ones_keep_their_action(tmp_path):
    path = tmp_path / "bot.db"
    previous = Database(path)
    migrations.apply(previous, stop_before="m011_image_actions")
    older = StoredImage("c", 1, "generate", PromptState.start("a boat"), 1, 64, 64)
    row = {"conversation": "c", "number": 1, "kind": "generate", "state": json.dumps(older.state.to_json())}
    previous["images"].insert({**row, "seed": 1, "width": 64, "height": 64, "created_at": 0.0})
    previous.close()

    store = BotStore(path)
    store.add_image(replace(older, number=2, parent=1, kind="edit", action="Edit (lighting) of #1"))

    assert [(image.number, image.action) for image in store.images("c")] == [(1, None), (2, "Edit (lighting) of #1")]


def test_a_message_claimed_by_a_run_that_stopped_before_answering_is_answered_by_the_next(tmp_path):
    store = BotStore(tmp_path / "bot.db")
    store.open_conversation("7", surface="discord", title="t")

    assert store.claim_message("7", 100, "run-1") == {"status_id": None}
    store.message_status(100, 555)
    assert store.claim_message("7", 100, "run-1") is None  # this run is answering it
    assert store.claim_message("7", 100, "run-2") == {"status_id": 555}  # the first run stopped
    store.message_answered(100)
    assert store.claim_message("7", 100, "run-3") is None


def test_a_claimed_message_whose_request_was_recorded_is_left_to_the_resumed_request(tmp_path):
    store = BotStore(tmp_path / "bot.db")
    store.open_conversation("7", surface="discord", title="t")
    store.claim_message("7", 100, "run-1")
    store.message_status(100, 555)
    store.begin_request(
        "k", conversation="7", author_id=1, understood="u", run={}, cleared={}, caller={"answer_to": 555}, notes=[]
    )

    assert store.claim_message("7", 100, "run-2") is None
