import socket

import pytest

from atelier.config import Config
from bot.launcher import LaunchError, answers, service_url


def dead_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


async def test_an_answering_service_is_used_as_it_is(client):
    url = str(client.make_url("")).rstrip("/")
    config = Config().with_overrides(bot={"service_url": url})
    async with service_url(config, None) as found:
        assert found == url


async def test_without_a_service_one_is_started_on_the_builtin_model(tmp_path):
    config = Config().with_overrides(bot={"service_url": dead_url()}, service={"data_dir": str(tmp_path)})
    async with service_url(config, None) as url:
        assert await answers(url, "")
    assert not await answers(url, "")


async def test_starting_can_be_turned_off(tmp_path):
    config = Config().with_overrides(bot={"service_url": dead_url(), "start_service": False})
    with pytest.raises(LaunchError, match="no generation service answers"):
        async with service_url(config, None):
            pass
