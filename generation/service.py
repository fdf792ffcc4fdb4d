"""Turning a configuration into a running service: checks, model, signer, app."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from aiohttp import web

from atelier.config import INSTRUCT_MODEL, Config, DefaultsConfig, ModelConfig
from atelier.logs import get_logger
from generation.api.app import create_app
from generation.backends.diffusers import DiffusersBackend
from generation.backends.instruct import InstructBackend, PipelineEditBackend
from generation.backends.loader import (
    WHOLE_PIPELINES,
    LoadedModel,
    ModelLoadError,
    check_instruct_folder,
    choose_device,
    declared_defaults,
    load_instruct_model,
    load_model,
    model_source,
    weights_on_disk,
)
from generation.backends.shelf import ModelShelf, ShelfEntry
from generation.provenance import Provenance, ProvenanceSetupError, signing_material
from generation.segmentation import Segmenter

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


def lora_files(config: Config) -> dict[str, Path]:
    """The operator's LoRAs by name: every NAME.safetensors of ``[loras] folder``."""
    if not config.loras.folder:
        return {}
    folder = Path(config.loras.folder)
    if not folder.is_dir():
        raise ModelLoadError(f"[loras] folder not found: {folder}")
    return {path.stem: path for path in sorted(folder.glob("*.safetensors"))}


def _backend(config: Config, model: LoadedModel, loras: dict[str, Path]) -> DiffusersBackend:
    batching = config.batching
    backend = DiffusersBackend(model, batching.max_batch, batching.max_batch_pixels, config.model.keep_latents, loras)
    backend.optimise_for_cuda(config.model.channels_last, config.model.compile, config.model.compile_sizes)
    return backend


def model_defaults(config: Config, *layers: dict) -> DefaultsConfig:
    """[defaults], under what a model's folder declares, under what its own section sets."""
    merged = config.defaults.model_dump()
    for layer in layers:
        merged.update(layer)
    return DefaultsConfig.model_validate(merged)


def _named_model(config: Config, name: str) -> ModelConfig:
    named = config.models[name]
    return config.model.model_copy(update={"path": named.path, "config": named.config})


def shelf_entries(config: Config, default: LoadedModel) -> list[ShelfEntry]:
    """The default model (loaded) and every ``[models.NAME]``, checked on disk but not loaded."""
    if default.name in config.models:
        raise ModelLoadError(f"[models.{default.name}] has the default model's name; choose another")
    entries = [ShelfEntry(default.name, model_defaults(config, default.declared_defaults))]
    data_dir = config.service.data_dir
    for name, named in config.models.items():
        if named.kind == "instruct":
            check_instruct_folder(Path(named.path), f"[models.{name}] path")
            defaults = model_defaults(config, declared_defaults(Path(named.path)), named.sampling_defaults())
            entries.append(ShelfEntry(name, defaults, weights_on_disk(Path(named.path)), "instruct"))
            continue
        try:
            source = model_source(_named_model(config, name), data_dir)
        except ModelLoadError as exc:
            raise ModelLoadError(f"[models.{name}]: {exc}") from None
        declared = declared_defaults(source) if source.is_dir() else {}
        disk = weights_on_disk(source) if source.exists() else 0
        entries.append(ShelfEntry(name, model_defaults(config, declared, named.sampling_defaults()), disk))
    if config.model.edit_path:
        source = Path(config.model.edit_path)
        check_instruct_folder(source)
        declared = declared_defaults(source) if source.is_dir() else {}
        entries.append(
            ShelfEntry(INSTRUCT_MODEL, model_defaults(config, declared), weights_on_disk(source), "instruct")
        )
    return entries


def _instruct_backend(model: LoadedModel) -> InstructBackend | PipelineEditBackend:
    if type(model.pipeline).__name__ in WHOLE_PIPELINES:
        return PipelineEditBackend(model)
    return InstructBackend(model)


def make_backend(config: Config, model: LoadedModel) -> ModelShelf:
    """The service's models around the loaded default one; ``config`` has the operator's own [defaults]."""
    # Read once: a LoRA added to the folder later is offered after a restart.
    loras = lora_files(config)

    def load(name: str) -> DiffusersBackend | InstructBackend:
        if name == INSTRUCT_MODEL and config.model.edit_path:
            return _instruct_backend(load_instruct_model(Path(config.model.edit_path), "[model] edit_path",
                                                         config.model, name))  # fmt: skip
        if name in config.models and config.models[name].kind == "instruct":
            path, setting = Path(config.models[name].path), f"[models.{name}] path"
            return _instruct_backend(load_instruct_model(path, setting, config.model, name))
        # The default model comes back this way after the memory budget let it go.
        source = config.model if name == model.name else _named_model(config, name)
        return _backend(config, load_model(source, config.service.data_dir, name=name), loras)

    return ModelShelf(
        shelf_entries(config, model),
        _backend(config, model, loras),
        load,
        device=model.device,
        max_batch=config.batching.max_batch,
        max_batch_pixels=config.batching.max_batch_pixels,
        budget_bytes=int(config.model.memory_budget_gb * 2**30),
        loras=loras,
    )


def load_models(config: Config) -> ModelShelf:
    """The service's models: the default one loaded, the others checked and loaded when first asked for."""
    try:
        model = load_model(config.model, config.service.data_dir)
        shelf = make_backend(config, model)
    except ModelLoadError as exc:
        raise StartupError(str(exc)) from None
    log.info(
        "model.loaded",
        model=model.name,
        builtin=model.builtin,
        device=model.device,
        dtype=str(model.dtype),
        declared_defaults=model.declared_defaults,
        models=list(shelf.entries),
    )
    return shelf


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
    return create_app(config, load_models(config), load_provenance(config), load_segmenter(config))


def load_segmenter(config: Config) -> Segmenter | None:
    if not config.model.segmentation_path:
        return None
    try:
        return Segmenter(Path(config.model.segmentation_path), choose_device(config.model.device))
    except ModelLoadError as exc:
        raise StartupError(str(exc)) from None
