from bot.__main__ import main


def test_without_a_token_the_bot_says_how_to_run(capsys, monkeypatch, tmp_path):
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    (tmp_path / "c.toml").write_text("")
    assert main(["--config", str(tmp_path / "c.toml")]) == 2
    error = capsys.readouterr().err.strip()
    assert error == (
        "atelier-bot: no Discord token: set DISCORD_TOKEN (or [discord] token), or run `python -m bot console`"
    )
