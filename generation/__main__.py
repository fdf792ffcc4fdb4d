"""``python -m generation``: run the generation service, or its generate-then-edit demo."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from aiohttp import web

from atelier.config import Config, ConfigError, load_config
from atelier.logs import configure_logging, get_logger
from generation.demo import run_demo
from generation.service import StartupError, build_service

PROGRAM = "atelier-generation"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m generation", description=__doc__)
    parser.add_argument(
        "command",
        nargs="?",
        choices=["serve", "demo"],
        default="serve",
        help="serve the API (default), or run a sample generate-then-edit and print the images",
    )
    parser.add_argument("--config", help="settings file (default: $ATELIER_CONFIG, else ./config.toml)")
    parser.add_argument("--host", help="address to listen on (default from [service] host)")
    parser.add_argument("--port", type=int, help="port to listen on (default from [service] port)")
    parser.add_argument("--model", help="builtin:tiny, a diffusers folder or a .safetensors file ([model] path)")
    parser.add_argument("--data-dir", help="where images, records and keys are kept (default [service] data_dir)")
    return parser.parse_args(argv)


def effective_config(args: argparse.Namespace) -> Config:
    config = load_config(args.config)
    overrides = {
        key: value
        for key, value in (("host", args.host), ("port", args.port), ("data_dir", args.data_dir))
        if value is not None
    }
    if "data_dir" in overrides:
        overrides["data_dir"] = str(Path(overrides["data_dir"]).resolve())
    if args.model is not None:
        model = args.model if args.model.startswith("builtin:") else str(Path(args.model).resolve())
        config = config.with_overrides(model={"path": model})
    return config.with_overrides(service=overrides) if overrides else config


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        config = effective_config(args)
        if args.command == "demo":
            # The demo prints its own summary; request-by-request events would drown it.
            configure_logging("warning" if config.logging.level == "info" else config.logging.level)
            return asyncio.run(run_demo(config))
        configure_logging(config.logging.level)
        app = build_service(config)
    except (ConfigError, StartupError) as exc:
        print(f"{PROGRAM}: {exc}", file=sys.stderr)
        return 2
    url = f"http://{config.service.host}:{config.service.port}"
    web.run_app(
        app,
        host=config.service.host,
        port=config.service.port,
        access_log=None,
        # A client that hangs up on a waiting request cancels its handler, and so its job.
        handler_cancellation=True,
        print=lambda _: get_logger("generation").info("service.listening", url=url),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
