"""The example overlays in docs/examples validate and do what their comments say."""

from __future__ import annotations

from pathlib import Path

import pytest

from transcaspian.model import load_scenario
from transcaspian.model.diff import diff_scenarios

EXAMPLES = sorted(p for p in (Path(__file__).resolve().parents[1] / "docs" / "examples").glob("*.yaml")
                  if not p.name.startswith("sweep-"))   # sweep specs: tests/test_sweep_*.py


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_validates_strictly(path):
    s = load_scenario(path, strict=True)
    assert s.files[0] == "baseline-2024"


def test_storm_winter_changes():
    base = load_scenario("baseline-2024")
    s = load_scenario(EXAMPLES[[p.stem for p in EXAMPLES].index("storm-winter")])
    changes = diff_scenarios(base, s)
    assert s.sea_level_change_m == -0.5
    assert sum(s.get("weather", "storm-aktau").closures_per_month) == 37.0
    assert ("vessels", "chartered-feeder", "added") in set(
        zip(changes["component"], changes["id"], changes["change"], strict=True))
    assert s.doc.applied_projects == ["p-aktau-container-hub"]


def test_overlay_in_the_guide_validates(tmp_path):
    import re

    guide = (Path(__file__).resolve().parents[1] / "docs" / "scenarios.md").read_text()
    blocks = [b for b in re.findall(r"```yaml\n(.*?)```", guide, re.S) if "extends:" in b]
    assert blocks
    for i, block in enumerate(blocks):
        path = tmp_path / f"guide-{i}.yaml"
        path.write_text(block)
        assert load_scenario(path, strict=True).files[0] == "baseline-2024"
