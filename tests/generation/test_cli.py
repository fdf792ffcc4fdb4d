"""The command line: one line on stderr and a non-zero exit for every startup problem."""

import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from generation.__main__ import main

REPO = Path(__file__).resolve().parents[2]


def run_main(capsys, *args: str) -> tuple[int, str]:
    code = main(list(args))
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err
    # Log events may come first; the refusal is the last line.
    return code, err.splitlines()[-1]


def test_refuses_a_public_address_without_a_token(capsys, tmp_path):
    code, error = run_main(capsys, "--host", "0.0.0.0", "--data-dir", str(tmp_path))
    assert code == 2
    assert error.startswith("atelier-generation: refusing to listen on 0.0.0.0 without a token")
    assert "\n" not in error


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("does/not/exist", "model not found: "),
        ("builtin:huge", "unknown built-in model 'builtin:huge'"),
        ("empty-folder", "model folder has no model_index.json"),
        ("weights.ckpt", "model file must be a .safetensors checkpoint"),
        ("garbage.safetensors", "model checkpoint unreadable: "),
        # An SD 1.x single file with neither [model] config nor the base model in the cache: refused, never fetched.
        ("sd15.safetensors", "(set [model] config to a local diffusers folder holding the base model's configs)"),
    ],
)
def test_unusable_models_are_named_in_one_line(capsys, tmp_path, model, expected):
    (tmp_path / "empty-folder").mkdir()
    (tmp_path / "weights.ckpt").write_bytes(b"\0" * 16)
    (tmp_path / "garbage.safetensors").write_bytes(b"not a checkpoint")
    save_file({"model.diffusion_model.out.2.weight": torch.zeros(4, 320, 3, 3)}, tmp_path / "sd15.safetensors")
    (tmp_path / "c.toml").write_text(f'[model]\npath = "{model}"\n[service]\ndata_dir = "data"\n')
    code, error = run_main(capsys, "--config", str(tmp_path / "c.toml"))
    assert code == 2
    assert expected in error
    assert "\n" not in error


def test_bad_config_exits_with_one_line(capsys, tmp_path):
    (tmp_path / "c.toml").write_text("[service]\nport = -1\n")
    code, error = run_main(capsys, "--config", str(tmp_path / "c.toml"))
    assert code == 2
    assert error.startswith(f"atelier-generation: {tmp_path / 'c.toml'}: [service] port:")


def test_the_process_exits_non_zero(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "generation", "--host", "192.0.2.1", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("atelier-generation: refusing to listen on 192.0.2.1")
