"""Lossless round trips YAML <-> object <-> CSV folder, on fixed and generated scenarios."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from transcaspian.model import Scenario, ScenarioError, builtin_names, load_scenario
from transcaspian.model.io import read_csv_dir, to_yaml, write_csv_dir


def via_yaml(s: Scenario) -> Scenario:
    return Scenario.from_dict(yaml.safe_load(to_yaml(s.doc)))


def via_csv(s: Scenario, folder: Path) -> Scenario:
    write_csv_dir(s.doc, folder, force=True)
    return Scenario.from_dict(read_csv_dir(folder))


def test_tiny_round_trips(tiny_dict, tmp_path):
    s = Scenario.from_dict(tiny_dict)
    for back in (via_yaml(s), via_csv(s, tmp_path / "csv"), load_scenario(tmp_path / "csv")):
        assert back.doc == s.doc
        assert back.hash == s.hash


@pytest.mark.parametrize("name", builtin_names())
def test_builtins_round_trip(name, tmp_path):
    s = load_scenario(name)
    assert via_yaml(s).hash == s.hash
    assert via_csv(s, tmp_path / name).hash == s.hash


def test_hash_changes_with_any_figure(tiny_dict):
    a = Scenario.from_dict(tiny_dict)
    tiny_dict["links"][0]["distance_km"] = 300.0000001
    assert Scenario.from_dict(tiny_dict).hash != a.hash
    tiny_dict["links"][0]["distance_km"] = 300
    assert Scenario.from_dict(tiny_dict).hash == a.hash


# -- generated scenarios -------------------------------------------------------------------------
# within every field's real-world bounds (distance <= 20,000 km, speed 1 to 200 km/h, a wagon <= 150 t)
pos = st.floats(min_value=0.01, max_value=150, allow_nan=False, allow_infinity=False)
train = st.floats(min_value=1, max_value=200, allow_nan=False, allow_infinity=False)
text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)
ident = st.from_regex(r"[a-z][a-z0-9\-]{0,6}", fullmatch=True)


@st.composite
def provenance(draw, value: Any) -> Any:
    kind = draw(st.sampled_from(["plain", "source", "assumption"]))
    if kind == "plain":
        return value
    if kind == "source":
        return {"value": value, "source": "src"}
    return {"value": value, "assumption": draw(text.filter(bool))}


@st.composite
def distribution(draw) -> Any:
    kind = draw(st.sampled_from(["fixed", "uniform", "triangular", "lognormal", "empirical"]))
    if kind == "fixed":
        return draw(pos)
    if kind == "uniform":
        lo, hi = sorted(draw(st.lists(pos, min_size=2, max_size=2)))
        return {"dist": "uniform", "low": lo, "high": hi}
    if kind == "triangular":
        lo, mode, hi = sorted(draw(st.lists(pos, min_size=3, max_size=3, unique=True)))
        return {"dist": "triangular", "low": lo, "mode": mode, "high": hi}
    if kind == "lognormal":
        mean = draw(pos)
        return {"dist": "lognormal", "mean": mean, "p90": mean * draw(st.floats(1.01, 2.2))}
    values = draw(st.lists(pos, min_size=1, max_size=4))
    return {"dist": "empirical", "values": values}


@st.composite
def scenarios(draw) -> dict[str, Any]:
    n = draw(st.integers(2, 6))
    ids = draw(st.lists(ident, min_size=n, max_size=n, unique=True))
    nodes = []
    for i, nid in enumerate(ids):
        node = {"id": nid, "name": draw(text.filter(bool)), "country": "KZ",
                "lat": draw(provenance(draw(st.floats(-90, 90)))),
                "lon": draw(st.floats(-180, 180)), "kind": "junction" if i else "city",
                "source": "src"}
        if draw(st.booleans()):
            node["dwell_h"] = draw(distribution())
        nodes.append(node)
    links = [{"id": f"l{i}", "from": a, "to": b, "mode": "rail", "gauge_mm": 1520,
              "distance_km": draw(provenance(draw(pos))), "speed_kmh": draw(train),
              "trains_per_day": draw(pos), "source": "src",
              **({"max_units_per_train": {"wagon": draw(train)}} if draw(st.booleans()) else {})}
             for i, (a, b) in enumerate(itertools.pairwise(ids))]
    return {
        "name": "gen", "title": draw(text), "year": 2024, "price_year": 2024,
        "sources": [{"id": "src", "title": "T", "url": "https://e.org", "year": 2020,
                     **({"note": draw(text)} if draw(st.booleans()) else {})}],
        "sea_level": {"change_m": draw(st.floats(-3, 3)), "assumption": "scenario"},
        "commodities": [{"id": "grain", "name": "Grain", "unit": "wagon", "category": "dry_bulk",
                         "tonnes_per_unit": draw(pos), "source": "src"}],
        "nodes": nodes, "links": links,
        "routes": [{"id": "r", "nodes": ids}],
        "demand": [{"id": "d", "origin": ids[0], "destination": ids[-1], "commodity": "grain",
                    "direction": draw(st.sampled_from(["westbound", "eastbound"])),
                    "annual_units": draw(pos), "units_per_train": draw(train),
                    "route_options": [{"route": "r", "share": 1.0}], "source": "src"}],
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=scenarios())
def test_generated_scenarios_round_trip(data, tmp_path):
    s = Scenario.from_dict(data, strict=True)
    y = via_yaml(s)
    assert y.doc == s.doc and y.hash == s.hash
    c = via_csv(s, tmp_path / "gen")
    assert c.doc == s.doc and c.hash == s.hash


def test_long_free_text_round_trips_through_csv(tiny_dict, tmp_path):
    """Any text the YAML allows survives a CSV folder: 140,000 characters, newlines, quotes."""
    tiny_dict["description"] = ('a "quoted", multi-line\n\ttext; ' * 5000)[:140_000]
    s = Scenario.from_dict(tiny_dict)
    c = via_csv(s, tmp_path / "long")
    assert c.doc.description == s.doc.description and len(c.doc.description) == 140_000
    assert c.hash == s.hash


def test_a_broken_csv_folder_is_reported_not_raised(tiny_dict, tmp_path):
    folder = tmp_path / "csv"
    write_csv_dir(Scenario.from_dict(tiny_dict).doc, folder)
    text = (folder / "sources.csv").read_text().splitlines()
    (folder / "sources.csv").write_text("\n".join([text[0], 's1,Test,https://e.org,abc,"x']) + "\n")
    (folder / "nodes.csv").write_bytes(b"id,name\n\xff\xfe,bad\n")
    with pytest.raises(ScenarioError) as info:
        read_csv_dir(folder)
    assert "cannot read" in str(info.value)
