"""Finding the generation service, or starting one on the built-in model when nobody answers."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

from atelier.config import Config
from atelier.logs import get_logger
from bot.service_client import GenerationClient, ServiceRejected, ServiceUnavailable

log = get_logger("bot.launcher")

START_TIMEOUT = 300.0


class LaunchError(Exception):
    """No service answers and none could be started; one line for the user."""


async def answers(url: str, token: str) -> bool:
    async with GenerationClient(url, token, timeout=5) as client:
        try:
            await client.health()
        except (ServiceUnavailable, ServiceRejected):
            return False
        return True


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.asynccontextmanager
async def service_url(config: Config, config_path: str | None) -> AsyncIterator[str]:
    """The URL of a service that answers: the configured one, or a local one started for as long as needed."""
    url = config.bot.service_url
    if await answers(url, config.service.token):
        yield url
        return
    if not config.bot.start_service:
        raise LaunchError(f"no generation service answers at {url} ([bot] start_service is off)")
    port = _free_port()
    command = [sys.executable, "-m", "generation", "--host", "127.0.0.1", "--port", str(port)]
    if config_path:
        command += ["--config", config_path]
    command += ["--data-dir", str(config.service.data_dir)]
    log.info("service.starting", port=port, data_dir=str(config.service.data_dir))
    log_file = Path(config.service.data_dir) / "service.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    output = await asyncio.to_thread(log_file.open, "ab")
    process = await asyncio.create_subprocess_exec(*command, stdout=output, stderr=output)
    output.close()
    local = f"http://127.0.0.1:{port}"
    try:
        await _wait_until_up(process, local, config.service.token, log_file)
        yield local
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 15)
            except TimeoutError:
                process.kill()


async def _wait_until_up(process: asyncio.subprocess.Process, url: str, token: str, log_file: Path) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_TIMEOUT
    while loop.time() < deadline:
        if process.returncode is not None:
            text = await asyncio.to_thread(log_file.read_text, errors="replace")
            last = text.strip().splitlines()[-1:] or ["no output"]
            raise LaunchError(f"the generation service exited at start: {last[0]}")
        if await answers(url, token):
            return
        await asyncio.sleep(0.5)
    process.terminate()
    raise LaunchError(f"the generation service did not answer within {START_TIMEOUT:.0f} s (log: {log_file})")
