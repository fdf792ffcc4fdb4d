"""Stopping cleanly: SIGTERM and SIGINT cancel the bot's main task, so every cleanup runs (the generation
service the bot started is stopped with it), and reading a terminal never holds the stop back."""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import AsyncIterator
from typing import TextIO

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def cancel_on_stop_signals(task: asyncio.Task) -> None:
    loop = asyncio.get_running_loop()
    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, task.cancel)


async def lines(stream: TextIO) -> AsyncIterator[str]:
    """Lines of a blocking stream, read on a daemon thread: a stop need not wait for the next line."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str] = asyncio.Queue()

    def read() -> None:
        while True:
            line = stream.readline()
            loop.call_soon_threadsafe(queue.put_nowait, line)
            if not line:
                return

    threading.Thread(target=read, name="stdin", daemon=True).start()
    while line := await queue.get():
        yield line
