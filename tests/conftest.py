"""Shared fixtures: small hand-checkable scenarios built in code."""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

TINY: dict[str, Any] = yaml.safe_load((Path(__file__).parent / "data" / "tiny.yaml").read_text())


@pytest.fixture(scope="session", autouse=True)
def simulation_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Cached simulations (quote, report) go to a folder of the test session, never ~/.cache."""
    folder = tmp_path_factory.mktemp("cache")
    os.environ["TRANSCASPIAN_CACHE_DIR"] = str(folder)
    return folder


@pytest.fixture
def tiny_dict() -> dict[str, Any]:
    """A fresh copy of the tiny two-port scenario as a dict."""
    return copy.deepcopy(TINY)


@pytest.fixture
def write_yaml(tmp_path: Path):
    """Write a dict as YAML into tmp_path and return the path."""

    def _write(data: Any, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False))
        return path

    return _write
