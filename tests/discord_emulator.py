"""A Discord API emulator on loopback: REST and gateway, enough for the real discord.py client.

It keeps one guild with one text channel, its roles, the bot's messages, threads and DM channels, and lets tests
act as members: run a slash command, post a message (with a reply or an attachment), click a button, submit a
modal or use a message context menu, in any locale. It answers like Discord where discord.py cares (JSON content
type, time-ordered snowflakes, interaction callbacks, follow-ups replacing a deferred "thinking" message,
THREAD_CREATE, MESSAGE_CREATE, message history newest first, 401 for an expired interaction token).

The gateway follows Discord's session rules: events go only to identified sessions and only for the intents they
asked for; a message posted while no bot is connected is stored (history shows it) but never delivered later;
a session dropped by ``disconnect_bot()`` can RESUME and gets the events it missed, then RESUMED; a session
closed by the bot (code 1000/1001) or invalidated is answered INVALID_SESSION, so discord.py identifies anew.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import datetime
import json
import re
import time
from dataclasses import dataclass, field

from aiohttp import WSMsgType, web

API = "/api/v10"
EPHEMERAL = 64
LOADING = 128
EVERYTHING = str((1 << 46) - 1)
ADMINISTRATOR = 1 << 3
# What @everyone may do: view, send, read history, attach, embed, use commands and threads; not manage the server.
MEMBER_PERMISSIONS = str(sum(1 << bit for bit in (6, 10, 11, 14, 15, 16, 31, 35, 38)))
DISCORD_EPOCH = 1_420_070_400_000
# Gateway intents (https://discord.com/developers/docs/events/gateway#gateway-intents).
GUILDS = 1 << 0
GUILD_MEMBERS = 1 << 1
GUILD_PRESENCES = 1 << 8
GUILD_MESSAGES = 1 << 9
DIRECT_MESSAGES = 1 << 12
MESSAGE_CONTENT = 1 << 15
_last_id = 0


def snowflake() -> str:
    """A new id, strictly increasing and carrying the current time like Discord's (``created_at`` works)."""
    global _last_id
    _last_id = max(_last_id + 1, (int(time.time() * 1000) - DISCORD_EPOCH) << 22)
    return str(_last_id)


def now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat()


