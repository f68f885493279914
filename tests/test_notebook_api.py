"""The Python face a notebook user meets: Result's repr and KeyError, legs as a table, defaults."""

from __future__ import annotations

import pandas as pd
import pytest

from transcaspian.model import Scenario
from transcaspian.model.errors import UserError
from transcaspian.model.results import Result
from transcaspian.sim import SimOptions
from transcaspian.sim.options import DEFAULT_REPLICATIONS


def _result() -> Result:
    return Result({"scenario": "tiny", "scenario_hash": "c" * 64, "version": "9.9", "engine": "capacity",
                   "options": {"basis": "practical"}},
                  {"summary": pd.DataFrame({"served_t": [1.0]}),
                   "elements": pd.DataFrame({"x": range(1234), "y": 0.0})})


def test_repr_lists_shapes_and_metadata_never_contents() -> None:
    text = repr(_result())
    assert "scenario 'tiny'" in text and "hash cccccccccccc" in text and "version 9.9" in text
    assert "basis=practical" in text
    rows = {line.split()[0]: line.split()[1:] for line in text.splitlines()[3:5]}
    assert rows == {"summary": ["1", "x", "1"], "elements": ["1,234", "x", "2"]}
    assert "1233" not in text            # no row of the table is printed
    assert max(len(line) for line in text.splitlines()) <= 100
    html = _result()._repr_html_()
    assert "<table>" in html and "1,234 rows x 2 columns" in html and "<code>elements</code>" in html


def test_missing_table_names_the_tables() -> None:
    res = _result()
    with pytest.raises(KeyError) as err:
        res["nope"]
    assert "no table 'nope'; tables: summary, elements" in str(err.value)
    with pytest.raises(KeyError, match="did you mean 'summary'"):
        res["sumary"]
    assert list(res) == ["summary", "elements"] and "summary" in res and "nope" not in res


def test_legs_is_a_table_and_route_legs_the_objects(tiny_dict) -> None:
    s = Scenario.from_dict(tiny_dict)
    legs = s.legs("r1", "teu")
    assert list(legs.index) == [1, 2]
    assert legs[["from", "to", "kind", "link", "services"]].values.tolist() == [
        ["a", "pa", "link", legs.loc[1, "link"], ""], ["pa", "pb", "sea", "", "f1"]]
    assert legs.loc[1, "distance_km"] == 300.0
    assert legs["cumulative_km"].iloc[-1] == pytest.approx(legs["distance_km"].sum())
    objects = s.route_legs("r1", "teu")
    assert [lg.distance_km for lg in objects] == legs["distance_km"].tolist()
    with pytest.raises(ValueError, match="cannot carry wagon"):
        s.legs("r1", "wagon")


def test_python_default_replications_match_the_cli() -> None:
    from transcaspian.cli._simcache import DEFAULT_REPLICATIONS as cache_default
    from transcaspian.cli.simulate import DEFAULT_REPLICATIONS as cli_default

    assert SimOptions().replications == DEFAULT_REPLICATIONS == cli_default == cache_default == 100


# -- Scenario.overlay: a what-if from Python, the same as an overlay file -----------------------
FERRIES = {"vessels": [{"id": "asco-ferry-kuryk", "count": 5,
                        "assumption": "what if: two more 50-wagon ferries at Kuryk"}]}
ICE = {"events": [{"id": "aktau-jan", "kind": "port_closed", "element": "aktau",
                   "start": "2024-01-01", "end": "2024-01-14",
                   "assumption": "what if: two weeks of ice and storms"}]}


@pytest.fixture(scope="module")
def baseline() -> Scenario:
    from transcaspian.model import load_scenario

    return load_scenario("baseline-2024")


def _load_yaml(path, data: dict) -> Scenario:
    import yaml

    from transcaspian.model import load_scenario

    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return load_scenario(str(path))


