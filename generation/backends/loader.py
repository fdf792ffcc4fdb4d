"""Finding, loading and placing the model. Nothing here ever reaches the network."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import torch
from diffusers import AutoPipelineForText2Image, DiffusionPipeline
from diffusers.utils import logging as diffusers_logging
from pydantic import ValidationError
from safetensors import safe_open
from transformers.utils import logging as transformers_logging

from atelier.config import BUILTIN_MODEL, BUILTIN_MODELS, RANDOM_MODEL, DefaultsConfig, ModelConfig
from atelier.logs import get_logger
from generation.backends.builtin import builtin_model_dir, cached_model_dir
from generation.builtin import WEIGHTS

log = get_logger("generation.loader")

BUILTIN_NOTES = {
    BUILTIN_MODEL: (
        "built-in model trained by the project on a world of coloured shapes (64x64, English and French "
        "captions such as 'a large yellow square in the centre on a blue background'); set [model] path to a "
        "real checkpoint for real images"
    ),
    RANDOM_MODEL: (
        "built-in model with random weights: it draws noise, not pictures, and exists to run the whole "
        "system fast anywhere; set [model] path to a real checkpoint for real images"
    ),
}
# A model folder may declare the sampling defaults it was made for (its native size, steps, guidance).
DECLARED_DEFAULTS_FILE = "atelier.json"
# Instruction-edit pipelines run whole by diffusers (see generation/backends/instruct.py).
WHOLE_PIPELINES = ("FluxKontextPipeline", "QwenImageEditPipeline")
EDIT_KINDS = "InstructPix2Pix, FLUX.1 Kontext, Qwen-Image-Edit"
# Keys that only Stable Diffusion XL checkpoints carry (its second text encoder, or the refiner's only one).
_SDXL_KEY_PREFIXES = ("conditioner.embedders.1.", "conditioner.embedders.0.model.")


class ModelLoadError(Exception):
    """The configured model can't be used; the message is one line naming the path."""


@dataclass(frozen=True)
class LoadedModel:
    pipeline: DiffusionPipeline
    name: str
    builtin: bool
    device: str
    dtype: torch.dtype
    # Sampling defaults the model's folder declares; they replace [defaults] for this model.
    declared_defaults: dict = field(default_factory=dict)
    # The checkpoint came with diffusers' safety checker, which was taken out (see ``without_safety_checker``).
    safety_checker_removed: bool = False


def declared_defaults(folder: Path) -> dict:
    """The defaults a model folder declares in ``atelier.json`` (``{"defaults": {"width": 64, ...}}``), checked."""
    path = folder / DECLARED_DEFAULTS_FILE
    if not path.is_file():
        return {}

    def invalid(reason: str) -> ModelLoadError:
        return ModelLoadError(f"model's {DECLARED_DEFAULTS_FILE} is invalid: {path}: {reason}")

    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise invalid(str(exc)) from None
    declared = document.get("defaults", {}) if isinstance(document, dict) else None
    if not isinstance(declared, dict):
        raise invalid('it must be a JSON object like {"defaults": {"width": 64}}')
    names = set(DefaultsConfig.model_fields)
    if not set(declared) <= names:
        raise invalid(f"defaults may only set {', '.join(sorted(names))}")
    try:
        DefaultsConfig.model_validate(declared)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise invalid(f"defaults.{'.'.join(str(part) for part in first['loc'])}: {first['msg']}") from None
    return declared


def choose_device(setting: str) -> str:
    if setting == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if setting == "cuda" and not torch.cuda.is_available():
        raise ModelLoadError("[model] device is cuda but no CUDA device is available")
    return setting


def choose_dtype(setting: str, device: str) -> torch.dtype:
    if setting != "auto":
        return getattr(torch, setting)
    if device == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.float32


