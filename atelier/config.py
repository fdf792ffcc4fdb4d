"""The one configuration loader: `config.toml` into frozen, validated settings.

Every setting has a default here and is documented in the repository's `config.toml`. Relative paths are
resolved against the folder of the file they were read from, so the service behaves the same whatever the
working directory. Secrets can come from the environment instead of the file.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Literal

from limits import parse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

CONFIG_ENV = "ATELIER_CONFIG"
SERVICE_TOKEN_ENV = "ATELIER_SERVICE_TOKEN"
DISCORD_TOKEN_ENV = "DISCORD_TOKEN"
# The model the project trains on its procedural world (generation/builtin), and the same kind of pipeline with
# random weights, the fastest to load and run, for tests.
BUILTIN_MODEL = "builtin:tiny"
RANDOM_MODEL = "builtin:random"
BUILTIN_MODELS = (BUILTIN_MODEL, RANDOM_MODEL)


# The name of the instruction-edit model of ``[model] edit_path`` among the service's models.
INSTRUCT_MODEL = "instruct"
# How a model of ``[models.NAME]`` may be named: it is typed in Discord and sent in requests.
MODEL_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,31}")


class ConfigError(Exception):
    """A configuration that cannot be used; its message is one line naming the setting."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ServiceConfig(_Section):
    host: str = "127.0.0.1"
    port: int = Field(8765, ge=0, le=65535)
    token: str = ""
    data_dir: Path = Path("data")
    max_queue: int = Field(64, ge=1)
    publish_workers: int = Field(2, ge=1, le=64)
    png_compression: int = Field(1, ge=0, le=9)


class ModelConfig(_Section):
    path: str = BUILTIN_MODEL
    config: str = ""
    cache_dir: str = ""
    device: Literal["auto", "cuda", "cpu"] = "auto"
    dtype: Literal["auto", "float32", "float16", "bfloat16"] = "auto"
    threads: int = Field(0, ge=0)
    keep_latents: bool = True
    channels_last: bool = True
    compile: Literal["off", "default", "max-autotune", "reduce-overhead"] = "off"
    compile_sizes: list[tuple[int, int]] = [(512, 512)]
    # Memory the models held at once may take (their weights); the least recently used is let go to make room.
    memory_budget_gb: float = Field(0.0, ge=0)
    # An instruction-edit checkpoint (InstructPix2Pix): turns the conversation can't read go to it as instructions.
    edit_path: str = ""
    # A text-segmentation checkpoint (CLIPSeg): "only the cat" masks the cat.
    segmentation_path: str = ""


class NamedModelConfig(_Section):
    """One more model the service offers under its name (``[models.NAME]``), loaded when first asked for."""

    path: str
    config: str = ""
    # "instruct": an instruction-edit checkpoint (InstructPix2Pix), like [model] edit_path: it edits, by instruction.
    kind: Literal["text-to-image", "instruct"] = "text-to-image"
    # Sampling this model was made for; unset: what its folder declares, then [defaults].
    width: int | None = Field(None, ge=64)
    height: int | None = Field(None, ge=64)
    steps: int | None = Field(None, ge=1)
    guidance: float | None = Field(None, ge=0)
    strength: float | None = Field(None, gt=0, le=1)

    def sampling_defaults(self) -> dict:
        return {name: getattr(self, name) for name in DefaultsConfig.model_fields if getattr(self, name) is not None}


class LorasConfig(_Section):
    # The operator's LoRAs: every NAME.safetensors in this folder, applied per request by name with a weight.
    folder: str = ""
    max_per_request: int = Field(3, ge=1, le=8)


class BatchingConfig(_Section):
    max_batch: int = Field(16, ge=1, le=256)
    max_batch_pixels: int = Field(16 * 512 * 512, ge=4096)


class DefaultsConfig(_Section):
    width: int = Field(512, ge=64)
    height: int = Field(512, ge=64)
    steps: int = Field(25, ge=1)
    guidance: float = Field(7.0, ge=0)
    strength: float = Field(0.6, gt=0, le=1)


