"""baseline-2024 against the package's observed 2024 figures: each is met, or its note says why not.

A figure outside its tolerance passes only when its note (in transcaspian/data/observed/)
explains why the model cannot meet it (:func:`~transcaspian.calibration.kpis.explains_miss`);
docs/calibration.md shows the same table (`make docs`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from transcaspian.calibration import model_kpis, observed_rows
from transcaspian.calibration.kpis import TABLE_END, TABLE_MARKER, explains_miss
from transcaspian.model import load_scenario
from transcaspian.sim import SimOptions

DOCS = Path(__file__).resolve().parents[1] / "docs" / "calibration.md"


@pytest.fixture(scope="module")
def check() -> pd.DataFrame:
    s = load_scenario("baseline-2024")
    return model_kpis(s, observed_rows(s, "builtin"),
                      sim_options=SimOptions(years=1, replications=4, seed=1, workers=1))


def test_every_2024_figure_is_met_or_explained(check: pd.DataFrame) -> None:
    assert len(check) > 0 and set(check["year"]) == {2024}
    unexplained = check[~check["within"] & ~check["note"].map(explains_miss)]
    assert unexplained.empty, "figures neither met nor explained:\n" + unexplained[
        ["kpi", "element", "observed", "modelled", "error_pct", "tolerance_pct", "model_note"]].to_string()


def test_docs_show_every_2024_figure(check: pd.DataFrame) -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert TABLE_MARKER in text and TABLE_END in text, "regenerate: make docs"
    table = text.split(TABLE_MARKER)[1].split(TABLE_END)[0]
    missing = [f"{r.kpi} {r.element}" for r in check.itertuples() if f"| {r.kpi} | {r.element} | 2024 |"
               not in table]
    assert not missing, f"docs/calibration.md lacks {missing}; regenerate: make docs"