def test_overlay_is_the_yaml_overlay(baseline: Scenario, tmp_path) -> None:
    what_if = baseline.overlay(patch=FERRIES, add=ICE, name="more-ferries",
                               title="Kuryk with five ferries", sea_level={"change_m": -0.5})
    from_file = _load_yaml(tmp_path / "more-ferries.yaml", {
        "name": "more-ferries", "extends": "baseline-2024", "title": "Kuryk with five ferries",
        "sea_level": {"change_m": -0.5}, "patch": FERRIES, "add": ICE})
    assert what_if.hash == from_file.hash
    assert what_if.to_dict() == from_file.to_dict()
    assert (what_if.name, what_if.title, what_if.sea_level_change_m) == (
        "more-ferries", "Kuryk with five ferries", -0.5)
    assert int(what_if.vessels.loc["asco-ferry-kuryk", "count"]) == 5
    assert what_if.get("events", "aktau-jan").element == "aktau"
    assert what_if.files == ["baseline-2024", "<more-ferries: overlay of baseline-2024>"]
    # the parent is untouched: same hash, same counts, no event
    assert int(baseline.vessels.loc["asco-ferry-kuryk", "count"]) == 3
    assert "aktau-jan" not in baseline.table("events").index
    assert baseline.name == "baseline-2024" and baseline.sea_level_change_m != -0.5


def test_overlay_leaves_the_parent_and_the_arguments_unchanged(baseline: Scenario) -> None:
    before, document = baseline.hash, baseline.to_dict()
    patch = {"vessels": [dict(FERRIES["vessels"][0])]}
    baseline.overlay(patch=patch)
    assert baseline.hash == before and baseline.to_dict() == document
    assert patch == FERRIES
    assert baseline.overlay().name == "baseline-2024-whatif"


def test_overlay_names_every_bad_field(baseline: Scenario) -> None:
    with pytest.raises(UserError) as err:
        baseline.overlay(patch={"vessels": [{"id": "asco-ferry-kuryk", "count": -1}],
                                "links": [{"id": "no-such-link", "distance_km": 10}]},
                         titel="typo")
    text = str(err.value)
    where = "<baseline-2024-whatif: overlay of baseline-2024>"
    assert f"{where}: vessels[asco-ferry-kuryk].count: Input should be greater than or equal to 1" in text
    assert "unknown top-level key 'titel' (did you mean 'title'?)" in text
    assert "cannot patch: no links with id 'no-such-link'" in text
    with pytest.raises(UserError, match="'extends' cannot be given"):
        baseline.overlay(extends="target-2030")


def test_overlay_applies_a_project(baseline: Scenario, tmp_path) -> None:
    from transcaspian.model import load_scenario

    assert "p-asco-third-ropax" in load_scenario("target-2030").doc.applied_projects
    ropax = baseline.overlay(apply_projects=["p-asco-third-ropax"], name="third-ropax")
    from_file = _load_yaml(tmp_path / "third-ropax.yaml", {
        "name": "third-ropax", "extends": "baseline-2024", "apply_projects": ["p-asco-third-ropax"]})
    assert ropax.hash == from_file.hash
    assert ropax.doc.applied_projects == ["p-asco-third-ropax"]
    # the project's change: the Zarifa Aliyeva class goes from 1 to 2 vessels
    assert int(baseline.vessels.loc["zarifa-aliyeva", "count"]) == 1
    assert int(ropax.vessels.loc["zarifa-aliyeva", "count"]) == 2
    with pytest.raises(UserError, match="project 'p-asco-third-ropax' is already applied"):
        ropax.overlay(apply_projects=["p-asco-third-ropax"])


def test_chained_overlay_is_the_chained_yaml(baseline: Scenario, tmp_path) -> None:
    first = baseline.overlay(patch=FERRIES, add=ICE, name="step-one")
    second = first.overlay(remove={"events": ["aktau-jan"]}, apply_projects=["p-asco-third-ropax"],
                           name="step-two")
    _load_yaml(tmp_path / "step-one.yaml", {"name": "step-one", "extends": "baseline-2024",
                                            "patch": FERRIES, "add": ICE})
    from_file = _load_yaml(tmp_path / "step-two.yaml", {
        "name": "step-two", "extends": "step-one.yaml", "remove": {"events": ["aktau-jan"]},
        "apply_projects": ["p-asco-third-ropax"]})
    assert second.hash == from_file.hash and second.to_dict() == from_file.to_dict()
    assert int(second.vessels.loc["asco-ferry-kuryk", "count"]) == 5       # kept from step one
    assert "aktau-jan" not in second.table("events").index
    assert "aktau-jan" in first.table("events").index                      # step one unchanged
    assert second.files[-1] == "<step-two: overlay of step-one>"


def test_overlay_of_a_directly_built_scenario(baseline: Scenario) -> None:
    direct = Scenario(baseline.doc)             # no resolved document kept: uses to_dict()
    assert direct.overlay(patch=FERRIES).hash == baseline.overlay(patch=FERRIES).hash
