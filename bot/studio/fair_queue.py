"""One queue per server towards the generation service, fair across members.

The service runs jobs first come, first served; a member who sends ten turns at once would hold a channel
for minutes. So each server keeps its own queue in the bot: at most ``slots`` of its jobs are at the service
at once, and the next one is taken in turn from each member who has one waiting (round-robin), never more
than a member's own ``concurrent`` limit. A ticket's position is its place in that order, and moves as the
queue does.

A ticket's ``id`` is random, not a count: Cancel buttons outlive the process, and one from before a restart must
not match whichever ticket a new count would give the same number.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import secrets
from collections import Counter, deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from bot.conversation.engine import TurnError
from bot.i18n import _

Position = Callable[[int], Awaitable[None]]
# The order tickets joined in, for ties in the turn order; never shown, so a count per process is enough.
_joined = itertools.count(1)


class QueueFull(TurnError):
    """The member already has as many turns waiting as their tier allows."""


class Cancelled(TurnError):
    """The member (or an admin) cancelled a turn while it waited."""


@dataclass(eq=False)
class Ticket:
    member: int
    concurrent: int
    label: str
    conversation: str
    id: str = field(default_factory=lambda: secrets.token_hex(4))
    joined: int = field(default_factory=lambda: next(_joined), repr=False)
    position: int | None = None
    granted: bool = False
    cancelled: bool = False
    # The service's job once it was sent, so /queue can cancel it there.
    job: str | None = None
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def state(self) -> str:
        return "running" if self.granted else "waiting"


class FairQueue:
    def __init__(self, slots: int) -> None:
        self.slots = slots
        self._waiting: dict[int, deque[Ticket]] = {}
        # When each member was last served: the least recently served member goes next.
        self._served: dict[int, int] = {}
        self._serving = itertools.count(1)
        self._running: Counter[int] = Counter()
        self._granted: list[Ticket] = []

    def tickets(self) -> list[Ticket]:
        """Running tickets, then waiting ones in the order they will be served."""
        waiting = sorted((t for queue in self._waiting.values() for t in queue), key=lambda t: t.position or 0)
        return [*self._granted, *waiting]

    def find(self, ticket_id: str) -> Ticket | None:
        return next((ticket for ticket in self.tickets() if ticket.id == ticket_id), None)

    def waiting(self, member: int) -> int:
        return len(self._waiting.get(member, ()))

    @contextlib.asynccontextmanager
    async def slot(
        self,
        member: int,
        *,
        concurrent: int,
        queued: int,
        label: str = "",
        conversation: str = "",
        on_position: Position | None = None,
    ) -> AsyncIterator[Ticket]:
        """Wait for this member's turn at the service; the slot is held until the block ends."""
        busy = self._running[member] >= concurrent or self.waiting(member) or len(self._granted) >= self.slots
        if busy and self.waiting(member) >= queued:
            raise QueueFull(
                _(
                    "You have {running} running and {waiting} waiting, as many as your tier allows: wait for one to "
                    "finish, or cancel one with /queue.",
                    running=self._running[member],
                    waiting=self.waiting(member),
                )
            )
        ticket = Ticket(member=member, concurrent=concurrent, label=label, conversation=conversation)
        while self.find(ticket.id) is not None:  # unlikely with 32 random bits, but a button must name one ticket
            ticket.id = secrets.token_hex(4)
        self._waiting.setdefault(member, deque()).append(ticket)
        self._dispatch()
        try:
            await self._until_granted(ticket, on_position)
        except BaseException:
            if ticket.granted:
                self._release(ticket)
            else:
                self._withdraw(ticket)
            raise
        try:
            yield ticket
        finally:
            self._release(ticket)

    def cancel(self, ticket: Ticket) -> bool:
        """Stop a waiting ticket; False when it already runs (cancel its job on the service instead).

        The ticket leaves the line at once, so a slot that frees before its waiter wakes (say, while the waiter
        edits the member's message) goes to the next ticket, never to this one; the waiter then raises Cancelled.
        """
        if ticket.granted:
            return False
        ticket.cancelled = True
        ticket.position = None
        ticket.changed.set()
        self._withdraw(ticket)
        return True

    async def _until_granted(self, ticket: Ticket, on_position: Position | None) -> None:
        shown = None
        while not ticket.granted:
            if ticket.cancelled:
                raise Cancelled(_("Cancelled before it started."))
            if on_position is not None and ticket.position != shown:
                shown = ticket.position
                await on_position(shown)
                continue  # the queue may have moved while the member's message was edited
            ticket.changed.clear()
            await ticket.changed.wait()

    def _turn_order(self, served: dict[int, int]) -> list[int]:
        # Never-served members first, in the order they joined; then the longest since their last turn.
        return sorted(self._waiting, key=lambda member: (served.get(member, 0), self._waiting[member][0].joined))

    def _dispatch(self) -> None:
        while len(self._granted) < self.slots:
            member = next(
                (m for m in self._turn_order(self._served) if self._running[m] < self._waiting[m][0].concurrent),
                None,
            )
            if member is None:
                break
            ticket = self._waiting[member].popleft()
            if not self._waiting[member]:
                del self._waiting[member]
            self._served[member] = next(self._serving)
            self._running[member] += 1
            self._granted.append(ticket)
            ticket.granted = True
            ticket.position = None
            ticket.changed.set()
        if not self._waiting and not self._granted:
            # Idle: fairness is among members competing now, so who was served when is forgotten.
            self._served.clear()
        self._number_waiting()

    def _number_waiting(self) -> None:
        """Each waiting ticket's place if members keep taking turns (limits aside: they only slow a member)."""
        queues = {member: list(queue) for member, queue in self._waiting.items()}
        served = dict(self._served)
        clock = max(served.values(), default=0)
        position = 0
        while queues:
            member = min(queues, key=lambda m: (served.get(m, 0), queues[m][0].joined))
            ticket = queues[member].pop(0)
            if not queues[member]:
                del queues[member]
            clock += 1
            served[member] = clock
            position += 1
            if ticket.position != position:
                ticket.position = position
                ticket.changed.set()

    def _withdraw(self, ticket: Ticket) -> None:
        queue = self._waiting.get(ticket.member)
        if queue is not None and ticket in queue:
            queue.remove(ticket)
            if not queue:
                del self._waiting[ticket.member]
        self._dispatch()

    def _release(self, ticket: Ticket) -> None:
        if ticket in self._granted:
            self._granted.remove(ticket)
            self._running[ticket.member] -= 1
            if self._running[ticket.member] <= 0:
                del self._running[ticket.member]
        self._dispatch()
