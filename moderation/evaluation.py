"""Measuring the ruleset: recall on evasions and false positives on harmless look-alikes, per class.

Each case is a JSON line ``{"class", "text", "expect"}``: ``expect`` names the entity (or the category) that
must be found, or is null for a text that must pass untouched; a case may give its ``language``, and each
language then gets a line of its own. Cases are decided under the strict preset, so every finding counts.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from moderation.engine import Moderator
from moderation.policy import Policy

DEFAULT_CASES = Path(__file__).resolve().parents[1] / "tests" / "moderation" / "eval_cases.jsonl"


@dataclass
class ClassScore:
    positives: int = 0
    found: int = 0
    negatives: int = 0
    false_positives: int = 0

    @property
    def recall(self) -> float | None:
        return self.found / self.positives if self.positives else None

    @property
    def false_positive_rate(self) -> float | None:
        return self.false_positives / self.negatives if self.negatives else None


def load_cases(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def evaluate(moderator: Moderator, path: Path) -> dict[str, ClassScore]:
    strict = Policy(preset="strict")
    scores: dict[str, ClassScore] = defaultdict(ClassScore)
    for case in load_cases(path):
        decision = moderator.decide(case["text"], strict)
        expected = case["expect"]
        groups = [case["class"]] + ([f"language: {case['language']}"] if "language" in case else [])
        for group in groups:
            score = scores[group]
            if expected is None:
                score.negatives += 1
                score.false_positives += bool(decision.findings)
            else:
                score.positives += 1
                score.found += any(expected in (finding.entity, str(finding.category)) for finding in decision.findings)
    return dict(sorted(scores.items(), key=lambda item: (item[0].startswith("language: "), item[0])))


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def format_report(scores: dict[str, ClassScore]) -> str:
    total = ClassScore()
    lines = [f"{'class':<14} {'cases':>6} {'recall':>8} {'false positives':>16}"]
    for name, score in scores.items():
        lines.append(
            f"{name:<14} {score.positives + score.negatives:>6} {_percent(score.recall):>8} "
            f"{_percent(score.false_positive_rate):>16}"
        )
        if name.startswith("language: "):
            continue  # the same cases again, by language
        total.positives += score.positives
        total.found += score.found
        total.negatives += score.negatives
        total.false_positives += score.false_positives
    lines.append(
        f"{'all':<14} {total.positives + total.negatives:>6} {_percent(total.recall):>8} "
        f"{_percent(total.false_positive_rate):>16}"
    )
    return "\n".join(lines)
