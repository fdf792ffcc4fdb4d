"""SIGTERM and SIGINT stop the bot cleanly, the generation service it started included: no orphan process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.generation.test_crash import free_port

CONFIG = """
[service]
data_dir = "{data}"
[model]
path = "builtin:random"
device = "cpu"
threads = 1
cache_dir = "{cache}"
[bot]
service_url = "http://127.0.0.1:{port}"
database = "{data}/bot.db"
console_dir = "{data}/console"
[logging]
level = "warning"
"""


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_stops_the_bot_and_the_service_it_started(tmp_path, signum):
    config = tmp_path / "config.toml"
    config.write_text(CONFIG.format(data=tmp_path / "data", cache=tmp_path / "models", port=free_port()))
    bot = subprocess.Popen(
        [sys.executable, "-m", "bot", "console", "--config", str(config)],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not (tmp_path / "data" / "service.log").exists() or not children(bot.pid):
            assert bot.poll() is None, "the bot exited before starting a service"
            assert time.monotonic() < deadline, "the bot never started a service"
            time.sleep(0.2)
        (service,) = children(bot.pid)
        # Let the service come up, so the bot is waiting on its terminal, as a member would leave it.
        time.sleep(3)
        bot.send_signal(signum)
        assert bot.wait(60) == 0
        deadline = time.monotonic() + 30
        while alive(service) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(service), "the generation service outlived the bot"
    finally:
        for pid in [bot.pid, *children(bot.pid)]:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
