"""Each validation rule: a failing example and the message it must produce."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from transcaspian.model import Scenario, ScenarioError, load_scenario
from transcaspian.model import loading as loading_mod


def problems_of(data: dict[str, Any], strict: bool = False) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        Scenario.from_dict(data, label="t.yaml", strict=strict)
    return [str(p) for p in info.value.problems]


CASCADE = "refers to an invalid component"


def own_problems(data: dict[str, Any], strict: bool = False) -> list[str]:
    """Problems other than references to components that failed their own checks."""
    return [m for m in problems_of(data, strict) if CASCADE not in m]


def one(data: dict[str, Any], strict: bool = False) -> str:
    found = own_problems(data, strict)
    assert len(found) == 1, found
    return found[0]


def test_tiny_is_valid_and_strict(tiny_dict):
    s = Scenario.from_dict(tiny_dict, strict=True)
    assert s.name == "tiny"
    assert s.warnings == []


def test_unknown_field_suggests_the_right_name(tiny_dict):
    tiny_dict["links"][0]["distnce_km"] = tiny_dict["links"][0].pop("distance_km")
    msgs = problems_of(tiny_dict)
    assert "t.yaml: links[a-pa].distnce_km: unknown field 'distnce_km' (did you mean 'distance_km'?)" in msgs
    assert "t.yaml: links[a-pa].distance_km: required field is missing" in msgs


def test_unknown_nested_field_suggests(tiny_dict):
    tiny_dict["nodes"][0]["dwell_h"] = {"dist": "lognormal", "mean": 4, "p09": 8}
    msgs = " ".join(problems_of(tiny_dict))
    assert "nodes[a].dwell_h.p09: unknown field 'p09' (did you mean 'p90'?)" in msgs


def test_unknown_top_level_key(tiny_dict):
    tiny_dict["servces"] = []
    assert one(tiny_dict) == "t.yaml: servces: unknown top-level key 'servces' (did you mean 'services'?)"


def test_ranges_are_checked(tiny_dict):
    tiny_dict["links"][0]["distance_km"] = -5
    tiny_dict["nodes"][0]["lat"] = 95
    tiny_dict["services"][0]["min_fill_share"] = 1.5
    msgs = own_problems(tiny_dict)
    assert any("links[a-pa].distance_km: Input should be greater than or equal to 0.01 (got -5)" in m
               for m in msgs)
    assert any("nodes[a].lat: Input should be less than or equal to 90 (got 95)" in m for m in msgs)
    assert any("services[f1].min_fill_share: Input should be less than or equal to 1" in m for m in msgs)
    assert len(msgs) == 3


def test_seasonality_must_average_one_and_have_twelve_months(tiny_dict):
    tiny_dict["demand"][0]["seasonality"] = [2.0] * 12
    assert "monthly factors must average 1 (they average 2.000)" in one(tiny_dict)
    tiny_dict["demand"][0]["seasonality"] = [1.0] * 11
    assert "demand[d1].seasonality: List should have at least 12 items" in one(tiny_dict)


def test_duplicate_ids(tiny_dict):
    tiny_dict["nodes"].append(copy.deepcopy(tiny_dict["nodes"][0]))
    assert one(tiny_dict) == "t.yaml: nodes[a].id: duplicate id 'a'"


def test_unknown_reference_with_suggestion(tiny_dict):
    tiny_dict["links"][0]["to"] = "pb_"
    msgs = problems_of(tiny_dict)
    assert "t.yaml: links[a-pa].to: refers to unknown node 'pb_' (did you mean 'pb'?)" in msgs


def test_service_must_join_seaports(tiny_dict):
    tiny_dict["services"][0]["from"] = "a"
    msgs = problems_of(tiny_dict)
    assert any("services[f1].from: refers to unknown seaport 'a'" in m for m in msgs)


def _gauge_dict(tiny: dict[str, Any], junction_kind: str) -> dict[str, Any]:
    d = copy.deepcopy(tiny)
    d["nodes"].insert(0, {"id": "cn", "name": "CN", "country": "CN", "lat": 44, "lon": 80,
                          "kind": "city", "source": "s1"})
    d["nodes"][1]["kind"] = junction_kind
    if junction_kind == "gauge_change":
        d["nodes"][1].update({"capacity_trains_per_day": 12, "dwell_h": 5})
    d["links"].insert(0, {"id": "cn-a", "from": "cn", "to": "a", "mode": "rail", "distance_km": 400,
                          "speed_kmh": 40, "gauge_mm": 1435, "trains_per_day": 20, "source": "s1"})
    d["routes"][0]["nodes"] = ["cn", "a", "pa", "pb"]
    d["demand"][0]["origin"] = "cn"
    return d


def test_gauge_break_needs_a_gauge_change_node(tiny_dict):
    msg = one(_gauge_dict(tiny_dict, "junction"))
    assert msg.startswith("t.yaml: demand[d1].route_options: no feasible route: route 'r1': ")
    assert "train passes from 1435 mm to 1520 mm track at 'a', which is not a gauge_change node" in msg
    Scenario.from_dict(_gauge_dict(tiny_dict, "gauge_change"), strict=True)


def test_wagons_keep_their_gauge_across_a_ferry(tiny_dict):
    d = copy.deepcopy(tiny_dict)
    d["commodities"].append({"id": "grain", "name": "Grain", "unit": "wagon", "category": "dry_bulk",
                             "tonnes_per_unit": 65, "source": "s1"})
    d["vessels"][0]["capacity"] = {"teu": 300, "wagon": 50}
    d["nodes"].append({"id": "c", "name": "C", "country": "AZ", "lat": 40, "lon": 48, "kind": "city",
                       "source": "s1"})
    d["links"].append({"id": "pb-c", "from": "pb", "to": "c", "mode": "rail", "distance_km": 100,
                       "speed_kmh": 40, "gauge_mm": 1435, "trains_per_day": 5, "source": "s1"})
    d["routes"].append({"id": "r2", "nodes": ["a", "pa", "pb", "c"]})
    d["demand"].append({"id": "d2", "origin": "a", "destination": "c", "commodity": "grain",
                        "direction": "westbound", "annual_units": 100, "units_per_train": 50,
                        "route_options": [{"route": "r2", "share": 1}], "source": "s1"})
    msg = one(d)
    assert "demand[d2]" in msg and "from 1520 mm to 1435 mm track at 'pb'" in msg


def test_demand_without_any_feasible_route(tiny_dict):
    tiny_dict["links"] = []
    msg = one(tiny_dict)
    assert msg == ("t.yaml: demand[d1].route_options: no feasible route: "
                   "route 'r1': no link or sea service joins a and pa")


def test_unit_not_carried_by_any_vessel(tiny_dict):
    tiny_dict["vessels"][0]["capacity"] = {"wagon": 40}
    assert "pa -> pb has no link or vessel that carries teu" in one(tiny_dict)


def test_route_shares_must_sum_to_one(tiny_dict):
    tiny_dict["routes"].append({"id": "r1b", "nodes": ["a", "pa", "pb"]})
    tiny_dict["demand"][0]["route_options"] = [{"route": "r1", "share": 0.5},
                                               {"route": "r1b", "share": 0.3}]
    assert one(tiny_dict) == ("t.yaml: demand[d1].route_options: route shares must sum to 1 "
                              "(they sum to 0.8000)")


def test_route_must_run_from_origin_to_destination(tiny_dict):
    tiny_dict["routes"][0]["nodes"] = ["pa", "pb"]
    assert "route 'r1' runs pa -> pb, not a -> pb" in one(tiny_dict)


def test_unknown_source_key(tiny_dict):
    tiny_dict["sources"].append({"id": "trend-2024", "title": "T", "url": "https://t.az", "year": 2024})
    tiny_dict["links"][0]["source"] = "trend-2042"
    assert one(tiny_dict) == ("t.yaml: links[a-pa].source: source 'trend-2042' is not in the "
                              "scenario's sources (did you mean 'trend-2024'?)")


def test_unsourced_figure_is_a_warning_and_strict_error(tiny_dict):
    del tiny_dict["links"][0]["source"]
    s = Scenario.from_dict(tiny_dict)
    fields = sorted(w.field for w in s.warnings)
    assert fields == ["distance_km", "gauge_mm", "speed_kmh", "trains_per_day"]
    msgs = problems_of(tiny_dict, strict=True)
    assert "t.yaml: links[a-pa].speed_kmh: figure has no source or assumption" in msgs


def test_field_level_provenance_overrides(tiny_dict):
    del tiny_dict["links"][0]["source"]
    link = tiny_dict["links"][0]
    link["distance_km"] = {"value": 300, "source": "s1"}
    link["speed_kmh"] = {"value": 50, "assumption": "typical"}
    link["trains_per_day"] = {"value": 10, "source": "https://example.org/x"}
    link["gauge_mm"] = {"value": 1520, "source": "s1"}
    s = Scenario.from_dict(tiny_dict, strict=True)
    link = s.get("links", "a-pa")
    assert link.distance_km == 300
    assert link.provenance_of("speed_kmh").assumption == "typical"


def test_sourced_value_typo(tiny_dict):
    tiny_dict["links"][0]["speed_kmh"] = {"value": 50, "sorce": "s1"}
    msg = one(tiny_dict)
    assert "links[a-pa].speed_kmh: a sourced value takes only value, source and assumption; " \
           "got 'sorce' (did you mean 'source'?)" in msg


def test_distribution_rules(tiny_dict):
    tiny_dict["nodes"][0]["dwell_h"] = {"dist": "lognormal", "mean": 4, "p90": 20}
    assert "lognormal p90/mean = 5.00 exceeds 2.27" in one(tiny_dict)
    tiny_dict["nodes"][0]["dwell_h"] = {"dist": "triangular", "low": 5, "mode": 2, "high": 9}
    assert "triangular needs low <= mode <= high" in one(tiny_dict)
    tiny_dict["nodes"][0]["dwell_h"] = {"dist": "uniform", "low": 1}
    assert "uniform distribution needs high" in one(tiny_dict)


def test_mode_specific_fields(tiny_dict):
    del tiny_dict["links"][0]["gauge_mm"]
    assert "links[a-pa]: rail link needs gauge_mm" in one(tiny_dict)
    tiny_dict["links"][0].update({"mode": "pipeline", "gauge_mm": 1520})
    msg = one(tiny_dict)
    assert "pipeline link needs capacity_t_per_year" in msg
    assert "gauge_mm applies to rail links only" in msg


def test_port_fields_only_on_seaports(tiny_dict):
    tiny_dict["nodes"][0]["max_draft_m"] = 5
    assert one(tiny_dict) == ("t.yaml: nodes[a].max_draft_m: max_draft_m applies to seaports only "
                              "(kind is city)")


def test_emission_factor_kind(tiny_dict):
    tiny_dict["emission_factors"] = [{"id": "rail", "category": "rail", "kind": "transport",
                                      "wtw_g_per_tkm": 20, "ttw_g_per_tkm": 15, "source": "s1"}]
    tiny_dict["nodes"][1]["emission_factor"] = "rail"
    assert one(tiny_dict) == ("t.yaml: nodes[pa].emission_factor: emission factor 'rail' is a "
                              "transport factor; hub needed")


def test_many_mistakes_are_reported_together(tiny_dict):
    tiny_dict["links"][0]["speed_kmh"] = 0
    tiny_dict["nodes"][1]["countr"] = "KZ"
    tiny_dict["vessels"][0]["service"] = "f2"
    tiny_dict["demand"][0]["commodity"] = "containr"
    msgs = own_problems(tiny_dict)
    assert len(msgs) == 4, msgs
    assert "t.yaml: nodes[pa].countr: unknown field 'countr' (did you mean 'country'?)" in msgs
    assert "t.yaml: links[a-pa].speed_kmh: Input should be greater than or equal to 1 (got 0)" in msgs
    assert "t.yaml: vessels[v1].service: refers to unknown service 'f2'" in msgs
    assert ("t.yaml: demand[d1].commodity: refers to unknown commodity 'containr' "
            "(did you mean 'container'?)") in msgs


def test_yaml_syntax_error_names_line(write_yaml):
    path = write_yaml("name: x\nyear: [2024\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    p = info.value.problems[0]
    assert p.file == str(path) and p.field.startswith("line ") and "not valid YAML" in p.message


def test_unsafe_yaml_tags_are_rejected(write_yaml):
    path = write_yaml("name: !!python/object/apply:os.system ['echo hi']\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert "not valid YAML" in info.value.problems[0].message


def test_file_size_bound(write_yaml, monkeypatch):
    monkeypatch.setattr(loading_mod, "MAX_FILE_BYTES", 100)
    path = write_yaml("name: x\n" + "# pad\n" * 50)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert "bytes; the limit is 100" in info.value.problems[0].message


def test_alias_expansion_is_bounded(write_yaml):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, "
              f"*a{i-1}, *a{i-1}]" for i in range(1, 8)]
    path = write_yaml("\n".join(lines) + "\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert "expands to more than 250,000 elements" in info.value.problems[0].message


def test_component_count_bound(tiny_dict, monkeypatch):
    monkeypatch.setattr(loading_mod, "MAX_COMPONENTS_PER_TYPE", 2)
    assert one(tiny_dict) == "t.yaml: nodes: 3 nodes; the limit is 2"


def test_missing_file_suggests_builtin():
    with pytest.raises(ScenarioError) as info:
        load_scenario("baseline-2042")
    assert "did you mean 'baseline-2024'?" in info.value.problems[0].message


def test_references_to_an_invalid_component_are_reported_as_such(tiny_dict):
    """A component that fails its own checks is never looked up; references to it say why."""
    tiny_dict["emission_factors"] = [{"id": "ef-rail", "category": "rail", "kind": "transport",
                                      "wtw_g_per_tkm": float("-inf"), "ttw_g_per_tkm": 10}]
    tiny_dict["links"][0]["emission_factor"] = "ef-rail"
    msgs = problems_of(tiny_dict)
    assert "t.yaml: emission_factors[ef-rail].wtw_g_per_tkm: Input should be a finite number " \
           "(got -inf)" in msgs
    assert ("t.yaml: links[a-pa].emission_factor: refers to an invalid component: emission factor "
            "'ef-rail' failed its own checks (see its problems)") in msgs
    del tiny_dict["emission_factors"][0]["kind"]
    msgs = problems_of(tiny_dict)
    assert "t.yaml: emission_factors[ef-rail].kind: required field is missing" in msgs
    assert any("links[a-pa].emission_factor: refers to an invalid component" in m for m in msgs)


# -- numbers are finite and physical; ids and text are safe (issue 8 items 2, 3) -------------
@pytest.mark.parametrize(("ctype", "index", "fld", "value", "expected"), [
    ("nodes", 0, "lon", True, "Input should be a valid number"),
    ("links", 0, "distance_km", "yes", "Input should be a valid number"),
    ("links", 0, "distance_km", "inf", "Input should be a valid number"),
    ("links", 0, "distance_km", float("nan"), "Input should be a finite number"),
    ("links", 0, "distance_km", 25_000, "Input should be less than or equal to 20000"),
    ("services", 0, "departures_per_week", float("inf"), "Input should be a finite number"),
    ("vessels", 0, "count", True, "Input should be a valid integer"),
    ("commodities", 0, "tonnes_per_unit", 1e12, "Input should be less than or equal to 150"),
    ("demand", 0, "annual_units", 1e12, "Input should be less than or equal to 1000000000"),
])
def test_numbers_must_be_finite_physical_numbers(tiny_dict, ctype, index, fld, value, expected):
    tiny_dict[ctype][index][fld] = value
    assert expected in one(tiny_dict)


def test_a_teu_holds_at_most_30_tonnes(tiny_dict):
    teu = next(c for c in tiny_dict["commodities"] if c["unit"] == "teu")
    teu["tonnes_per_unit"] = 31
    assert "tonnes_per_unit 31 exceeds 30 t, the most one teu holds" in one(tiny_dict)


def test_arrivals_a_year_are_bounded(tiny_dict):
    tiny_dict["demand"][0].update(annual_units=1e8, units_per_train=10)
    assert "10,000,000 arrivals a year; the limit is 1,000,000" in one(tiny_dict)


def test_a_train_is_at_most_200_units(tiny_dict):
    tiny_dict["demand"][0]["units_per_train"] = 500
    assert "units_per_train 500 exceeds 200" in one(tiny_dict)


@pytest.mark.parametrize(("dist", "expected"), [
    ({"dist": "lognormal", "mean": float("inf"), "p90": 5}, "finite number"),
    ({"dist": "empirical", "values": [1, 2], "weights": [float("nan"), 1]}, "finite number"),
    ({"dist": "empirical", "values": [1, 2], "weights": [0.2, 0.2]}, "weights must sum to 1"),
    ({"dist": "empirical", "values": [1, 2], "weights": [0, 1]}, "greater than 0"),
    ({"dist": "uniform", "low": 1, "high": 1e9}, "less than or equal to 10000"),
    (True, "not true/false"),
])
def test_distributions_have_finite_parameters_and_sane_shapes(tiny_dict, dist, expected):
    tiny_dict["nodes"][0]["dwell_h"] = dist
    assert expected in one(tiny_dict)


@pytest.mark.parametrize("bad", ["<script>alert(1)</script>", "a\x00b", "Upper", "x" * 65, "-lead"])
def test_ids_match_one_pattern(tiny_dict, bad):
    tiny_dict["nodes"][0]["id"] = bad
    msgs = own_problems(tiny_dict)
    assert any("String should match pattern" in m or "at most 64" in m for m in msgs), msgs


def test_names_and_text_are_bounded_and_free_of_control_characters(tiny_dict):
    tiny_dict["nodes"][0]["name"] = "Aktau\x00"
    assert "nodes[a].name: String should match pattern" in one(tiny_dict)
    tiny_dict["nodes"][0]["name"] = "A" * 201
    assert "String should have at most 200 characters" in one(tiny_dict)
    tiny_dict["nodes"][0]["name"] = "Aktau <b>port</b> & \"quay\""  # markup is text, escaped on output
    tiny_dict["description"] = "line one\nline two\ttabbed"
    assert Scenario.from_dict(tiny_dict).doc.description.count("\n") == 1


@pytest.mark.parametrize(("text", "expected"), [
    ("name: x\nyear: !!int abc\n", "a value cannot be read"),
    ("a: " + "[" * 100 + "]" * 100 + "\n", "nesting deeper than 64 levels"),
    ("? [a, b]\n: 1\n", "not valid YAML"),
])
def test_yaml_misuse_is_a_clear_problem(write_yaml, text, expected):
    with pytest.raises(ScenarioError) as info:
        load_scenario(write_yaml(text))
    assert expected in info.value.problems[0].message


def test_non_utf8_text_is_refused(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: x\ntitle: Bak\xfc\n".encode("latin-1"))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.problems[0].message == ("not UTF-8 text: byte 0xfc at line 2 "
                                              "(save the file as UTF-8)")


def test_element_limit_is_checked_while_parsing(write_yaml):
    """A long flat list is refused at the element that crosses the limit, with its line."""
    text = "name: x\nyear: 2024\nnodes:\n  [" + ", ".join(["1"] * 300_000) + "]\n"
    with pytest.raises(ScenarioError) as info:
        load_scenario(write_yaml(text))
    (problem,) = info.value.problems
    assert problem.message.startswith("document expands to more than 250,000 elements")
    assert problem.field == "line 4"