class LimitsConfig(_Section):
    min_side: int = Field(64, ge=8)
    max_side: int = Field(2048, ge=64)
    max_steps: int = Field(100, ge=1)
    max_guidance: float = Field(30.0, gt=0)
    max_count: int = Field(4, ge=1, le=16)
    max_prompt_chars: int = Field(2000, ge=1)
    max_upload_bytes: int = Field(12 * 1024 * 1024, ge=1024)
    max_upload_pixels: int = Field(40_000_000, ge=4096)
    max_edit_side: int = Field(1024, ge=64)
    concurrent_decodes: int = Field(2, ge=1, le=64)
    max_job_cost: int = Field(250_000_000, ge=4096)
    max_job_seconds: float = Field(600.0, gt=0)

    @model_validator(mode="after")
    def _sides_ordered(self) -> LimitsConfig:
        if self.min_side > self.max_side:
            raise ValueError("min_side is larger than max_side")
        return self


class ProvenanceConfig(_Section):
    cert_chain: str = ""
    private_key: str = ""
    algorithm: Literal["es256", "es384", "es512", "ps256", "ps384", "ps512", "ed25519"] = "es256"
    timestamp_url: str = ""
    trust_anchors: str = ""
    include_prompt: bool = True
    watermark: bool = True
    resolver_rate: str = "60/minute"

    @field_validator("resolver_rate")
    @classmethod
    def _rate(cls, value: str) -> str:
        try:
            parse(value)
        except ValueError:
            raise ValueError(f"not a rate such as '60/minute' or '5/second': {value!r}") from None
        return value

    @model_validator(mode="after")
    def _pair(self) -> ProvenanceConfig:
        if bool(self.cert_chain) != bool(self.private_key):
            raise ValueError("cert_chain and private_key must be set together")
        return self


class BotConfig(_Section):
    service_url: str = "http://127.0.0.1:8765"
    public_service_url: str = ""
    database: str = "data/bot.db"
    console_dir: str = "data/console"
    start_service: bool = True
    variations: int = Field(2, ge=1, le=4)
    max_attachment_bytes: int = Field(8 * 1024 * 1024, ge=1024)
    thread_archive_minutes: Literal[60, 1440, 4320, 10080] = 1440
    public_url: str = ""
    web_host: str = "127.0.0.1"
    web_port: int = Field(8766, ge=0, le=65535)
    mask_link_minutes: int = Field(15, ge=1, le=1440)


class StudioConfig(_Section):
    daily_gpu_seconds: float = Field(0.0, ge=0)
    daily_watt_hours: float = Field(0.0, ge=0)
    concurrent: int = Field(2, ge=1, le=16)
    queued: int = Field(5, ge=0, le=100)
    max_side: int = Field(1024, ge=64)
    max_steps: int = Field(50, ge=1)
    max_count: int = Field(4, ge=1, le=16)
    server_concurrency: int = Field(2, ge=1, le=64)
    reset_hour: int = Field(0, ge=0, le=23)
    grid_gco2_per_kwh: float = Field(400.0, ge=0)
    service_patience_seconds: float = Field(180.0, ge=0)


class DiscordConfig(_Section):
    token: str = ""
    api_base: str = "https://discord.com/api/v10"
    gateway_url: str = "wss://gateway.discord.gg"


class ModerationConfig(_Section):
    preset: Literal["strict", "balanced", "open"] = "balanced"
    semantic: bool = False
    semantic_threshold: float = Field(0.7, gt=0, lt=1)
    output_check: Literal["auto", "off"] = "auto"
    output_action: Literal["block", "spoiler"] = "block"
    likeness: Literal["allow", "deny"] = "deny"


class AccountingConfig(_Section):
    watts: float = Field(300.0, ge=0)


class LoggingConfig(_Section):
    level: Literal["debug", "info", "warning", "error"] = "info"


class Config(_Section):
    service: ServiceConfig = ServiceConfig()
    model: ModelConfig = ModelConfig()
    models: dict[str, NamedModelConfig] = {}
    loras: LorasConfig = LorasConfig()
    defaults: DefaultsConfig = DefaultsConfig()
    limits: LimitsConfig = LimitsConfig()
    batching: BatchingConfig = BatchingConfig()
    accounting: AccountingConfig = AccountingConfig()
    provenance: ProvenanceConfig = ProvenanceConfig()
    bot: BotConfig = BotConfig()
    studio: StudioConfig = StudioConfig()
    discord: DiscordConfig = DiscordConfig()
    moderation: ModerationConfig = ModerationConfig()
    logging: LoggingConfig = LoggingConfig()

    @model_validator(mode="after")
    def _defaults_within_limits(self) -> Config:
        _check_within_limits("[defaults]", self.defaults.model_dump(), self.limits)
        for name, model in self.models.items():
            if name == INSTRUCT_MODEL:
                raise ValueError(f"[models.{name}]: the name is kept for [model] edit_path; choose another")
            if not MODEL_NAME.fullmatch(name):
                raise ValueError(f"[models.{name}]: a model's name is 1-32 lower-case letters, digits, '-', '_' or '.'")
            _check_within_limits(f"[models.{name}]", model.sampling_defaults(), self.limits)
        return self

    def with_overrides(self, **sections: dict[str, object]) -> Config:
        """A copy with some settings replaced, e.g. ``with_overrides(service={"port": 0})``."""
        data = self.model_dump()
        for section, values in sections.items():
            data[section].update(values)
        return Config.model_validate(data)


