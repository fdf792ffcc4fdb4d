"""The studio's one object: places members in tiers, fits their requests, queues them fairly per server and
charges each finished job. The conversation engine calls ``fit``, ``slot`` and ``charge`` around every job."""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace

from atelier.config import StudioConfig
from atelier.logs import get_logger
from bot.conversation.engine import TurnError
from bot.i18n import _
from bot.models import ModelCatalog
from bot.service_client import JobStatus
from bot.studio.budget import Allowance, Spent, day_start
from bot.studio.fair_queue import FairQueue, Ticket
from bot.studio.store import StudioStore
from bot.studio.styles import Style
from bot.studio.tiers import Caller, Fitted, Limits, Request, fit, place, shown_tier

log = get_logger("bot.studio")


class NotAllowed(TurnError):
    """A member outside the server's rollout, or a channel Atelier doesn't answer in."""


def utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class Studio:
    def __init__(
        self,
        store: StudioStore,
        settings: StudioConfig,
        catalog: ModelCatalog,
        clock: Callable[[], datetime.datetime] = utc_now,
    ) -> None:
        self.store = store
        self.settings = settings
        self.limits = Limits.from_config(settings)
        # The service's models: what a request that names no size or steps gets on each.
        self.catalog = catalog
        self.clock = clock
        self._queues: dict[int, FairQueue] = {}

    # ---------------------------------------------------------------- access

    def caller(self, guild_id: int, user_id: int, roles: set[int], channel_id: int | None) -> Caller:
        """The member placed in their tier, or ``NotAllowed`` with the one line they should read."""
        placement = place(self.store.tiers(guild_id), roles, guild_id, self.limits)
        if not placement.allowed:
            raise NotAllowed(placement.refusal)
        return Caller(guild_id, user_id, channel_id, placement.tier, placement.limits)

    def check_channel(self, guild_id: int, channel_id: int, parent_id: int | None = None) -> None:
        """``NotAllowed`` when the server limited Atelier to other channels (a thread counts as its parent)."""
        channels = self.store.channels(guild_id)
        if channels and channel_id not in channels and parent_id not in channels:
            where = ", ".join(f"<#{channel}>" for channel in channels)
            raise NotAllowed(_("Atelier answers in {where} on this server.", where=where))

    # ---------------------------------------------------------------- budgets

    def day(self, guild_id: int) -> datetime.datetime:
        hour = self.store.reset_hour(guild_id)
        return day_start(self.clock(), self.settings.reset_hour if hour is None else hour)

    def next_reset(self, guild_id: int) -> datetime.datetime:
        return self.day(guild_id) + datetime.timedelta(days=1)

    def today(self, caller: Caller) -> Spent:
        return self.store.spent(caller.guild_id, self.day(caller.guild_id), caller.user_id)

    def allowance(self, caller: Caller) -> Allowance:
        limits = caller.limits
        extra_seconds, extra_watt_hours = self.store.granted(caller.guild_id, caller.user_id, self.day(caller.guild_id))
        return Allowance(
            gpu_seconds=limits.daily_gpu_seconds + extra_seconds if limits.daily_gpu_seconds else 0.0,
            watt_hours=limits.daily_watt_hours + extra_watt_hours if limits.daily_watt_hours else 0.0,
        )

    # ---------------------------------------------------------------- around each job (called by the engine)

    def fit(self, caller: Caller, request: Request, model: str | None = None) -> Fitted:
        self.check_budget(caller)
        defaults = self.catalog.defaults(model)
        if request.width is None and max(defaults.width, defaults.height) > caller.limits.max_side:
            request = replace(request, width=defaults.width, height=defaults.height)
        return fit(request, caller.limits, caller.tier, defaults.steps)

    def styles(self, guild_id: int) -> dict[str, Style]:
        return self.store.styles(guild_id)

    def check_budget(self, caller: Caller) -> None:
        """``TurnError`` with the time budgets start again, once the member's day is spent."""
        if self.allowance(caller).exhausted(self.today(caller)):
            reset = int(self.next_reset(caller.guild_id).timestamp())
            raise TurnError(
                _(
                    "You've used today's budget for the {tier} tier; it starts again <t:{reset}:R> (<t:{reset}:t>). "
                    "/usage shows what you used.",
                    tier=shown_tier(caller.tier),
                    reset=reset,
                )
            )

    def queue(self, guild_id: int) -> FairQueue:
        if guild_id not in self._queues:
            self._queues[guild_id] = FairQueue(self.settings.server_concurrency)
        return self._queues[guild_id]

    @contextlib.asynccontextmanager
    async def slot(
        self,
        caller: Caller,
        *,
        label: str,
        conversation: str,
        on_position: Callable[[int], Awaitable[None]] | None = None,
    ) -> AsyncIterator[Ticket]:
        limits = caller.limits
        async with self.queue(caller.guild_id).slot(
            caller.user_id,
            concurrent=limits.concurrent,
            queued=limits.queued,
            label=label,
            conversation=conversation,
            on_position=on_position,
        ) as ticket:
            yield ticket

    def charge(self, caller: Caller, conversation: str, status: JobStatus) -> None:
        """What a finished job cost goes to its member; failed and cancelled jobs cost nothing."""
        if status.state != "done":
            return
        self.store.charge(
            status.job,
            guild_id=caller.guild_id,
            channel_id=caller.channel_id,
            conversation=conversation,
            user_id=caller.user_id,
            tier=caller.tier,
            images=len(status.images),
            device_seconds=status.usage.device_seconds,
            joules=status.usage.joules,
            estimated=int(status.usage.estimated),
            created_at=self.clock().timestamp(),
        )
        log.info(
            "studio.charged",
            guild=caller.guild_id,
            user=caller.user_id,
            job=status.job,
            seconds=round(status.usage.device_seconds, 3),
        )
