"""Turning a configuration into a running service: checks, model, signer, app."""

from __future__ import annotations

import ipaddress

from aiohttp import web

from atelier.config import Config
from atelier.logs import get_logger
from generation.api.app import create_app
from generation.backends.diffusers import DiffusersBackend
from generation.backends.loader import LoadedModel, ModelLoadError, load_model
from generation.provenance import Provenance, ProvenanceSetupError, signing_material

log = get_logger("generation.service")


class StartupError(Exception):
    """The service can't start; the message is the one line shown to the operator."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_exposure(config: Config) -> None:
    if not is_loopback(config.service.host) and not config.service.token:
        raise StartupError(
            f"refusing to listen on {config.service.host} without a token: set [service] token "
            "or ATELIER_SERVICE_TOKEN, or listen on 127.0.0.1"
        )


def make_backend(config: Config, model: LoadedModel) -> DiffusersBackend:
    batching = config.batching
    backend = DiffusersBackend(model, batching.max_batch, batching.max_batch_pixels, config.model.keep_latents)
    backend.optimise_for_cuda(config.model.channels_last, config.model.compile, config.model.compile_sizes)
    return backend


def with_model_defaults(config: Config, model: LoadedModel) -> Config:
    """The configuration with the sampling defaults the model declares (its native size, ...) in place of
    [defaults]: the built-in model draws at 64x64 unless asked otherwise, other checkpoints keep [defaults]."""
    return config.with_overrides(defaults=model.declared_defaults) if model.declared_defaults else config


def load(config: Config) -> tuple[Config, DiffusersBackend]:
    """The loaded model's backend, and the configuration the service runs with around it."""
    try:
        model = load_model(config.model, config.service.data_dir)
    except ModelLoadError as exc:
        raise StartupError(str(exc)) from None
    log.info(
        "model.loaded",
        model=model.name,
        builtin=model.builtin,
        device=model.device,
        dtype=str(model.dtype),
        declared_defaults=model.declared_defaults,
    )
    config = with_model_defaults(config, model)
    return config, make_backend(config, model)


def load_provenance(config: Config) -> Provenance:
    try:
        material = signing_material(config.provenance, config.service.data_dir)
        return Provenance(material, config.provenance.timestamp_url, config.provenance.include_prompt)
    except ProvenanceSetupError as exc:
        raise StartupError(str(exc)) from None


def build_service(config: Config) -> web.Application:
    check_exposure(config)
    try:
        config.service.data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StartupError(f"data dir unusable: {config.service.data_dir}: {exc.strerror}") from None
    config, backend = load(config)
    return create_app(config, backend, load_provenance(config))
