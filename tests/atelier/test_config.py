import re
import tomllib
from pathlib import Path

import pytest

from atelier.config import Config, ConfigError, NamedModelConfig, load_config

REPO = Path(__file__).resolve().parents[2]


def test_shipped_config_documents_every_setting_with_its_default():
    text = (REPO / "config.toml").read_text()
    shipped = tomllib.loads(text)
    defaults = Config().model_dump(mode="json")
    # Named models have no default: their section is shown commented out, with every setting it takes.
    assert defaults.pop("models") == {}
    example = re.search(r"^# \[models\.sd15\]\n((?:#.*\n)+)", text, re.MULTILINE).group(1)
    assert set(re.findall(r"^# (\w+) = ", example, re.MULTILINE)) == set(NamedModelConfig.model_fields)
    for section, values in defaults.items():
        assert set(shipped[section]) == set(values), section
        for key, value in values.items():
            assert shipped[section][key] == value, f"[{section}] {key}"
    assert set(shipped) == set(defaults)


def test_relative_paths_are_resolved_against_the_config_file(tmp_path):
    (tmp_path / "atelier.toml").write_text('[service]\ndata_dir = "state"\n[model]\npath = "models/sd15"\n')
    config = load_config(tmp_path / "atelier.toml", environ={})
    assert config.service.data_dir == tmp_path / "state"
    assert config.model.path == str(tmp_path / "models/sd15")


def test_builtin_model_name_is_not_taken_for_a_path(tmp_path):
    (tmp_path / "c.toml").write_text('[model]\npath = "builtin:tiny"\n')
    assert load_config(tmp_path / "c.toml", environ={}).model.path == "builtin:tiny"


def test_token_from_the_environment_wins(tmp_path):
    (tmp_path / "c.toml").write_text('[service]\ntoken = "from-file"\n')
    config = load_config(tmp_path / "c.toml", environ={"ATELIER_SERVICE_TOKEN": "from-env"})
    assert config.service.token == "from-env"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[service]\nprot = 8000\n", "[service] prot: unknown setting"),
        ("[servce]\nport = 8000\n", "[servce]: unknown setting"),
        ('[service]\nport = "eighty"\n', "[service] port: Input should be a valid integer"),
        ("[service]\nport = 70000\n", "[service] port: Input should be less than or equal to 65535"),
        ('[model]\ndevice = "tpu"\n', "[model] device: Input should be 'auto', 'cuda' or 'cpu'"),
        ('[provenance]\ncert_chain = "a.pem"\n', "cert_chain and private_key must be set together"),
        ("[service\n", "invalid TOML"),
        ("[defaults]\nwidth = 500\n", "[defaults] width = 500 must be a multiple of 8"),
        ("[defaults]\nsteps = 200\n", "[defaults] steps = 200 is above [limits] max_steps"),
    ],
)
def test_bad_settings_are_named_in_one_line(tmp_path, text, message):
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_missing_config_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"config file not found: .*nope\.toml"):
        load_config(tmp_path / "nope.toml", environ={})
