"""Reference routes that fit the shipment: end points by country, rows in the quote, validation."""

from __future__ import annotations

import copy

import pytest

from transcaspian.analysis import QuoteOptions, RoutePlanner, capacity, quote
from transcaspian.analysis.references import fitting_references, reference_rows
from transcaspian.model import Scenario, load_scenario
from transcaspian.model.errors import ScenarioError, UserError

EUROPE = ["ref-northern-rail", "ref-sea-suez", "ref-sea-cape"]
TURKIYE = ["ref-sea-suez-turkiye", "ref-sea-cape-turkiye"]


@pytest.fixture(scope="module")
def baseline() -> Scenario:
    return load_scenario("baseline-2024")


@pytest.fixture(scope="module")
def planner(baseline: Scenario) -> RoutePlanner:
    return RoutePlanner(baseline, capacity(baseline))


def ids(refs) -> list[str]:
    return [r.id for r in refs]


@pytest.mark.parametrize(("origin", "destination", "expected"), [
    ("xian", "constanta", EUROPE),             # CN -> RO
    ("xian", "istanbul", TURKIYE),             # CN -> TR
    ("xian", "tbilisi", ["ref-sea-poti"]),     # CN -> GE
    ("xian", "poti", ["ref-sea-poti"]),
    ("xian", "baku", []),                      # CN -> AZ: no sea or northern alternative
    ("almaty", "constanta", []),               # KZ origin: the China routes do not fit
    ("constanta", "almaty", []),               # eastbound: the references are westbound
])
def test_fitting_references_by_country(baseline, origin, destination, expected):
    assert ids(fitting_references(baseline, origin, destination)) == expected


def test_every_builtin_reference_names_its_end_countries():
    for name in ("baseline-2024", "target-2030"):
        for ref in load_scenario(name).doc.references:
            assert ref.origin_countries and ref.destination_countries, (name, ref.id)
            assert "RO" in ref.destination_countries or ref.id not in EUROPE


def test_quotes_show_only_the_fitting_references(baseline, planner):
    def refs(destination: str):
        r = quote(baseline, QuoteOptions.build(origin="xian", destination=destination, cargo="2 FEU", k=1),
                  planner=planner)
        opts = r["options"]
        assert (opts["kind"] == "corridor").sum() == 1
        return opts[opts["kind"] == "reference"]

    assert refs("baku").empty
    europe = refs("constanta")
    assert list(europe["option"]) == EUROPE
    cape = europe.set_index("option").loc["ref-sea-cape"]
    # 2 FEU x the 2024 Drewry Shanghai-Rotterdam range 3,577-7,429 USD; days the middle of 38-54
    assert (cape["cost_usd_low"], cape["cost_usd_high"]) == (2 * 3577, 2 * 7429)
    assert cape["cost_usd"] == pytest.approx(3577 + 7429)
    assert cape["transit_days"] == pytest.approx(46.0) and cape["transit_h"] == pytest.approx(46 * 24)
    assert list(refs("istanbul")["option"]) == TURKIYE


def test_reference_rows_arithmetic(baseline):
    rows = reference_rows(baseline, "xian", "istanbul", unit="teu", units=4, tonnes=40)
    suez = rows[0]
    assert suez["option"] == "ref-sea-suez-turkiye" and suez["kind"] == "reference"
    assert (suez["cost_usd_low"], suez["cost_usd_high"]) == (2 * 1700, 2 * 2070)
    assert suez["transit_days"] == pytest.approx(31.5)
    ef = baseline.emission_factors.loc["ef-deep-sea-container"]
    assert suez["co2e_wtw_kg"] == pytest.approx(40 * 15500 * ef["wtw_g_per_tkm"] / 1000)
    assert suez["co2e_ttw_kg"] == pytest.approx(40 * 15500 * ef["ttw_g_per_tkm"] / 1000)
    assert suez["nodes"] == "Shanghai - Istanbul (Ambarli) / Mersin"
    assert reference_rows(baseline, "xian", "istanbul", unit="truck", units=1, tonnes=20) == []


def test_unknown_nodes_are_named(baseline):
    with pytest.raises(UserError) as e:
        fitting_references(baseline, "xain", "constanza")
    assert [p.field for p in e.value.problems] == ["origin", "destination"]
    text = str(e.value)
    assert "did you mean 'xian'" in text and "did you mean 'constanta'" in text


def _with_reference(**changes) -> dict:
    d = copy.deepcopy(load_scenario("baseline-2024").to_dict())
    d["references"] = [{**d["references"][0], **changes}]
    d.pop("markets", None)  # markets name the other reference routes as alternatives
    return d


def test_missing_country_lists_match_any_end_point():
    d = _with_reference()
    del d["references"][0]["origin_countries"]
    del d["references"][0]["destination_countries"]
    s = Scenario.from_dict(d)
    assert ids(fitting_references(s, "xian", "baku")) == ["ref-northern-rail"]
    assert ids(fitting_references(s, "constanta", "almaty")) == ["ref-northern-rail"]


@pytest.mark.parametrize(("changes", "field"), [
    ({"origin_countries": ["cn"]}, "origin_countries.0"),
    ({"origin_countries": ["CHN"]}, "origin_countries.0"),
    ({"destination_countries": []}, "destination_countries"),
    ({"destination_countries": "RO"}, "destination_countries"),
])
def test_country_lists_are_validated(changes, field):
    with pytest.raises(ScenarioError) as e:
        Scenario.from_dict(_with_reference(**changes))
    problems = [p for p in e.value.problems if p.component == "references"]
    assert problems and all(p.id == "ref-northern-rail" for p in problems)
    assert any(p.field.replace("[", ".").rstrip("]") == field for p in problems), [str(p) for p in problems]
