"""Suite-wide settings (one torch thread: 2-core machines thrash with more; quiet logs) and a real
generation service on loopback around the built-in model, one per test, sharing one loaded model."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
import torch
from aiohttp.test_utils import TestClient, TestServer

from atelier.config import BUILTIN_MODEL, RANDOM_MODEL, Config, ModelConfig
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
    return load_model(ModelConfig(path=RANDOM_MODEL, cache_dir=str(cache), device="cpu"), cache)


def service_config(data_dir: Path, **sections: dict) -> Config:
    model = {"path": RANDOM_MODEL, "device": "cpu", **sections.pop("model", {})}
    sections = {"defaults": SMALL, "model": model, **sections}
    service = {"data_dir": str(data_dir), **sections.pop("service", {})}
    return Config().with_overrides(service=service, **sections)


@contextlib.asynccontextmanager
async def serve(loaded: LoadedModel, data_dir: Path, **sections):
    """A fresh app around an already-loaded model, with the defaults the model declares, as the service runs."""
    config = service_config(data_dir, **sections)
    config.service.data_dir.mkdir(parents=True, exist_ok=True)
    app = create_app(config, make_backend(config, loaded), load_provenance(config))
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client


@pytest.fixture
def start_service(model: LoadedModel, tmp_path: Path):
    """``async with start_service(**sections) as client``: a fresh app on the test's data dir."""
    return lambda **sections: serve(model, tmp_path / "data", **sections)


@pytest.fixture(scope="session")
def trained_model(tmp_path_factory: pytest.TempPathFactory) -> LoadedModel:
    """The built-in model with its committed weights (builtin:tiny), loaded once."""
    return load_model(ModelConfig(path=BUILTIN_MODEL, device="cpu"), tmp_path_factory.mktemp("unused-cache"))


@pytest.fixture
async def trained_client(trained_model: LoadedModel, tmp_path: Path):
    async with serve(trained_model, tmp_path / "data") as client:
        yield client


@pytest.fixture
async def client(start_service):
    async with start_service() as client:
        yield client
