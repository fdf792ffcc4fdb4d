"""The service's models as the bot knows them, and each server's choice among them.

The service says which models it has and what a request that names no size or steps gets on each (a model may
declare its own: the built-in one draws at 64x64). A server picks its default model and may limit which ones its
members may pick; a conversation keeps the model it started with for all its edits.
"""

from __future__ import annotations

from dataclasses import dataclass

from atelier.config import DefaultsConfig
from atelier.logs import get_logger
from bot.conversation.engine import TurnError
from bot.i18n import _
from bot.service_client import GenerationClient, ServiceModel, ServiceRejected, ServiceUnavailable

log = get_logger("bot.models")


class ModelRefused(TurnError):
    """A model a member or admin named that can't be used here; the message is the line they read."""


@dataclass(frozen=True)
class ServerModels:
    """A server's choice: its default model (None: the service's) and the models members may pick (None: all)."""

    default: str | None = None
    allowed: tuple[str, ...] | None = None

    @classmethod
    def from_json(cls, data: dict) -> ServerModels:
        allowed = data.get("allowed")
        return cls(default=data.get("default"), allowed=tuple(allowed) if allowed is not None else None)

    def to_json(self) -> dict:
        return {"default": self.default, "allowed": list(self.allowed) if self.allowed is not None else None}


class ModelCatalog:
    def __init__(self, fallback: DefaultsConfig) -> None:
        # Until the service has answered: the configuration's [defaults], for a model named by nobody.
        self.fallback = fallback
        self.models: dict[str, ServiceModel] = {}
        self.loras: tuple[str, ...] = ()

    async def refresh(self, client: GenerationClient) -> bool:
        """Ask the service again; False (and the last answer kept) when it can't say."""
        try:
            offered = await client.models()
        except (ServiceUnavailable, ServiceRejected) as exc:
            log.warning("service.models_unknown", error=str(exc))
            return False
        self.models = {model.name: model for model in offered.models if model.kind != "instruct"}
        self.loras = offered.loras
        log.info("service.models", models=list(self.models), default=self.default_name)
        return True

    async def ensure(self, client: GenerationClient) -> None:
        """Ask the service if it has never answered (it may have started after the bot)."""
        if not self.models:
            await self.refresh(client)

    @property
    def default_name(self) -> str | None:
        return next((name for name, model in self.models.items() if model.default), None)

    def defaults(self, name: str | None = None) -> DefaultsConfig:
        """What a request on model ``name`` (None: the service's default) gets when it names no size or steps."""
        model = self.models.get(name or self.default_name or "")
        if model is None:
            return self.fallback
        known = DefaultsConfig.model_fields
        return DefaultsConfig.model_validate(
            {**self.fallback.model_dump(), **{key: value for key, value in model.defaults.items() if key in known}}
        )

    # ---------------------------------------------------------------- a server's choice

    def allowed(self, server: ServerModels) -> list[str]:
        """The models this server's members may pick, the service's order."""
        default = self.chosen_default(server)
        return [name for name in self.models if server.allowed is None or name in server.allowed or name == default]

    def chosen_default(self, server: ServerModels) -> str | None:
        """The server's default model while the service still has it, else the service's."""
        if server.default is not None and server.default in self.models:
            return server.default
        return self.default_name

    def choose(self, requested: str | None, server: ServerModels) -> str | None:
        """The model a new conversation draws with: the one asked for if this server allows it, else the server's
        default. ``ModelRefused`` names the models there are."""
        if requested is None:
            return self.chosen_default(server)
        allowed = self.allowed(server)
        if requested in allowed:
            return requested
        if requested in self.models:
            raise ModelRefused(
                _("This server doesn't offer {model}: pick one of {models}.", model=requested, models=shown(allowed))
            )
        raise ModelRefused(
            _("There is no model called {model}: pick one of {models}.", model=requested, models=shown(allowed))
        )

    def known_lora(self, name: str) -> str:
        """``name`` when the service has that LoRA, else ``ModelRefused`` naming those it has."""
        if name not in self.loras:
            raise ModelRefused(
                _("There is no LoRA called {lora}: the service has {loras}.", lora=name, loras=shown(list(self.loras)))
            )
        return name

    def known(self, name: str) -> str:
        """``name`` when the service has that model, else ``ModelRefused`` naming those it has."""
        if name not in self.models:
            raise ModelRefused(
                _(
                    "There is no model called {model}: the service has {models}.",
                    model=name,
                    models=shown(list(self.models)),
                )
            )
        return name


def shown(names: list[str]) -> str:
    return ", ".join(f"`{name}`" for name in names) or _("none")
