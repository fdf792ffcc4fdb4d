"""A real service process killed with SIGKILL mid-work: after a restart queued jobs run and the running one
is retried."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

CONFIG = """
[service]
data_dir = "{data}"
port = {port}
[model]
path = "builtin:random"
device = "cpu"
threads = 1
cache_dir = "{cache}"
[defaults]
width = 64
height = 64
steps = 4
[logging]
level = "warning"
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(config: Path) -> subprocess.Popen:
    environment = {**os.environ, "ATELIER_CONFIG": str(config)}
    return subprocess.Popen([sys.executable, "-m", "generation"], env=environment, stderr=subprocess.DEVNULL)


async def wait_for(http: aiohttp.ClientSession, url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, "the service exited"
        try:
            async with http.get(f"{url}/healthz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientConnectionError:
            pass
        await asyncio.sleep(0.2)
    raise AssertionError("the service never answered")


async def status(http: aiohttp.ClientSession, url: str, job: str) -> dict:
    async with http.get(f"{url}/v1/jobs/{job}") as response:
        return await response.json()


async def test_a_killed_service_runs_its_queue_after_a_restart(tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    config = tmp_path / "config.toml"
    config.write_text(CONFIG.format(data=tmp_path / "data", port=port, cache=tmp_path / "models"))
    first = start(config)
    try:
        async with aiohttp.ClientSession() as http:
            await wait_for(http, url, first)
            jobs = []
            # The first job runs; the others are of another size, so they wait behind it.
            for body in ({"steps": 100}, {"width": 128}, {"width": 128, "seed": 5}):
                async with http.post(f"{url}/v1/generate", json={"prompt": "a boat", "wait": False, **body}) as answer:
                    jobs.append((await answer.json())["job"])
            for _ in range(500):
                if (await status(http, url, jobs[0]))["step"] >= 2:
                    break
                await asyncio.sleep(0.02)
            assert [(await status(http, url, job))["state"] for job in jobs] == ["running", "queued", "queued"]
            first.send_signal(signal.SIGKILL)
            first.wait()

        second = start(config)
        try:
            async with aiohttp.ClientSession() as http:
                await wait_for(http, url, second)
                for _ in range(600):
                    states = [(await status(http, url, job))["state"] for job in jobs]
                    if all(state in ("done", "failed") for state in states):
                        break
                    await asyncio.sleep(0.05)
                assert states == ["done", "done", "done"]
        finally:
            second.terminate()
            second.wait(30)
    finally:
        if first.poll() is None:
            first.kill()
    assert not list((tmp_path / "data").rglob("*.part"))
