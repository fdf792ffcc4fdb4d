import re
from pathlib import Path

import c2pa

from generation.demo import run_demo
from tests.conftest import service_config


async def test_demo_generates_then_edits_and_prints_where_the_images_are(tmp_path, capsys):
    config = service_config(tmp_path / "data", model={"cache_dir": str(tmp_path / "models")})
    assert await run_demo(config) == 0

    output = capsys.readouterr().out
    paths = [Path(path) for path in re.findall(r"^#\d \w+ +\d+ ms  (\S+)$", output, flags=re.MULTILINE)]
    assert len(paths) == 3
    assert all(path.is_file() and path.is_relative_to(tmp_path / "data") for path in paths)
    assert "noise" in output
    assert re.search(r"provenance of #3: Trusted .*parents: [0-9a-f]{32} <- [0-9a-f]{32}$", output, re.MULTILINE)
    with c2pa.Reader(str(paths[2])) as reader:
        assert reader.get_active_manifest()["ingredients"][0]["title"] == f"{paths[1].stem}.png"
