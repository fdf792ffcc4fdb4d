"""A Discord API emulator on loopback: REST and gateway, enough for the real discord.py client.

It keeps one guild with one text channel, the bot's messages and threads, and lets tests act as members:
run a slash command, post a message (with a reply or an attachment), click a button, submit a modal or use
a message context menu. It answers like Discord where discord.py cares (JSON content type, snowflakes,
interaction callbacks, follow-ups replacing a deferred "thinking" message, THREAD_CREATE, MESSAGE_CREATE).
"""

from __future__ import annotations

import asyncio
import datetime
import itertools
import json
from dataclasses import dataclass, field

from aiohttp import WSMsgType, web

API = "/api/v10"
EPHEMERAL = 64
LOADING = 128
EVERYTHING = str((1 << 46) - 1)
# What @everyone may do: view, send, read history, attach, embed, use commands and threads; not manage the server.
MEMBER_PERMISSIONS = str(sum(1 << bit for bit in (6, 10, 11, 14, 15, 16, 31, 35, 38)))
_ids = itertools.count(1_300_000_000_000_000_000)


def snowflake() -> str:
    return str(next(_ids))


def now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat()


def as_json(data: object, status: int = 200) -> web.Response:
    # discord.py only parses a body whose content type is exactly application/json (no charset).
    return web.Response(body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"})


def user(user_id: str, name: str, bot: bool = False) -> dict:
    return {"id": user_id, "username": name, "discriminator": "0", "global_name": name, "avatar": None, "bot": bot}


@dataclass
class Interaction:
    id: str
    token: str
    channel_id: str
    user_id: str
    responded: dict | None = None
    original: str | None = None
    modal: dict | None = None
    done: asyncio.Event = field(default_factory=asyncio.Event)


class DiscordEmulator:
    def __init__(self) -> None:
        self.application_id = snowflake()
        self.bot_user = user(self.application_id, "Atelier", bot=True)
        self.guild_id = snowflake()
        self.admin_role = snowflake()
        self.channel_id = snowflake()
        self.members = {}
        self.member_roles: dict[str, list[str]] = {}
        self.channels: dict[str, dict] = {
            self.channel_id: {
                "id": self.channel_id,
                "type": 0,
                "guild_id": self.guild_id,
                "name": "art",
                "position": 0,
                "permission_overwrites": [],
                "nsfw": False,
                "parent_id": None,
                "topic": None,
                "last_message_id": None,
                "rate_limit_per_user": 0,
            }
        }
        self.messages: dict[str, dict] = {}
        self.files: dict[str, bytes] = {}
        self.commands: list[dict] = []
        self.interactions: dict[str, Interaction] = {}
        self.sockets: list[web.WebSocketResponse] = []
        self.identified = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    # ---------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.add_routes(
            [
                web.get("/gateway", self.gateway),
                web.get(f"{API}/users/@me", lambda _: as_json(self.bot_user)),
                web.get(f"{API}/oauth2/applications/@me", self.application),
                web.put(f"{API}/applications/{{app}}/commands", self.sync_commands),
                web.get(f"{API}/applications/{{app}}/commands", lambda _: as_json(self.commands)),
                web.post(f"{API}/interactions/{{id}}/{{token}}/callback", self.callback),
                web.post(f"{API}/webhooks/{{app}}/{{token}}", self.followup),
                web.patch(f"{API}/webhooks/{{app}}/{{token}}/messages/{{message}}", self.edit_webhook_message),
                web.get(f"{API}/webhooks/{{app}}/{{token}}/messages/{{message}}", self.get_webhook_message),
                web.post(f"{API}/channels/{{channel}}/messages", self.create_message),
                web.patch(f"{API}/channels/{{channel}}/messages/{{message}}", self.edit_message),
                web.delete(f"{API}/channels/{{channel}}/messages/{{message}}", self.delete_message),
                web.get(f"{API}/channels/{{channel}}/messages/{{message}}", self.get_message),
                web.post(f"{API}/channels/{{channel}}/messages/{{message}}/threads", self.create_thread),
                web.get(f"{API}/channels/{{channel}}", self.get_channel),
                web.get("/attachments/{id}/{name}", self.attachment_file),
            ]
        )
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"

    @property
    def api_base(self) -> str:
        return self.base_url + API

    @property
    def gateway_url(self) -> str:
        return self.base_url.replace("http://", "ws://") + "/gateway"

    async def stop(self) -> None:
        for socket in list(self.sockets):
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # ---------------------------------------------------------------- gateway

    async def gateway(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self.sockets.append(socket)
        await socket.send_json({"op": 10, "d": {"heartbeat_interval": 41250}})
        sequence = itertools.count(1)
        try:
            async for frame in socket:
                if frame.type is not WSMsgType.TEXT:
                    continue
                payload = json.loads(frame.data)
                if payload["op"] == 1:
                    await socket.send_json({"op": 11})
                elif payload["op"] == 2:
                    await self._identify(socket, sequence)
        finally:
            self.sockets.remove(socket)
        return socket

    async def _identify(self, socket: web.WebSocketResponse, sequence) -> None:
        ready = {
            "v": 10,
            "user": self.bot_user,
            "guilds": [{"id": self.guild_id, "unavailable": True}],
            "session_id": snowflake(),
            "resume_gateway_url": self.gateway_url,
            "application": {"id": self.application_id, "flags": 0},
            "private_channels": [],
            "relationships": [],
        }
        await socket.send_json({"op": 0, "t": "READY", "s": next(sequence), "d": ready})
        threads = [channel for channel in self.channels.values() if channel["type"] == 11]
        guild = {
            "id": self.guild_id,
            "name": "Atelier test server",
            "icon": None,
            "owner_id": snowflake(),
            "roles": [self._everyone(), self._admin()],
            "channels": [channel for channel in self.channels.values() if channel["type"] == 0],
            "threads": threads,
            "members": [
                {"user": self.bot_user, "roles": [], "joined_at": now(), "deaf": False, "mute": False, "flags": 0}
            ],
            "member_count": 2,
            "emojis": [],
            "stickers": [],
            "features": [],
            "voice_states": [],
            "presences": [],
            "guild_scheduled_events": [],
            "stage_instances": [],
            "soundboard_sounds": [],
            "large": False,
            "unavailable": False,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "system_channel_flags": 0,
            "joined_at": now(),
        }
        await socket.send_json({"op": 0, "t": "GUILD_CREATE", "s": next(sequence), "d": guild})
        self.identified.set()
        self._sequence = sequence

    def _admin(self) -> dict:
        return {**self._everyone(), "id": self.admin_role, "name": "Admin", "permissions": EVERYTHING, "position": 1}

    def _everyone(self) -> dict:
        return {
            "id": self.guild_id,
            "name": "@everyone",
            "permissions": MEMBER_PERMISSIONS,
            "position": 0,
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }

    async def dispatch(self, event: str, data: dict) -> None:
        for socket in list(self.sockets):
            await socket.send_json({"op": 0, "t": event, "s": next(self._sequence), "d": data})

    # ---------------------------------------------------------------- REST: application and commands

    async def application(self, request: web.Request) -> web.Response:
        return as_json(
            {
                "id": self.application_id,
                "name": "Atelier",
                "icon": None,
                "description": "",
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "flags": 0,
                "owner": user(snowflake(), "owner"),
                "team": None,
            }
        )

    async def sync_commands(self, request: web.Request) -> web.Response:
        commands = await request.json()
        self.commands = [
            {
                "description": "",
                **command,
                "id": snowflake(),
                "application_id": self.application_id,
                "version": snowflake(),
            }
            for command in commands
        ]
        return as_json(self.commands)

    # ---------------------------------------------------------------- REST: messages

    async def _payload(self, request: web.Request) -> tuple[dict, list[tuple[str, bytes, str]]]:
        if request.content_type != "multipart/form-data":
            return (await request.json() if request.can_read_body else {}), []
        payload: dict = {}
        files = []
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            data = await part.read()
            if part.name == "payload_json":
                payload = json.loads(data)
            else:
                files.append((part.filename or "file", bytes(data), part.headers.get("Content-Type", "")))
        return payload, files

    def _attachments(self, payload: dict, files: list, keep: list[dict]) -> list[dict]:
        attachments = []
        declared = payload.get("attachments")
        by_id = {item["id"]: item for item in keep}
        if declared is None:
            attachments = list(keep)
        else:
            for item in declared:
                if str(item.get("id")) in by_id:
                    attachments.append(by_id[str(item["id"])])
        for filename, data, content_type in files:
            attachment_id = snowflake()
            self.files[attachment_id] = data
            attachments.append(
                {
                    "id": attachment_id,
                    "filename": filename,
                    "size": len(data),
                    "url": f"{self.base_url}/attachments/{attachment_id}/{filename}",
                    "proxy_url": f"{self.base_url}/attachments/{attachment_id}/{filename}",
                    "content_type": content_type or "image/png",
                }
            )
        return attachments

    def _message(self, channel_id: str, author: dict, payload: dict, files: list, flags: int = 0) -> dict:
        message = {
            "id": snowflake(),
            "channel_id": channel_id,
            "guild_id": self.guild_id,
            "author": author,
            "content": payload.get("content") or "",
            "timestamp": now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": self._attachments(payload, files, []),
            "embeds": payload.get("embeds") or [],
            "components": payload.get("components") or [],
            "pinned": False,
            "type": 0,
            "flags": flags | payload.get("flags", 0),
        }
        if author["id"] != self.bot_user["id"]:
            message["member"] = {"roles": [], "joined_at": now(), "deaf": False, "mute": False, "flags": 0}
        reference = payload.get("message_reference")
        if reference:
            message["type"] = 19
            message["message_reference"] = {
                **reference,
                "message_id": str(reference["message_id"]),
                "channel_id": channel_id,
                "guild_id": self.guild_id,
            }
            referenced = self.messages.get(str(reference["message_id"]))
            if referenced:
                message["referenced_message"] = referenced
        self.messages[message["id"]] = message
        return message

    async def _created(self, message: dict) -> None:
        await self.dispatch("MESSAGE_CREATE", message)

    async def create_message(self, request: web.Request) -> web.Response:
        payload, files = await self._payload(request)
        message = self._message(request.match_info["channel"], self.bot_user, payload, files)
        await self._created(message)
        return as_json(message)

    async def _edit(self, message_id: str, request: web.Request) -> web.Response:
        message = self.messages.get(message_id)
        if message is None:
            return as_json({"message": "Unknown Message", "code": 10008}, status=404)
        payload, files = await self._payload(request)
        for key in ("content", "embeds", "components"):
            if key in payload:
                message[key] = payload[key] if payload[key] is not None else ([] if key != "content" else "")
        if "attachments" in payload or files:
            message["attachments"] = self._attachments(payload, files, message["attachments"])
        message["flags"] = message["flags"] & ~LOADING
        message["edited_timestamp"] = now()
        await self.dispatch("MESSAGE_UPDATE", message)
        return as_json(message)

    async def edit_message(self, request: web.Request) -> web.Response:
        return await self._edit(request.match_info["message"], request)

    async def delete_message(self, request: web.Request) -> web.Response:
        message = self.messages.pop(request.match_info["message"], None)
        if message is not None:
            await self.dispatch(
                "MESSAGE_DELETE", {"id": message["id"], "channel_id": message["channel_id"], "guild_id": self.guild_id}
            )
        return web.Response(status=204)

    async def get_message(self, request: web.Request) -> web.Response:
        message = self.messages.get(request.match_info["message"])
        return as_json(message) if message else as_json({"message": "Unknown Message", "code": 10008}, status=404)

    async def get_channel(self, request: web.Request) -> web.Response:
        channel = self.channels.get(request.match_info["channel"])
        return as_json(channel) if channel else as_json({"message": "Unknown Channel", "code": 10003}, status=404)

    async def create_thread(self, request: web.Request) -> web.Response:
        body = await request.json()
        parent = request.match_info["channel"]
        thread = {
            "id": request.match_info["message"],
            "type": 11,
            "guild_id": self.guild_id,
            "parent_id": parent,
            "owner_id": self.bot_user["id"],
            "name": body["name"],
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "message_count": 0,
            "member_count": 1,
            "flags": 0,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": body.get("auto_archive_duration", 1440),
                "archive_timestamp": now(),
                "locked": False,
            },
        }
        self.channels[thread["id"]] = thread
        await self.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        return as_json(thread, status=201)

    async def attachment_file(self, request: web.Request) -> web.Response:
        data = self.files.get(request.match_info["id"])
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data, headers={"Content-Type": "image/png"})

    # ---------------------------------------------------------------- REST: interactions

    def _interaction(self, token: str) -> Interaction:
        return next(item for item in self.interactions.values() if item.token == token)

    async def callback(self, request: web.Request) -> web.Response:
        interaction = self.interactions[request.match_info["id"]]
        payload, files = await self._payload(request)
        kind = payload["type"]
        data = payload.get("data") or {}
        interaction.responded = payload
        resource: dict = {"type": kind}
        if kind in (4, 5):
            flags = data.get("flags", 0) | (LOADING if kind == 5 else 0)
            message = self._message(interaction.channel_id, self.bot_user, data, files, flags)
            message["interaction_metadata"] = {"id": interaction.id, "type": 2, "user": self._user(interaction)}
            interaction.original = message["id"]
            resource["message"] = message
            if not flags & EPHEMERAL:
                await self._created(message)
        elif kind == 9:
            interaction.modal = data
        elif kind == 7 and interaction.original:
            message = self.messages[interaction.original]
            message.update({key: data[key] for key in ("content", "components", "embeds") if key in data})
            resource["message"] = message
        interaction.done.set()
        return as_json({"interaction": {"id": interaction.id, "type": 2}, "resource": resource})

    def _user(self, interaction: Interaction) -> dict:
        return self.members[interaction.user_id]

    async def followup(self, request: web.Request) -> web.Response:
        interaction = self._interaction(request.match_info["token"])
        payload, files = await self._payload(request)
        original = self.messages.get(interaction.original or "")
        if original is not None and original["flags"] & LOADING:
            # The first follow-up of a deferred interaction replaces its "thinking" message.
            original["content"] = payload.get("content") or ""
            original["attachments"] = self._attachments(payload, files, [])
            original["components"] = payload.get("components") or []
            original["embeds"] = payload.get("embeds") or []
            original["flags"] = (original["flags"] & ~LOADING) | payload.get("flags", 0)
            message = original
            await self.dispatch("MESSAGE_UPDATE", message)
        else:
            message = self._message(interaction.channel_id, self.bot_user, payload, files)
            if not message["flags"] & EPHEMERAL:
                await self._created(message)
        return as_json(message)

    async def edit_webhook_message(self, request: web.Request) -> web.Response:
        message_id = request.match_info["message"]
        if message_id == "@original":
            message_id = self._interaction(request.match_info["token"]).original
        return await self._edit(message_id, request)

    async def get_webhook_message(self, request: web.Request) -> web.Response:
        message_id = request.match_info["message"]
        if message_id == "@original":
            message_id = self._interaction(request.match_info["token"]).original
        return as_json(self.messages[message_id])

    # ---------------------------------------------------------------- acting as members

    def add_member(self, name: str, admin: bool = False) -> str:
        member_id = snowflake()
        self.members[member_id] = user(member_id, name)
        self.member_roles[member_id] = [self.admin_role] if admin else []
        return member_id

    def add_channel(self, name: str) -> str:
        channel_id = snowflake()
        self.channels[channel_id] = {**self.channels[self.channel_id], "id": channel_id, "name": name}
        return channel_id

    def _member(self, user_id: str) -> dict:
        admin = self.admin_role in self.member_roles[user_id]
        return {
            "user": self.members[user_id],
            "roles": self.member_roles[user_id],
            "joined_at": now(),
            "deaf": False,
            "mute": False,
            "flags": 0,
            "permissions": EVERYTHING if admin else MEMBER_PERMISSIONS,
        }

    async def _interact(self, user_id: str, channel_id: str, kind: int, data: dict, **extra) -> Interaction:
        interaction = Interaction(id=snowflake(), token=f"token-{snowflake()}", channel_id=channel_id, user_id=user_id)
        self.interactions[interaction.id] = interaction
        channel = self.channels[channel_id]
        payload = {
            "id": interaction.id,
            "application_id": self.application_id,
            "type": kind,
            "token": interaction.token,
            "version": 1,
            "data": data,
            "guild_id": self.guild_id,
            "channel_id": channel_id,
            "channel": channel,
            "member": self._member(user_id),
            "locale": "en-US",
            "guild_locale": "en-US",
            "app_permissions": EVERYTHING,
            "entitlements": [],
            "authorizing_integration_owners": {"0": self.guild_id},
            "context": 0,
            "attachment_size_limit": 25 * 1024 * 1024,
            **extra,
        }
        await self.dispatch("INTERACTION_CREATE", payload)
        return interaction

    def upload(self, data: bytes, filename: str = "picture.png", content_type: str = "image/png") -> dict:
        return self._attachments({}, [(filename, data, content_type)], [])[0]

    async def slash(self, user_id: str, command_path: str, channel_id: str | None = None, **options) -> Interaction:
        """Run ``command_path`` ("imagine", or "atelier rules preset" for a subcommand) with ``options``."""
        top, *path = command_path.split()
        command = next(command for command in self.commands if command["name"] == top)
        resolved: dict = {}
        values = []
        for key, value in options.items():
            if isinstance(value, dict) and "filename" in value:
                resolved.setdefault("attachments", {})[value["id"]] = value
                values.append({"name": key, "type": 11, "value": value["id"]})
            elif isinstance(value, dict) and "type" in value:
                resolved.setdefault("channels", {})[value["id"]] = {**value, "permissions": EVERYTHING}
                values.append({"name": key, "type": 7, "value": value["id"]})
            else:
                kind = 4 if isinstance(value, int) else 10 if isinstance(value, float) else 3
                values.append({"name": key, "type": kind, "value": value})
        for depth, part in enumerate(reversed(path)):
            values = [{"name": part, "type": 1 if depth == 0 else 2, "options": values}]
        data = {"id": command["id"], "name": top, "type": 1, "options": values}
        if resolved:
            data["resolved"] = resolved
        return await self._interact(user_id, channel_id or self.channel_id, 2, data)

    async def message_menu(self, user_id: str, name: str, message_id: str) -> Interaction:
        command = next(command for command in self.commands if command["name"] == name)
        message = self.messages[message_id]
        data = {
            "id": command["id"],
            "name": name,
            "type": 3,
            "target_id": message_id,
            "resolved": {"messages": {message_id: message}},
        }
        return await self._interact(user_id, message["channel_id"], 2, data)

    async def click(self, user_id: str, message_id: str, custom_id: str) -> Interaction:
        message = self.messages[message_id]
        data = {"custom_id": custom_id, "component_type": 2}
        return await self._interact(user_id, message["channel_id"], 3, data, message=message)

    async def submit_modal(self, user_id: str, opened_by: Interaction, values: dict[str, str]) -> Interaction:
        modal = opened_by.modal
        rows = []
        for row in modal["components"]:
            inputs = []
            for component in row["components"]:
                inputs.append({"type": 4, "custom_id": component["custom_id"], "value": values[component["label"]]})
            rows.append({"type": 1, "components": inputs})
        data = {"custom_id": modal["custom_id"], "components": rows}
        return await self._interact(user_id, opened_by.channel_id, 5, data)

    async def post(
        self, user_id: str, channel_id: str, content: str, reply_to: str | None = None, attachments: list | None = None
    ) -> dict:
        payload: dict = {"content": content}
        if reply_to:
            payload["message_reference"] = {"message_id": reply_to}
        message = self._message(channel_id, self.members[user_id], payload, [])
        message["attachments"] = attachments or []
        await self._created(message)
        return message

    # ---------------------------------------------------------------- waiting

    def channel_messages(self, channel_id: str) -> list[dict]:
        return [message for message in self.messages.values() if message["channel_id"] == channel_id]

    async def wait_for(self, predicate, seconds: float = 60.0):
        """Wait until ``predicate()`` returns something truthy, and return it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while not (found := predicate()):
            if loop.time() > deadline:
                raise AssertionError(f"timed out after {seconds} s waiting for {predicate}")
            await asyncio.sleep(0.05)
        return found
