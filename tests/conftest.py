"""Suite-wide settings (one torch thread: 2-core machines thrash with more; quiet logs) and a real
generation service on loopback around the built-in model, one per test, sharing one loaded model."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
import torch
from aiohttp.test_utils import TestClient, TestServer

from atelier.config import Config, ModelConfig
from atelier.logs import configure_logging
from generation.api.app import create_app
from generation.backends.loader import LoadedModel, load_model
from generation.service import load_provenance, make_backend

torch.set_num_threads(1)
configure_logging("warning")

SMALL = {"width": 64, "height": 64, "steps": 4, "guidance": 7.0, "strength": 0.6}


@pytest.fixture(autouse=True)
def quiet_logs():
    # Command-line entry points point the logs at the stderr that capsys swaps in and then closes.
    yield
    configure_logging("warning")


@pytest.fixture(scope="session")
def model(tmp_path_factory: pytest.TempPathFactory) -> LoadedModel:
    cache = tmp_path_factory.mktemp("model-cache")
    return load_model(ModelConfig(cache_dir=str(cache), device="cpu"), cache)


def service_config(data_dir: Path, **sections: dict) -> Config:
    sections = {"defaults": SMALL, **sections}
    service = {"data_dir": str(data_dir), **sections.pop("service", {})}
    return Config().with_overrides(service=service, **sections)


@pytest.fixture
def start_service(model: LoadedModel, tmp_path: Path):
    """``async with start_service(**sections) as client``: a fresh app on the test's data dir."""

    @contextlib.asynccontextmanager
    async def start(**sections):
        config = service_config(tmp_path / "data", **sections)
        config.service.data_dir.mkdir(parents=True, exist_ok=True)
        app = create_app(config, make_backend(config, model), load_provenance(config))
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:
            yield client

    return start


@pytest.fixture
async def client(start_service):
    async with start_service() as client:
        yield client