def _single_file_pipeline_class(path: Path) -> type[DiffusionPipeline]:
    from diffusers import StableDiffusionPipeline, StableDiffusionXLPipeline

    try:
        with safe_open(str(path), framework="pt") as checkpoint:
            keys = list(checkpoint.keys())
    except Exception as exc:
        raise ModelLoadError(f"model checkpoint unreadable: {path}: {exc}") from None
    if any(key.startswith(_SDXL_KEY_PREFIXES) for key in keys):
        return StableDiffusionXLPipeline
    if any(key.startswith("model.diffusion_model.") for key in keys):
        return StableDiffusionPipeline
    raise ModelLoadError(f"model checkpoint is not a Stable Diffusion 1.x, 2.x or XL checkpoint: {path}")


def check_model_path(path: Path) -> None:
    """What can be told of a checkpoint without loading it: it exists, is readable, and is a diffusers folder or
    a ``.safetensors`` file."""
    if not path.exists():
        raise ModelLoadError(f"model not found: {path}")
    if not os.access(path, os.R_OK):
        raise ModelLoadError(f"model unreadable: {path}")
    if path.is_dir() and not (path / "model_index.json").is_file():
        raise ModelLoadError(f"model folder has no model_index.json (not a diffusers folder): {path}")
    if path.is_file() and path.suffix != ".safetensors":
        raise ModelLoadError(f"model file must be a .safetensors checkpoint: {path}")


def weights_on_disk(path: Path) -> int:
    """Bytes of a checkpoint's weight files: a first guess at what it takes in memory."""
    if path.is_file():
        return path.stat().st_size
    suffixes = {".safetensors", ".bin"}
    return sum(file.stat().st_size for file in path.rglob("*") if file.suffix in suffixes and file.is_file())


def _load_from_disk(config: ModelConfig, dtype: torch.dtype) -> DiffusionPipeline:
    path = Path(config.path)
    check_model_path(path)
    try:
        if path.is_dir():
            return AutoPipelineForText2Image.from_pretrained(path, torch_dtype=dtype, local_files_only=True)
        pipeline_class = _single_file_pipeline_class(path)
        options: dict = {"torch_dtype": dtype, "local_files_only": True}
        if config.config:
            options["config"] = config.config
        return pipeline_class.from_single_file(str(path), **options)
    except ModelLoadError:
        raise
    except Exception as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        hint = ""
        if path.is_file() and not config.config:
            hint = " (set [model] config to a local diffusers folder holding the base model's configs)"
        raise ModelLoadError(f"model could not be loaded from {path}: {first_line}{hint}") from None


def _cache_dir(config: ModelConfig, data_dir: Path) -> Path:
    return Path(config.cache_dir) if config.cache_dir else data_dir / "models"


def model_source(config: ModelConfig, data_dir: Path) -> Path:
    """Where a model's weights are (for ``builtin:random``, the cache folder it is built in), checked as far as
    can be done without loading them."""
    if config.path == RANDOM_MODEL:
        return cached_model_dir(_cache_dir(config, data_dir))
    if config.path == BUILTIN_MODEL:
        if not (WEIGHTS / "model_index.json").is_file():
            raise ModelLoadError(
                f"the built-in model's weights are missing from {WEIGHTS}: "
                f"train them with python -m generation.builtin.train --out {WEIGHTS}"
            )
        return WEIGHTS
    if config.path.startswith("builtin:"):
        raise ModelLoadError(f"unknown built-in model {config.path!r}; there are {' and '.join(BUILTIN_MODELS)}")
    path = Path(config.path)
    check_model_path(path)
    return path


