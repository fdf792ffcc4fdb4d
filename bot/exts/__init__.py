"""One extension per feature. Each module or package here with a ``setup`` is loaded at start-up; names
starting with ``_`` are their private parts."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterator


def walk_extensions() -> Iterator[str]:
    """The dotted names of every extension under ``bot.exts``."""
    for module in pkgutil.iter_modules(__path__, f"{__name__}."):
        if module.name.rpartition(".")[2].startswith("_"):
            continue
        if inspect.isfunction(getattr(importlib.import_module(module.name), "setup", None)):
            yield module.name
