"""``python -m moderation``: decide on prompts from the command line, evaluate the ruleset, benchmark it.

check [--preset P] [--policy FILE] [--nsfw-channel] [--jsonl] [TEXT]   one JSON decision (or one per line)
report [--cases FILE] [--semantic [--threshold T]]                       recall and false positives per class
bench [--entities N] [--seconds S]                                       prompts per second and load time
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tomllib
from pathlib import Path

from moderation import semantic
from moderation.benchmark import run_benchmark
from moderation.engine import Moderator
from moderation.evaluation import DEFAULT_CASES, evaluate, format_report
from moderation.policy import PRESETS, Policy, PolicyError
from moderation.ruleset import load_ruleset
from moderation.semantic import DEFAULT_THRESHOLD

PROGRAM = "atelier-moderation"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m moderation", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="decide on a prompt, or on one prompt per line with --jsonl")
    check.add_argument("--preset", choices=sorted(PRESETS), help="start from this preset (default: balanced)")
    check.add_argument("--policy", help="a policy file (JSON or TOML): preset, categories, entities, custom")
    check.add_argument("--nsfw-channel", action="store_true", help="decide as in a channel marked NSFW")
    check.add_argument("--jsonl", action="store_true", help="read prompts from stdin, write one decision per line")
    check.add_argument("text", nargs="?", help="the prompt to decide on")
    report = commands.add_parser("report", help="recall and false-positive rate per evasion class")
    report.add_argument("--cases", default=str(DEFAULT_CASES), help="evaluation cases (JSON lines)")
    report.add_argument("--semantic", action="store_true", help="with the semantic layer (paraphrases)")
    report.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD, help="the semantic layer's threshold")
    bench = commands.add_parser("bench", help="prompts per second on one core, and the ruleset's load time")
    bench.add_argument("--entities", type=int, default=10_000, help="entities to load (padded with synthetic ones)")
    bench.add_argument("--seconds", type=float, default=3.0, help="how long to run")
    return parser.parse_args(argv)


def load_policy(path: str | None, preset: str | None) -> Policy:
    policy = Policy()
    if path:
        file = Path(path)
        try:
            text = file.read_text(encoding="utf-8")
        except OSError as exc:
            raise PolicyError(f"policy file unreadable: {file}: {exc.strerror}") from None
        try:
            data = tomllib.loads(text) if file.suffix == ".toml" else json.loads(text)
        except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
            raise PolicyError(f"policy file malformed: {file}: {exc}") from None
        if not isinstance(data, dict):
            raise PolicyError(f"policy file must hold an object: {file}")
        policy = Policy.from_json(data)
    return policy.with_preset(preset) if preset else policy


def _line_text(line: str) -> str:
    stripped = line.strip()
    if stripped.startswith("{"):
        data = json.loads(stripped)
        if not isinstance(data, dict) or not isinstance(data.get("text"), str):
            raise ValueError('a JSON line needs a "text" string')
        return data["text"]
    return line.rstrip("\n")


def check(args: argparse.Namespace) -> int:
    policy = load_policy(args.policy, args.preset)
    moderator = Moderator()
    if not args.jsonl:
        if args.text is None:
            raise PolicyError("give a TEXT to check, or --jsonl to read prompts from stdin")
        print(json.dumps(moderator.decide(args.text, policy, nsfw_channel=args.nsfw_channel).to_json()))
        return 0
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            text = _line_text(line)
        except ValueError as exc:
            print(json.dumps({"error": f"line {number}: {exc}"}), flush=True)
            continue
        print(json.dumps(moderator.decide(text, policy, nsfw_channel=args.nsfw_channel).to_json()), flush=True)
    return 0


def reporting_moderator(args: argparse.Namespace) -> Moderator:
    if not args.semantic:
        return Moderator()
    if not semantic.available():
        raise PolicyError("--semantic needs the semantic extra: pip install 'atelier[semantic]'")
    ruleset = load_ruleset()
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "atelier"
    return Moderator(ruleset, semantic=semantic.SemanticIndex(ruleset, args.threshold, cache))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        if args.command == "check":
            return check(args)
        if args.command == "report":
            print(format_report(evaluate(reporting_moderator(args), Path(args.cases))))
            return 0
        print(run_benchmark(args.entities, args.seconds))
        return 0
    except (PolicyError, OSError) as exc:
        print(f"{PROGRAM}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