def load_model(config: ModelConfig, data_dir: Path, name: str | None = None) -> LoadedModel:
    """Load the model ``config`` points at, named ``name`` (by default its built-in name or its folder's)."""
    diffusers_logging.disable_progress_bar()
    transformers_logging.disable_progress_bar()
    if config.threads:
        torch.set_num_threads(config.threads)
    device = choose_device(config.device)
    dtype = choose_dtype(config.dtype, device)
    builtin = config.path in BUILTIN_MODELS
    if config.path == RANDOM_MODEL:
        folder = builtin_model_dir(_cache_dir(config, data_dir))
    else:
        folder = model_source(config, data_dir)
    defaults = declared_defaults(folder) if folder.is_dir() else {}
    if builtin:
        pipeline = AutoPipelineForText2Image.from_pretrained(folder, torch_dtype=dtype, local_files_only=True)
    else:
        pipeline = _load_from_disk(config, dtype)
    removed = without_safety_checker(pipeline)
    pipeline.to(device)
    pipeline.set_progress_bar_config(disable=True)
    name = name or (config.path if builtin else folder.name)
    return LoadedModel(
        pipeline=pipeline,
        name=name,
        builtin=builtin,
        device=device,
        dtype=dtype,
        declared_defaults=defaults,
        safety_checker_removed=removed,
    )


def check_instruct_folder(path: Path, setting: str = "[model] edit_path") -> None:
    """That the folder ``setting`` names is an InstructPix2Pix diffusers folder: its UNet takes the picture's
    latents beside the noisy ones. Read from the configs, without loading anything."""
    check_model_path(path)
    if not path.is_dir():
        raise ModelLoadError(
            f"{setting} must be a diffusers folder (InstructPix2Pix, FLUX.1 Kontext, Qwen-Image-Edit): {path}"
        )
    try:
        kind = json.loads((path / "model_index.json").read_text(encoding="utf-8")).get("_class_name")
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"{setting} has no readable model_index.json: {path}: {exc}") from None
    if kind in WHOLE_PIPELINES:
        return
    try:
        unet = json.loads((path / "unet" / "config.json").read_text(encoding="utf-8"))
        vae = json.loads((path / "vae" / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"{setting} has no readable unet and vae configs: {path}: {exc}") from None
    if unet.get("in_channels") != 2 * vae.get("latent_channels", 4):
        raise ModelLoadError(f"{setting} is not an instruction-edit checkpoint ({EDIT_KINDS}): {path}")


def load_instruct_model(path: Path, setting: str, config: ModelConfig, name: str) -> LoadedModel:
    """An instruction-edit checkpoint (a diffusers folder of one of ``WHOLE_PIPELINES`` or InstructPix2Pix), on
    ``config``'s device and dtype."""
    from diffusers import StableDiffusionInstructPix2PixPipeline

    check_instruct_folder(path, setting)
    device = choose_device(config.device)
    dtype = choose_dtype(config.dtype, device)
    options = {"torch_dtype": dtype, "local_files_only": True}
    try:
        if json.loads((path / "model_index.json").read_text(encoding="utf-8")).get("_class_name") in WHOLE_PIPELINES:
            pipeline = DiffusionPipeline.from_pretrained(path, **options)
        else:
            pipeline = StableDiffusionInstructPix2PixPipeline.from_pretrained(
                path, safety_checker=None, requires_safety_checker=False, **options
            )
    except Exception as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelLoadError(f"{setting} could not be loaded from {path}: {first_line}") from None
    pipeline.to(device)
    pipeline.set_progress_bar_config(disable=True)
    return LoadedModel(pipeline=pipeline, name=name, builtin=False, device=device, dtype=dtype)


def without_safety_checker(pipeline: DiffusionPipeline) -> bool:
    """Take out the safety checker an SD 1.x checkpoint may ship with; True when there was one.

    It blacks out a picture it flags and the pipeline carries on, so the black picture would be signed and served
    as a success. Atelier screens every output itself (the bot's image check), and says in ``/healthz`` that the
    checkpoint's own checker is off."""
    if getattr(pipeline, "safety_checker", None) is None:
        return False
    pipeline.register_modules(safety_checker=None)
    log.info("model.safety_checker_removed", pipeline=type(pipeline).__name__)
    return True
