"""Request parameters: their types (pydantic) and the operator's limits (config), with field-named errors."""

from __future__ import annotations

import math
import re
import secrets
from dataclasses import replace
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, StrictBool, StrictInt, StrictStr, ValidationError

from atelier.config import DefaultsConfig, LimitsConfig
from generation.errors import invalid
from generation.jobs.model import Sampling

MAX_SEED = 2**32 - 1
# Tabs and newlines are fine in a prompt; other control characters are not.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class LoraParam(BaseModel):
    """A LoRA of the service's folder, by name, and how strongly it applies."""

    model_config = ConfigDict(extra="forbid", strict=True)

    name: StrictStr
    weight: float = 1.0


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    prompt: StrictStr | None = None
    negative_prompt: StrictStr = ""
    steps: StrictInt | None = None
    guidance: float | None = None
    seed: StrictInt | None = None
    count: StrictInt = 1
    # A model of the service by name (``GET /v1/models``); unset: the default one.
    model: StrictStr | None = None
    loras: list[LoraParam] = []
    wait: StrictBool = True
    # With wait, a client that hangs up cancels its job unless it asks to keep it.
    keep: StrictBool = False
    # The public resolver may answer for its images without a token (a server whose results are public).
    public: StrictBool = False


class GenerateParams(_Params):
    width: StrictInt | None = None
    height: StrictInt | None = None


class Margins(BaseModel):
    """Pixels added on each side of the picture (outpainting: zoom out, pan, a new aspect ratio)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    left: StrictInt = 0
    top: StrictInt = 0
    right: StrictInt = 0
    bottom: StrictInt = 0


class EditParams(_Params):
    parent: StrictStr | None = None
    strength: float | None = None
    mask: StrictStr | None = None
    scale: StrictInt = 1
    extend: Margins | None = None
    # The prompt is an instruction ("make it winter") for the service's instruction-edit model ([model] edit_path).
    instruct: StrictBool = False
    image_guidance: float | None = None


P = TypeVar("P", bound=_Params)


def parse_params(model: type[P], data: object, where: str = "body") -> P:
    if not isinstance(data, dict):
        raise invalid(where, f"{where} must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "body"
        message = "unknown field" if first["type"] == "extra_forbidden" else first["msg"]
        raise invalid(field, f"{field}: {message}") from None


def _check_range(field: str, value: float, low: float, high: float) -> None:
    if not low <= value <= high:
        raise invalid(field, f"{field} must be between {low} and {high} (got {value})")


def _check_prompt(field: str, text: str, limits: LimitsConfig, required: bool) -> str:
    text = text.strip()
    if required and not text:
        raise invalid(field, f"{field} is required and must not be empty")
    if len(text) > limits.max_prompt_chars:
        raise invalid(field, f"{field} is {len(text)} characters; the limit is {limits.max_prompt_chars}")
    if _CONTROL.search(text):
        raise invalid(field, f"{field} contains control characters")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise invalid(field, f"{field} contains invalid Unicode (a lone surrogate)") from None
    return text


def check_loras(loras: list[LoraParam], known: dict[str, object], most: int) -> tuple[tuple[str, float], ...]:
    """The request's LoRAs as (name, weight) pairs in a stable order, each known, named once, weight in -2..2."""
    if len(loras) > most:
        raise invalid("loras", f"loras: at most {most} at once (got {len(loras)})")
    chosen: dict[str, float] = {}
    for index, lora in enumerate(loras):
        field = f"loras.{index}"
        if lora.name not in known:
            have = ", ".join(known) or "none"
            raise invalid(f"{field}.name", f"{field}.name: unknown LoRA {lora.name!r}; this service has {have}")
        if lora.name in chosen:
            raise invalid(f"{field}.name", f"{field}.name: {lora.name!r} is named twice")
        _check_range(f"{field}.weight", lora.weight, -2.0, 2.0)
        chosen[lora.name] = float(lora.weight)
    # A weight of 0 changes nothing: such a job batches with the jobs that name none.
    return tuple(sorted((name, weight) for name, weight in chosen.items() if weight != 0.0))


def check_instruction(params: EditParams, limits: LimitsConfig) -> float:
    """What an edit by instruction may not ask for, refused by name; its image guidance (1.5 unless given)."""
    for field, asked in (
        ("mask", params.mask is not None),
        ("extend", params.extend is not None),
        ("scale", params.scale != 1),
        ("loras", bool(params.loras)),
    ):
        if asked:
            raise invalid(field, f"{field} can't go with instruct: an instruction edits the whole picture on an "
                          "instruction-edit model")  # fmt: skip
    image_guidance = 1.5 if params.image_guidance is None else params.image_guidance
    _check_range("image_guidance", image_guidance, 0, limits.max_guidance)
    return float(image_guidance)


def check_side(field: str, value: int, limits: LimitsConfig) -> int:
    _check_range(field, value, limits.min_side, limits.max_side)
    if value % 8:
        raise invalid(field, f"{field} must be a multiple of 8 (got {value})")
    return value


def sampling(params: _Params, defaults: DefaultsConfig, limits: LimitsConfig) -> Sampling:
    prompt = _check_prompt("prompt", params.prompt or "", limits, required=True)
    negative = _check_prompt("negative_prompt", params.negative_prompt, limits, required=False)
    steps = defaults.steps if params.steps is None else params.steps
    _check_range("steps", steps, 1, limits.max_steps)
    guidance = defaults.guidance if params.guidance is None else params.guidance
    _check_range("guidance", guidance, 0, limits.max_guidance)
    _check_range("count", params.count, 1, limits.max_count)
    seed = secrets.randbelow(MAX_SEED + 2 - params.count) if params.seed is None else params.seed
    # Image i of a request uses seed + i, so any single image can be reproduced on its own.
    _check_range("seed", seed, 0, MAX_SEED + 1 - params.count)
    seeds = tuple(seed + index for index in range(params.count))
    return Sampling(prompt=prompt, negative_prompt=negative, steps=steps, guidance=float(guidance), seeds=seeds)


def edit_strength(
    params: EditParams, sampled: Sampling, defaults: DefaultsConfig, limits: LimitsConfig
) -> tuple[Sampling, float]:
    """The edit's strength, and its sampling with steps raised when ``steps x strength`` would run no step
    (few-step turbo models: 1 step at strength 0.5 becomes 2 steps of which 1 runs), within ``max_steps``."""
    strength = defaults.strength if params.strength is None else params.strength
    if not 0 < strength <= 1:
        raise invalid("strength", f"strength must be above 0 and at most 1 (got {strength})")
    steps = sampled.steps
    if int(steps * strength) < 1:
        if strength * limits.max_steps < 1:
            raise invalid(
                "strength",
                f"strength {strength} runs no step even at the limit of {limits.max_steps} steps: raise strength",
            )
        steps = math.ceil(1 / strength)
        if int(steps * strength) < 1:  # float rounding in 1 / strength
            steps += 1
        sampled = replace(sampled, steps=min(steps, limits.max_steps))
    return sampled, float(strength)


def check_cost(width: int, height: int, steps_run: int, count: int, limits: LimitsConfig) -> None:
    cost = width * height * steps_run * count
    if cost > limits.max_job_cost:
        field = "count" if count > 1 else "steps"
        raise invalid(
            field,
            f"the job is too large: {width}x{height} pixels x {steps_run} steps x {count} images = {cost:,}, over "
            f"the limit of {limits.max_job_cost:,} ([limits] max_job_cost); lower the size, steps or count",
        )
