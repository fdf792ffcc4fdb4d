"""What the code reads at run time ships in the wheel (the Docker image installs one, not the source tree)."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).parent.parent
PACKAGES = ("atelier", "bot", "generation", "moderation")


def test_every_data_file_of_the_packages_is_declared_as_package_data():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    data = [
        path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*")
        if path.is_file() and path.suffix not in (".py", ".pyc")
    ]
    assert data, "the packages hold data files; this test should see them"
    for path in data:
        package, relative = path.relative_to(ROOT).parts[0], path.relative_to(ROOT / path.relative_to(ROOT).parts[0])
        assert any(relative.match(pattern) for pattern in declared.get(package, ())), f"{path} is not in the wheel"