def as_json(data: object, status: int = 200) -> web.Response:
    # discord.py only parses a body whose content type is exactly application/json (no charset).
    return web.Response(body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"})


def error(message: str, code: int, status: int) -> web.Response:
    return as_json({"message": message, "code": code}, status=status)


@dataclass(frozen=True)
class Role:
    """A role as a slash command option: ``slash(..., role=Role(role_id))``."""

    id: str


@dataclass(frozen=True)
class Member:
    """A member as a slash command option: ``slash(..., member=Member(member_id))``."""

    id: str


def user(user_id: str, name: str, bot: bool = False) -> dict:
    return {"id": user_id, "username": name, "discriminator": "0", "global_name": name, "avatar": None, "bot": bot}


def role(role_id: str, name: str, permissions: str, position: int) -> dict:
    return {
        "id": role_id,
        "name": name,
        "permissions": permissions,
        "position": position,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }


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
    locale: str = "en-US"
    expired: bool = False
    # The message whose component was used, for a component interaction.
    message_id: str | None = None


@dataclass
class Session:
    """A gateway session: what the bot identified with, and the events sent in it (replayed on RESUME)."""

    id: str
    intents: int | None
    socket: web.WebSocketResponse | None
    sequence: int = 0
    sent: collections.deque = field(default_factory=lambda: collections.deque(maxlen=1000))
    resumable: bool = True

    @property
    def connected(self) -> bool:
        return self.socket is not None and not self.socket.closed

    def wants(self, event: str, data: dict) -> bool:
        if self.intents is None:
            return True
        if event.startswith("MESSAGE_"):
            return bool(self.intents & (GUILD_MESSAGES if data.get("guild_id") else DIRECT_MESSAGES))
        if event.startswith("GUILD_MEMBER"):
            return bool(self.intents & GUILD_MEMBERS)
        if event.startswith(("GUILD_", "CHANNEL_", "THREAD_")):
            return bool(self.intents & GUILDS)
        return True


class DiscordEmulator:
    def __init__(self) -> None:
        self.application_id = snowflake()
        self.bot_user = user(self.application_id, "Atelier", bot=True)
        self.guild_id = snowflake()
        self.owner_id = snowflake()
        self.admin_role = snowflake()
        # @everyone's id is the guild's id, as in Discord; a member's role list never names it.
        self.roles: dict[str, dict] = {
            self.guild_id: role(self.guild_id, "@everyone", MEMBER_PERMISSIONS, 0),
            self.admin_role: role(self.admin_role, "Admin", EVERYTHING, 1),
        }
        self.channel_id = snowflake()
        self.members = {}
        self.member_roles: dict[str, list[str]] = {}
        self.joined: dict[str, str] = {self.application_id: now()}
        self.nicks: dict[str, str] = {}
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
        self.dm_channels: dict[str, str] = {}
        self.messages: dict[str, dict] = {}
        self.files: dict[str, bytes] = {}
        self.commands: list[dict] = []
        self.guild_commands: dict[str, list[dict]] = {}
        self.interactions: dict[str, Interaction] = {}
        self.sockets: list[web.WebSocketResponse] = []
        self.sessions: dict[str, Session] = {}
        self.identified = asyncio.Event()
        self.resumed = asyncio.Event()
        self._transports: dict[web.WebSocketResponse, object] = {}
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    # ---------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        commands = f"{API}/applications/{{app}}/commands"
        guild_commands = f"{API}/applications/{{app}}/guilds/{{guild}}/commands"
        webhook_message = f"{API}/webhooks/{{app}}/{{token}}/messages/{{message}}"
        app.add_routes(
            [
                web.get("/gateway", self.gateway),
                web.get(f"{API}/users/@me", lambda _: as_json(self.bot_user)),
                web.post(f"{API}/users/@me/channels", self.create_dm),
                web.get(f"{API}/oauth2/applications/@me", self.application),
                web.put(commands, self.sync_commands),
                web.get(commands, lambda _: as_json(self.commands)),
                web.put(guild_commands, self.sync_guild_commands),
                web.get(guild_commands, lambda r: as_json(self.guild_commands.get(r.match_info["guild"], []))),
                web.post(f"{API}/interactions/{{id}}/{{token}}/callback", self.callback),
                web.post(f"{API}/webhooks/{{app}}/{{token}}", self.followup),
                web.patch(webhook_message, self.edit_webhook_message),
                web.get(webhook_message, self.get_webhook_message),
                web.delete(webhook_message, self.delete_webhook_message),
                web.get(f"{API}/channels/{{channel}}/messages", self.history),
                web.post(f"{API}/channels/{{channel}}/messages", self.create_message),
                web.patch(f"{API}/channels/{{channel}}/messages/{{message}}", self.edit_message),
                web.delete(f"{API}/channels/{{channel}}/messages/{{message}}", self.delete_message),
                web.get(f"{API}/channels/{{channel}}/messages/{{message}}", self.get_message),
                web.post(f"{API}/channels/{{channel}}/messages/{{message}}/threads", self.create_thread),
                web.get(f"{API}/channels/{{channel}}", self.get_channel),
                web.get(f"{API}/guilds/{{guild}}/members/{{member}}", self.get_member),
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

    @property
    def bot_connected(self) -> bool:
        """Whether a bot session is connected (identified or resumed) and receives events."""
        return any(session.connected for session in self.sessions.values())

    async def gateway(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self.sockets.append(socket)
        self._transports[socket] = request.transport
        session: Session | None = None
        await socket.send_json({"op": 10, "d": {"heartbeat_interval": 41250}})
        try:
            async for frame in socket:
                if frame.type is not WSMsgType.TEXT:
                    continue
                payload = json.loads(frame.data)
                if payload["op"] == 1:
                    await socket.send_json({"op": 11})
                elif payload["op"] == 2:
                    session = Session(id=snowflake(), intents=payload["d"].get("intents"), socket=socket)
                    self.sessions[session.id] = session
                    await self._identify(socket, session)
                elif payload["op"] == 6:
                    session = await self._resume(socket, payload["d"])
                elif payload["op"] == 8 and session is not None:
                    await self._send(session, "GUILD_MEMBERS_CHUNK", self._chunk(payload["d"]))
        finally:
            self.sockets.remove(socket)
            self._transports.pop(socket, None)
            if session is not None and session.socket is socket:
                session.socket = None
                # A client that closes normally ends its session, as in Discord.
                if socket.close_code in (1000, 1001):
                    session.resumable = False
                    self.sessions.pop(session.id, None)
        return socket

    async def _send(self, session: Session, event: str, data: dict) -> None:
        session.sequence += 1
        frame = {"op": 0, "t": event, "s": session.sequence, "d": data}
        session.sent.append(frame)
        if session.connected:
            # If it went away meanwhile, a RESUME replays the frame.
            with contextlib.suppress(ConnectionError, RuntimeError):
                await session.socket.send_json(frame)

    async def _identify(self, socket: web.WebSocketResponse, session: Session) -> None:
        ready = {
            "v": 10,
            "user": self.bot_user,
            "guilds": [{"id": self.guild_id, "unavailable": True}],
            "session_id": session.id,
            "resume_gateway_url": self.gateway_url,
            "application": {"id": self.application_id, "flags": 0},
            "private_channels": [],
            "relationships": [],
        }
        await self._send(session, "READY", ready)
        threads = [channel for channel in self.channels.values() if channel["type"] == 11]
        # Discord lists every member only to a session with the presences intent; others get the bot alone.
        listed = [self.application_id]
        if session.intents is None or session.intents & GUILD_PRESENCES:
            listed += list(self.members)
        guild = {
            "id": self.guild_id,
            "name": "Atelier test server",
            "icon": None,
            "owner_id": self.owner_id,
            "roles": list(self.roles.values()),
            "channels": [channel for channel in self.channels.values() if channel["type"] == 0],
            "threads": threads,
            "members": [self._member_object(member_id) for member_id in listed],
            "member_count": len(self.members) + 1,
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
            "joined_at": self.joined[self.application_id],
        }
        await self._send(session, "GUILD_CREATE", guild)
        self.identified.set()

    async def _resume(self, socket: web.WebSocketResponse, data: dict) -> Session | None:
        session = self.sessions.get(data.get("session_id") or "")
        if session is None or not session.resumable or session.connected:
            # d=false: not resumable; discord.py then identifies on a fresh connection.
            await socket.send_json({"op": 9, "d": False})
            return None
        session.socket = socket
        seen = data.get("seq") or 0
        for frame in list(session.sent):
            if frame["s"] > seen:
                await socket.send_json(frame)
        await self._send(session, "RESUMED", {})
        self.resumed.set()
        return session

    def _chunk(self, request: dict) -> dict:
        wanted = [str(user_id) for user_id in request.get("user_ids") or []]
        query = (request.get("query") or "").lower()
        everyone = [self.application_id, *self.members]
        found = [
            member_id
            for member_id in everyone
            if (not wanted or member_id in wanted) and self._user_object(member_id)["username"].startswith(query)
        ]
        if request.get("limit"):
            found = found[: request["limit"]]
        chunk = {
            "guild_id": self.guild_id,
            "members": [self._member_object(member_id) for member_id in found],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [user_id for user_id in wanted if user_id not in everyone],
        }
        if request.get("nonce"):
            chunk["nonce"] = request["nonce"]
        return chunk

    async def disconnect_bot(self, code: int = 4000, resumable: bool = True) -> None:
        """Drop the bot's gateway connection as a network failure or a Discord restart would.

        discord.py then reconnects and RESUMEs; with ``resumable=False`` the RESUME is refused (INVALID_SESSION)
        and it identifies anew. Code 1006 cuts the connection without a close frame.
        """
        for session in list(self.sessions.values()):
            socket = session.socket
            if socket is None:
                continue
            session.resumable = resumable
            if not resumable:
                self.sessions.pop(session.id, None)
            session.socket = None
            if code == 1006:
                transport = self._transports.get(socket)
                if transport is not None:
                    transport.abort()
            else:
                await socket.close(code=code)

    def _admin(self) -> dict:
        return self.roles[self.admin_role]

    def _everyone(self) -> dict:
        return self.roles[self.guild_id]

    async def dispatch(self, event: str, data: dict) -> None:
        for session in list(self.sessions.values()):
            if not session.wants(event, data):
                continue
            if not (session.connected or session.resumable):
                continue
            await self._send(session, event, self._visible(session, event, data))

    def _visible(self, session: Session, event: str, data: dict) -> dict:
        """Without the message content intent, Discord blanks other people's guild messages unless they mention
        the bot."""
        if event not in ("MESSAGE_CREATE", "MESSAGE_UPDATE"):
            return data
        if session.intents is None or session.intents & MESSAGE_CONTENT:
            return data
        if not data.get("guild_id") or data["author"]["id"] == self.application_id:
            return data
        if any(mention["id"] == self.application_id for mention in data.get("mentions", [])):
            return data
        return {**data, "content": "", "embeds": [], "attachments": [], "components": []}

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
                "owner": user(self.owner_id, "owner"),
                "team": None,
            }
        )

    def _registered(self, commands: list[dict], guild_id: str | None = None) -> list[dict]:
        # The whole payload is kept, name_localizations and description_localizations included.
        registered = []
        for command in commands:
            item = {
                "description": "",
                "name_localizations": None,
                "description_localizations": None,
                **command,
                "id": snowflake(),
                "application_id": self.application_id,
                "version": snowflake(),
            }
            if guild_id:
                item["guild_id"] = guild_id
            registered.append(item)
        return registered

    async def sync_commands(self, request: web.Request) -> web.Response:
        self.commands = self._registered(await request.json())
        return as_json(self.commands)

    async def sync_guild_commands(self, request: web.Request) -> web.Response:
        guild_id = request.match_info["guild"]
        self.guild_commands[guild_id] = self._registered(await request.json(), guild_id)
        return as_json(self.guild_commands[guild_id])

    def _command(self, name: str) -> dict:
        everything = [*self.guild_commands.get(self.guild_id, []), *self.commands]
        return next(command for command in everything if command["name"] == name)

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

    def _in_guild(self, channel_id: str) -> bool:
        channel = self.channels.get(channel_id)
        return channel is None or channel["type"] != 1

    def _mentions(self, content: str) -> tuple[list[dict], list[str]]:
        users = []
        for user_id in dict.fromkeys(re.findall(r"<@!?(\d+)>", content)):
            if user_id == self.application_id or user_id in self.members:
                users.append(self._user_object(user_id))
        roles = [role_id for role_id in dict.fromkeys(re.findall(r"<@&(\d+)>", content)) if role_id in self.roles]
        return users, roles

    def _message(self, channel_id: str, author: dict, payload: dict, files: list, flags: int = 0) -> dict:
        in_guild = self._in_guild(channel_id)
        content = payload.get("content") or ""
        mentions, mention_roles = self._mentions(content)
        message = {
            "id": snowflake(),
            "channel_id": channel_id,
            "author": author,
            "content": content,
            "timestamp": now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": mentions,
            "mention_roles": mention_roles,
            "attachments": self._attachments(payload, files, []),
            "embeds": payload.get("embeds") or [],
            "components": payload.get("components") or [],
            "pinned": False,
            "type": 0,
            "flags": flags | payload.get("flags", 0),
        }
        if in_guild:
            message["guild_id"] = self.guild_id
            if author["id"] != self.bot_user["id"]:
                message["member"] = self._member_object(author["id"], with_user=False)
        reference = payload.get("message_reference")
        if reference:
            message["type"] = 19
            message["message_reference"] = {
                **reference,
                "message_id": str(reference["message_id"]),
                "channel_id": channel_id,
            }
            if in_guild:
                message["message_reference"]["guild_id"] = self.guild_id
            referenced = self.messages.get(str(reference["message_id"]))
            if referenced:
                message["referenced_message"] = referenced
        self.messages[message["id"]] = message
        if channel_id in self.channels:
            self.channels[channel_id]["last_message_id"] = message["id"]
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
            return error("Unknown Message", 10008, 404)
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

    async def _delete(self, message_id: str) -> web.Response:
        message = self.messages.pop(message_id, None)
        if message is not None:
            deleted = {"id": message["id"], "channel_id": message["channel_id"]}
            if "guild_id" in message:
                deleted["guild_id"] = message["guild_id"]
            await self.dispatch("MESSAGE_DELETE", deleted)
        return web.Response(status=204)

    async def delete_message(self, request: web.Request) -> web.Response:
        return await self._delete(request.match_info["message"])

    async def get_message(self, request: web.Request) -> web.Response:
        message = self.messages.get(request.match_info["message"])
        return as_json(message) if message else error("Unknown Message", 10008, 404)

    async def history(self, request: web.Request) -> web.Response:
        """``GET /channels/{id}/messages``: up to ``limit`` messages, newest first, like Discord.

        ``after`` gives the messages just after that id (still newest first, as discord.py expects: it reverses
        each page and continues after the first one); ``before`` those just before it; ``around`` those around
        it, itself included.
        """
        channel_id = request.match_info["channel"]
        if channel_id not in self.channels:
            return error("Unknown Channel", 10003, 404)
        query = request.query
        try:
            limit = int(query.get("limit", 50))
            before, after, around = (int(query[key]) if key in query else None for key in ("before", "after", "around"))
        except ValueError:
            return error("Invalid Form Body", 50035, 400)
        if not 1 <= limit <= 100:
            return error("Invalid Form Body", 50035, 400)
        ids = sorted(int(message["id"]) for message in self.channel_messages(channel_id))
        if around is not None:
            older = [i for i in ids if i < around][-(limit // 2) :] if limit // 2 else []
            newer = [i for i in ids if i >= around][: limit - len(older)]
            chosen = older + newer
        elif after is not None:
            chosen = [i for i in ids if i > after][:limit]
        elif before is not None:
            chosen = [i for i in ids if i < before][-limit:]
        else:
            chosen = ids[-limit:]
        return as_json([self.messages[str(i)] for i in reversed(chosen)])

    async def get_channel(self, request: web.Request) -> web.Response:
        channel = self.channels.get(request.match_info["channel"])
        return as_json(channel) if channel else error("Unknown Channel", 10003, 404)

    async def get_member(self, request: web.Request) -> web.Response:
        member = request.match_info["member"]
        if request.match_info["guild"] != self.guild_id or member not in self.members:
            return error("Unknown Member", 10007, 404)
        return as_json(self._member_object(member))

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

    # ---------------------------------------------------------------- REST: direct messages

    async def create_dm(self, request: web.Request) -> web.Response:
        """``POST /users/@me/channels``: the DM channel with a user, made on first use."""
        recipient = str((await request.json()).get("recipient_id"))
        if recipient not in self.members:
            return error("Invalid Recipient(s)", 50033, 400)
        channel_id = self.dm_channels.get(recipient)
        if channel_id is None:
            channel_id = snowflake()
            self.dm_channels[recipient] = channel_id
            self.channels[channel_id] = {
                "id": channel_id,
                "type": 1,
                "last_message_id": None,
                "recipients": [self.members[recipient]],
                "flags": 0,
            }
        return as_json(self.channels[channel_id])

    def dm_channel(self, member_id: str) -> str | None:
        """The id of the bot's DM channel with that member, once the bot has opened it."""
        return self.dm_channels.get(member_id)

    # ---------------------------------------------------------------- REST: interactions

    def _interaction(self, token: str) -> Interaction | None:
        """The live interaction with that token; None when the token is unknown or expired."""
        found = next((item for item in self.interactions.values() if item.token == token), None)
        return None if found is None or found.expired else found

    @staticmethod
    def _invalid_token() -> web.Response:
        return error("Invalid Webhook Token", 50027, 401)

    def expire(self, interaction: Interaction) -> None:
        """Let the interaction's token run out, as it does 15 minutes after the interaction: every later
        callback answers 404 (Unknown interaction) and every webhook call 401 (Invalid Webhook Token)."""
        interaction.expired = True

    async def callback(self, request: web.Request) -> web.Response:
        interaction = self.interactions.get(request.match_info["id"])
        if interaction is None or interaction.expired or interaction.token != request.match_info["token"]:
            return error("Unknown interaction", 10062, 404)
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
        elif kind == 7 and (interaction.message_id or interaction.original):
            # Updating the message a component sits on (or the interaction's own message).
            message = self.messages[interaction.message_id or interaction.original]
            message.update({key: data[key] for key in ("content", "components", "embeds") if key in data})
            resource["message"] = message
        interaction.done.set()
        return as_json({"interaction": {"id": interaction.id, "type": 2}, "resource": resource})

    def _user(self, interaction: Interaction) -> dict:
        return self.members[interaction.user_id]

    async def followup(self, request: web.Request) -> web.Response:
        interaction = self._interaction(request.match_info["token"])
        if interaction is None:
            return self._invalid_token()
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

    def _webhook_message(self, request: web.Request) -> tuple[Interaction | None, str | None]:
        interaction = self._interaction(request.match_info["token"])
        message_id = request.match_info["message"]
        if interaction is not None and message_id == "@original":
            message_id = interaction.original
        return interaction, message_id

    async def edit_webhook_message(self, request: web.Request) -> web.Response:
        interaction, message_id = self._webhook_message(request)
        if interaction is None:
            return self._invalid_token()
        return await self._edit(message_id, request)

    async def get_webhook_message(self, request: web.Request) -> web.Response:
        interaction, message_id = self._webhook_message(request)
        if interaction is None:
            return self._invalid_token()
        message = self.messages.get(message_id or "")
        return as_json(message) if message else error("Unknown Message", 10008, 404)

    async def delete_webhook_message(self, request: web.Request) -> web.Response:
        interaction, message_id = self._webhook_message(request)
        if interaction is None:
            return self._invalid_token()
        return await self._delete(message_id or "")

    # ---------------------------------------------------------------- roles

    async def add_role(self, name: str, permissions: str = MEMBER_PERMISSIONS) -> str:
        """Create a guild role (the member default permissions unless told) and announce it."""
        role_id = snowflake()
        position = max(item["position"] for item in self.roles.values()) + 1
        self.roles[role_id] = role(role_id, name, permissions, position)
        await self.dispatch("GUILD_ROLE_CREATE", {"guild_id": self.guild_id, "role": self.roles[role_id]})
        return role_id

    async def give_role(self, member_id: str, role_id: str) -> None:
        roles = self.member_roles.setdefault(member_id, [])
        if role_id not in self.roles or role_id == self.guild_id:
            raise KeyError(f"no role {role_id} to give")
        if role_id not in roles:
            roles.append(role_id)
        await self._member_updated(member_id)

    async def take_role(self, member_id: str, role_id: str) -> None:
        roles = self.member_roles.setdefault(member_id, [])
        if role_id in roles:
            roles.remove(role_id)
        await self._member_updated(member_id)

    async def _member_updated(self, member_id: str) -> None:
        update = {**self._member_object(member_id), "guild_id": self.guild_id}
        await self.dispatch("GUILD_MEMBER_UPDATE", update)

    # ---------------------------------------------------------------- acting as members

    def add_member(
        self, name: str, admin: bool = False, nick: str | None = None, global_name: str | None = None
    ) -> str:
        member_id = snowflake()
        self.members[member_id] = {**user(member_id, name), "global_name": global_name or name}
        if nick is not None:
            self.nicks[member_id] = nick
        self.member_roles[member_id] = [self.admin_role] if admin else []
        self.joined[member_id] = now()
        return member_id

    def add_channel(self, name: str) -> str:
        channel_id = snowflake()
        self.channels[channel_id] = {
            **self.channels[self.channel_id],
            "id": channel_id,
            "name": name,
            "last_message_id": None,
        }
        return channel_id

    def _user_object(self, user_id: str) -> dict:
        return self.bot_user if user_id == self.application_id else self.members[user_id]

    def _permissions(self, user_id: str) -> str:
        value = 0
        for role_id in [self.guild_id, *self.member_roles.get(user_id, [])]:
            value |= int(self.roles[role_id]["permissions"])
        return EVERYTHING if value & ADMINISTRATOR else str(value)

    def _member_object(self, user_id: str, with_user: bool = True) -> dict:
        member = {
            "roles": list(self.member_roles.get(user_id, [])),
            "joined_at": self.joined.setdefault(user_id, now()),
            "nick": self.nicks.get(user_id),
            "avatar": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
        }
        if with_user:
            member["user"] = self._user_object(user_id)
        return member

    def _member(self, user_id: str) -> dict:
        """The member as an interaction carries it: with the permissions its roles give."""
        return {**self._member_object(user_id), "permissions": self._permissions(user_id)}

    async def _interact(
        self, user_id: str, channel_id: str, kind: int, data: dict, locale: str = "en-US", **extra
    ) -> Interaction:
        interaction = Interaction(
            id=snowflake(), token=f"token-{snowflake()}", channel_id=channel_id, user_id=user_id, locale=locale
        )
        if "message" in extra:
            interaction.message_id = extra["message"]["id"]
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
            "locale": locale,
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

    async def slash(
        self, user_id: str, command_path: str, channel_id: str | None = None, locale: str = "en-US", **options
    ) -> Interaction:
        """Run ``command_path`` ("imagine", or "atelier rules preset" for a subcommand) with ``options``, from a
        member whose Discord speaks ``locale``."""
        data = self._command_data(command_path, options)
        return await self._interact(user_id, channel_id or self.channel_id, 2, data, locale=locale)

    async def autocomplete(
        self, user_id: str, command_path: str, focused: str, channel_id: str | None = None, **options
    ) -> list[dict]:
        """The choices the bot offers while a member types ``options[focused]`` in ``command_path``."""
        data = self._command_data(command_path, options)
        values = data["options"]
        while values and values[0]["type"] in (1, 2):  # into the subcommand
            values = values[0]["options"]
        for value in values:
            if value["name"] == focused:
                value["focused"] = True
        interaction = await self._interact(user_id, channel_id or self.channel_id, 4, data)
        await asyncio.wait_for(interaction.done.wait(), 10)
        assert interaction.responded["type"] == 8, interaction.responded
        return interaction.responded["data"]["choices"]

    def _command_data(self, command_path: str, options: dict) -> dict:
        top, *path = command_path.split()
        command = self._command(top)
        resolved: dict = {}
        values = []
        for key, value in options.items():
            if isinstance(value, dict) and "filename" in value:
                resolved.setdefault("attachments", {})[value["id"]] = value
                values.append({"name": key, "type": 11, "value": value["id"]})
            elif isinstance(value, dict) and "type" in value:
                resolved.setdefault("channels", {})[value["id"]] = {**value, "permissions": EVERYTHING}
                values.append({"name": key, "type": 7, "value": value["id"]})
            elif isinstance(value, Role):
                resolved.setdefault("roles", {})[value.id] = self.roles[value.id]
                values.append({"name": key, "type": 8, "value": value.id})
            elif isinstance(value, Member):
                resolved.setdefault("users", {})[value.id] = self.members[value.id]
                resolved.setdefault("members", {})[value.id] = self._member_object(value.id, with_user=False)
                values.append({"name": key, "type": 6, "value": value.id})
            elif isinstance(value, bool):
                values.append({"name": key, "type": 5, "value": value})
            else:
                kind = 4 if isinstance(value, int) else 10 if isinstance(value, float) else 3
                values.append({"name": key, "type": kind, "value": value})
        for depth, part in enumerate(reversed(path)):
            values = [{"name": part, "type": 1 if depth == 0 else 2, "options": values}]
        data = {"id": command["id"], "name": top, "type": 1, "options": values}
        if "guild_id" in command:
            data["guild_id"] = command["guild_id"]
        if resolved:
            data["resolved"] = resolved
        return data

    async def message_menu(self, user_id: str, name: str, message_id: str, locale: str = "en-US") -> Interaction:
        command = self._command(name)
        message = self.messages[message_id]
        data = {
            "id": command["id"],
            "name": name,
            "type": 3,
            "target_id": message_id,
            "resolved": {"messages": {message_id: message}},
        }
        if "guild_id" in command:
            data["guild_id"] = command["guild_id"]
        return await self._interact(user_id, message["channel_id"], 2, data, locale=locale)

    async def click(self, user_id: str, message_id: str, custom_id: str, locale: str = "en-US") -> Interaction:
        message = self.messages[message_id]
        data = {"custom_id": custom_id, "component_type": 2}
        return await self._interact(user_id, message["channel_id"], 3, data, locale=locale, message=message)

    async def choose(
        self, user_id: str, message_id: str, custom_id: str, values: list[str], locale: str = "en-US"
    ) -> Interaction:
        """Pick ``values`` in the string select menu ``custom_id`` of a message."""
        message = self.messages[message_id]
        data = {"custom_id": custom_id, "component_type": 3, "values": values}
        return await self._interact(user_id, message["channel_id"], 3, data, locale=locale, message=message)

    async def submit_modal(
        self, user_id: str, opened_by: Interaction, values: dict[str, str], locale: str | None = None
    ) -> Interaction:
        """Submit the modal ``opened_by`` opened; the locale defaults to that interaction's."""
        modal = opened_by.modal
        rows = []
        for row in modal["components"]:
            inputs = []
            for component in row["components"]:
                inputs.append({"type": 4, "custom_id": component["custom_id"], "value": values[component["label"]]})
            rows.append({"type": 1, "components": inputs})
        data = {"custom_id": modal["custom_id"], "components": rows}
        return await self._interact(user_id, opened_by.channel_id, 5, data, locale=locale or opened_by.locale)

    async def post(
        self, user_id: str, channel_id: str, content: str, reply_to: str | None = None, attachments: list | None = None
    ) -> dict:
        """Post as a member. With no bot connected the message is only stored, as Discord does: the bot never
        receives it later, but history shows it."""
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
