"""The import-linter contract names every module of the apps it splits into two layers."""

import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _layer_modules() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    layers = next(c for c in config["contracts"] if c["type"] == "layers")["layers"]
    return {name.strip() for layer in layers for name in layer.replace("|", ":").split(":")}


@pytest.mark.parametrize("app", ["companies", "departments"])
def test_every_module_of_a_split_app_sits_in_a_layer(app):
    children = {
        f"{app}.{path.stem if path.suffix == '.py' else path.name}"
        for path in (ROOT / app).iterdir()
        if (path.suffix == ".py" and path.stem != "__init__") or (path.is_dir() and (path / "__init__.py").exists())
    }
    assert children - _layer_modules() == set()
