"""Shared fixtures: small hand-checkable scenarios built in code."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

TINY: dict[str, Any] = yaml.safe_load((Path(__file__).parent / "data" / "tiny.yaml").read_text())


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
