import io
import json

import pytest

from moderation.__main__ import main


def run(capsys, monkeypatch, *args: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_check_prints_one_json_decision(capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, "check", "--preset", "strict", "Elon Musk on Mars")
    assert code == 0
    decision = json.loads(out)
    assert set(decision) == {"action", "category", "entity", "rule", "reason", "prompt"}
    assert (decision["action"], decision["category"], decision["entity"]) == ("block", "person", "Elon Musk")


def test_jsonl_reads_one_prompt_per_line_and_survives_bad_lines(capsys, monkeypatch):
    lines = 'a swift river\n{"text": "3l0n mu5k"}\n{"txt": 1}\n\n{broken\n'
    code, out, _ = run(capsys, monkeypatch, "check", "--preset", "strict", "--jsonl", stdin=lines)
    answers = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert answers[0]["action"] == "allow"
    assert answers[1]["entity"] == "Elon Musk"
    assert answers[2] == {"error": 'line 3: a JSON line needs a "text" string'}
    assert answers[3]["error"].startswith("line 5: ")
    assert len(answers) == 4


def test_a_policy_file_sets_categories_and_entities(capsys, monkeypatch, tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text('preset = "balanced"\n[categories]\nperson = "block"\n[entities]\n"barack obama" = "allow"\n')
    _, blocked, _ = run(capsys, monkeypatch, "check", "--policy", str(policy), "Emma Watson reading")
    _, allowed, _ = run(capsys, monkeypatch, "check", "--policy", str(policy), "Barack Obama reading")
    assert json.loads(blocked)["action"] == "block"
    assert json.loads(allowed)["action"] == "allow"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('preset = "lenient"', "unknown preset 'lenient'"),
        ("[categories]\nperson = 'maybe'", "unknown action 'maybe'"),
        ("preset = ", "policy file malformed"),
        ("colour = 'blue'", "unknown policy setting 'colour'"),
    ],
)
def test_a_bad_policy_file_exits_with_one_line(capsys, monkeypatch, tmp_path, content, message):
    policy = tmp_path / "policy.toml"
    policy.write_text(content)
    code, out, err = run(capsys, monkeypatch, "check", "--policy", str(policy), "x")
    assert code == 2
    assert out == ""
    assert err.startswith("atelier-moderation: ") and message in err
    assert err.count("\n") == 1


def test_report_prints_recall_and_false_positives_per_class(capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, "report")
    assert code == 0
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()[1:]}
    assert {"homoglyph", "leet", "typo1", "benign", "all"} <= set(rows)


def test_bench_prints_its_figures(capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, "bench", "--entities", "1500", "--seconds", "0.2")
    assert code == 0
    assert "load time:" in out and "everyday prompts" in out
