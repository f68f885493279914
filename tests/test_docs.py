"""Generated documents in docs/ match what the code generates now."""

from __future__ import annotations

from pathlib import Path

from transcaspian.model import load_scenario
from transcaspian.model.schema_doc import schema_markdown
from transcaspian.model.sources_doc import data_sources_markdown

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_schema_reference_is_current():
    assert (DOCS / "schema.md").read_text() == schema_markdown() + "\n", \
        "regenerate: transcaspian scenario schema --markdown > docs/schema.md"


def test_data_sources_is_current_and_flags_assumptions():
    text = data_sources_markdown([load_scenario("baseline-2024"), load_scenario("target-2030")])
    assert (DOCS / "data-sources.md").read_text() == text, "regenerate: make docs"
    assert "**NO SOURCE**" not in text
    assert "**ASSUMPTION**" in text
