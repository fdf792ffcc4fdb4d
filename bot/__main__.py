"""``python -m bot``: the Discord bot; ``python -m bot console``: the same conversations in a terminal."""

from __future__ import annotations

import argparse
import asyncio
import sys

from atelier.config import ConfigError, load_config
from atelier.logs import configure_logging
from bot.app import run_discord
from bot.console import run_console
from bot.launcher import LaunchError, service_url
from bot.lifecycle import cancel_on_stop_signals

PROGRAM = "atelier-bot"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    parser.add_argument(
        "command",
        nargs="?",
        choices=["discord", "console"],
        default="discord",
        help="run the Discord bot (default; needs DISCORD_TOKEN), or the console front end",
    )
    parser.add_argument("--config", help="settings file (default: $ATELIER_CONFIG, else ./config.toml)")
    return parser.parse_args(argv)


async def _console(config, config_path) -> int:
    cancel_on_stop_signals(asyncio.current_task())
    async with service_url(config, config_path) as url:
        return await run_console(config, url, sys.stdin, sys.stdout, sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        config = load_config(args.config)
        if args.command == "console":
            # The console prints its own conversation; only problems go to the log.
            configure_logging("warning" if config.logging.level == "info" else config.logging.level)
            try:
                return asyncio.run(_console(config, args.config))
            except asyncio.CancelledError:  # stopped by SIGTERM or SIGINT, cleanly
                return 0
        configure_logging(config.logging.level)
        if not config.discord.token:
            raise ConfigError(
                "no Discord token: set DISCORD_TOKEN (or [discord] token), or run `python -m bot console`"
            )
        return run_discord(config, args.config)
    except (ConfigError, LaunchError) as exc:
        print(f"{PROGRAM}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