def _check_within_limits(section: str, defaults: dict, limits: LimitsConfig) -> None:
    for side in ("width", "height"):
        value = defaults.get(side)
        if value is not None and (not limits.min_side <= value <= limits.max_side or value % 8):
            raise ValueError(
                f"{section} {side} = {value} must be a multiple of 8 between [limits] min_side and max_side"
            )
    if defaults.get("steps", 0) > limits.max_steps:
        raise ValueError(f"{section} steps = {defaults['steps']} is above [limits] max_steps")
    if defaults.get("guidance", 0) > limits.max_guidance:
        raise ValueError(f"{section} guidance = {defaults['guidance']} is above [limits] max_guidance")


def _resolve_paths(config: Config, base: Path) -> Config:
    def resolve(value: str) -> str:
        if not value or value.startswith("builtin:"):
            return value
        path = Path(value).expanduser()
        return str(path if path.is_absolute() else (base / path))

    service = config.service.model_copy(update={"data_dir": Path(resolve(str(config.service.data_dir)))})
    model = config.model.model_copy(
        update={
            key: resolve(getattr(config.model, key))
            for key in ("path", "config", "cache_dir", "edit_path", "segmentation_path")
        }
    )
    models = {
        name: named.model_copy(update={key: resolve(getattr(named, key)) for key in ("path", "config")})
        for name, named in config.models.items()
    }
    loras = config.loras.model_copy(update={"folder": resolve(config.loras.folder)})
    provenance = config.provenance.model_copy(
        update={key: resolve(getattr(config.provenance, key)) for key in ("cert_chain", "private_key", "trust_anchors")}
    )
    bot = config.bot.model_copy(update={key: resolve(getattr(config.bot, key)) for key in ("database", "console_dir")})
    return config.model_copy(
        update={
            "service": service,
            "model": model,
            "models": models,
            "loras": loras,
            "provenance": provenance,
            "bot": bot,
        }
    )


def _describe(error: ValidationError, source: str) -> str:
    first = error.errors()[0]
    location = [str(part) for part in first["loc"]]
    if len(location) >= 3 and location[0] == "models":
        where = f"[models.{location[1]}] {'.'.join(location[2:])}"
    elif len(location) >= 2:
        where = f"[{location[0]}] {'.'.join(location[1:])}"
    elif location:
        where = f"[{location[0]}]"
    else:
        return f"{source}: {first['msg'].removeprefix('Value error, ')}"
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown setting"
    return f"{source}: {where}: {message}"


def load_config(path: str | os.PathLike[str] | None = None, environ: dict[str, str] | None = None) -> Config:
    """Read settings from ``path`` (or ``$ATELIER_CONFIG``, or ``./config.toml`` when present).

    Without any file the built-in defaults apply, with paths relative to the working directory.
    """
    environ = os.environ if environ is None else environ
    chosen = path or environ.get(CONFIG_ENV)
    if chosen is None and Path("config.toml").is_file():
        chosen = "config.toml"
    data: dict = {}
    base = Path.cwd()
    source = "defaults"
    if chosen is not None:
        file = Path(chosen)
        source = str(file)
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"config file not found: {file}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"config file unreadable: {file}: {exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{file}: invalid TOML: {exc}") from None
        base = file.resolve().parent
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, source)) from None
    token = environ.get(SERVICE_TOKEN_ENV)
    if token:
        config = config.model_copy(update={"service": config.service.model_copy(update={"token": token})})
    discord_token = environ.get(DISCORD_TOKEN_ENV)
    if discord_token:
        config = config.model_copy(update={"discord": config.discord.model_copy(update={"token": discord_token})})
    return _resolve_paths(config, base)
