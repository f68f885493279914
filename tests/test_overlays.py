"""Overlay semantics: extends, add / patch / remove, projects, chains and cycles."""

from __future__ import annotations

import pytest

from transcaspian.model import ScenarioError, load_scenario


def overlay(**kw):
    return {"name": kw.pop("name", "ov"), "extends": kw.pop("extends", "base.yaml"), **kw}


def test_patch_changes_only_the_named_fields(tiny_dict, write_yaml):
    write_yaml(tiny_dict, "base.yaml")
    path = write_yaml(overlay(patch={"links": [{"id": "a-pa", "trains_per_day": 24, "source": "s1"}]}),
                      "ov.yaml")
    s = load_scenario(path, strict=True)
    link = s.get("links", "a-pa")
    assert link.trains_per_day == 24
    assert link.distance_km == 300  # untouched
    assert s.name == "ov" and s.year == 2024


def test_patch_value_takes_the_patch_source_not_the_component_one(tiny_dict, write_yaml):
    tiny_dict["sources"].append({"id": "s2", "title": "Other", "url": "https://o.org", "year": 2025})
    write_yaml(tiny_dict, "base.yaml")
    path = write_yaml(overlay(patch={"links": [{"id": "a-pa", "speed_kmh": 70, "source": "s2"}]}),
                      "ov.yaml")
    link = load_scenario(path).get("links", "a-pa")
    assert link.provenance_of("speed_kmh").source == "s2"
    assert link.provenance_of("distance_km").source == "s1"


def test_unsourced_patch_is_flagged_even_if_the_component_was_sourced(tiny_dict, write_yaml):
    write_yaml(tiny_dict, "base.yaml")
    path = write_yaml(overlay(patch={"links": [{"id": "a-pa", "speed_kmh": 70}]}), "ov.yaml")
    s = load_scenario(path)
    assert [(w.component, w.id, w.field) for w in s.warnings] == [("links", "a-pa", "speed_kmh")]
    assert s.warnings[0].file == f"{path}, line 5"  # the overlay and the line of the change


def test_patch_deep_merges_dicts_and_replaces_distributions(tiny_dict, write_yaml):
    tiny_dict["nodes"][1]["dwell_h"] = {"dist": "uniform", "low": 2, "high": 6}
    write_yaml(tiny_dict, "base.yaml")
    path = write_yaml(overlay(patch={
        "vessels": [{"id": "v1", "capacity": {"wagon": 40}, "source": "s1"}],
        "nodes": [{"id": "pa", "dwell_h": {"dist": "lognormal", "mean": 5, "p90": 9}, "source": "s1"}],
    }), "ov.yaml")
    s = load_scenario(path, strict=True)
    assert s.get("vessels", "v1").capacity == {"teu": 300, "wagon": 40}
    dwell = s.get("nodes", "pa").dwell_h
    assert (dwell.dist, dwell.mean, dwell.p90, dwell.low) == ("lognormal", 5, 9, None)


def test_add_and_remove(tiny_dict, write_yaml):
    write_yaml(tiny_dict, "base.yaml")
    new_vessel = {"id": "v2", "name": "V2", "service": "f1", "count": 1, "capacity": {"teu": 700},
                  "deadweight_t": 9000, "speed_kn": 12, "design_draft_m": 4.0, "tonnes_per_cm": 20,
                  "source": "s1"}
    path = write_yaml(overlay(add={"vessels": [new_vessel]}, remove={"vessels": ["v1"]}), "ov.yaml")
    s = load_scenario(path, strict=True)
    assert list(s.vessels.index) == ["v2"]
    assert s.vessels.loc["v2", "capacity_teu"] == 700


def test_removing_something_still_referenced_is_reported(tiny_dict, write_yaml):
    write_yaml(tiny_dict, "base.yaml")
    path = write_yaml(overlay(remove={"nodes": ["pa"]}), "ov.yaml")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    where = {(p.component, p.id, p.field) for p in info.value.problems}
    assert ("links", "a-pa", "to") in where
    assert ("services", "f1", "from") in where


def test_operation_errors_name_every_problem(tiny_dict, write_yaml):
    write_yaml(tiny_dict, "base.yaml")
    path = write_yaml(overlay(
        patch={"links": [{"id": "a-pb", "speed_kmh": 1}], "lnks": [{"id": "x"}]},
        add={"nodes": [{"id": "a", "name": "dup"}]},
        remove={"services": ["f9"]},
    ), "ov.yaml")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    msgs = [str(p) for p in info.value.problems]
    assert len(msgs) == 4, msgs
    assert any("cannot patch: no links with id 'a-pb' (did you mean 'a-pa'?)" in m for m in msgs)
    assert any("unknown component type 'lnks' (did you mean 'links'?)" in m for m in msgs)
    assert any("cannot add: nodes 'a' already exists (use patch)" in m for m in msgs)
    assert any("cannot remove: no services with id 'f9'" in m for m in msgs)


def test_chain_of_extends(tiny_dict, write_yaml):
    write_yaml(tiny_dict, "base.yaml")
    write_yaml(overlay(name="mid", patch={"links": [{"id": "a-pa", "trains_per_day": 20,
                                                      "source": "s1"}]}), "mid.yaml")
    path = write_yaml(overlay(name="top", extends="mid.yaml", year=2030,
                              patch={"links": [{"id": "a-pa", "speed_kmh": 80, "source": "s1"}]}),
                      "top.yaml")
    s = load_scenario(path, strict=True)
    link = s.get("links", "a-pa")
    assert (s.name, s.year, link.trains_per_day, link.speed_kmh) == ("top", 2030, 20, 80)


def test_cycles_are_rejected(write_yaml):
    write_yaml(overlay(name="a", extends="b.yaml"), "a.yaml")
    path = write_yaml(overlay(name="b", extends="a.yaml"), "b.yaml")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    msg = info.value.problems[0].message
    assert msg.startswith("'extends' forms a cycle: ") and msg.count("->") == 2


def test_overlay_needs_name_and_no_top_level_lists(tiny_dict, write_yaml):
    write_yaml(tiny_dict, "base.yaml")
    path = write_yaml({"extends": "base.yaml", "nodes": []}, "ov.yaml")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    msgs = {p.message for p in info.value.problems}
    assert "an overlay needs its own 'name'" in msgs
    assert "an overlay changes components with add/patch/remove, not a top-level 'nodes' list" in msgs


def test_add_without_extends_is_an_error(tiny_dict, write_yaml):
    tiny_dict["add"] = {"nodes": []}
    with pytest.raises(ScenarioError) as info:
        load_scenario(write_yaml(tiny_dict))
    assert info.value.problems[0].message == "'add' needs 'extends' (it changes another scenario)"


def _with_project(tiny: dict) -> dict:
    tiny["projects"] = [{
        "id": "second-track", "name": "Second track A-PA", "capex_musd": 120, "build_start_year": 2025,
        "in_service_year": 2027, "payer": "KTZ", "country": "KZ", "source": "s1",
        "changes": {"patch": {"links": [{"id": "a-pa", "trains_per_day": 40}]},
                    "add": {"nodes": [{"id": "depot", "name": "Depot", "country": "KZ", "lat": 43.1,
                                       "lon": 51.1, "kind": "terminal"}]}},
    }]
    return tiny


def test_projects_apply_their_changes_with_the_project_source(tiny_dict, write_yaml):
    write_yaml(_with_project(tiny_dict), "base.yaml")
    path = write_yaml(overlay(apply_projects=["second-track"]), "ov.yaml")
    s = load_scenario(path, strict=True)
    assert s.get("links", "a-pa").trains_per_day == 40
    assert s.get("links", "a-pa").provenance_of("trains_per_day").source == "s1"
    assert s.get("nodes", "depot").source == "s1"
    assert s.doc.applied_projects == ["second-track"]
    base = load_scenario(write_yaml(tiny_dict, "base.yaml"))
    assert base.get("links", "a-pa").trains_per_day == 10


def test_project_applied_twice_or_unknown(tiny_dict, write_yaml):
    write_yaml(_with_project(tiny_dict), "base.yaml")
    write_yaml(overlay(name="mid", apply_projects=["second-track"]), "mid.yaml")
    path = write_yaml(overlay(extends="mid.yaml", apply_projects=["second-track", "secnd-track"]),
                      "ov.yaml")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    msgs = [p.message for p in info.value.problems]
    assert "project 'second-track' is already applied" in msgs
    assert "no project with id 'secnd-track' (did you mean 'second-track'?)" in msgs


def test_builtin_target_extends_baseline():
    target = load_scenario("target-2030")
    base = load_scenario("baseline-2024")
    assert target.files == ["baseline-2024", "target-2030"]
    assert target.year == 2030 and base.year == 2024
    assert set(target.doc.applied_projects) <= {p.id for p in base.doc.projects}
    assert target.hash != base.hash


def test_overlay_errors_name_the_overlay_file_and_line(tiny_dict, write_yaml):
    write_yaml(tiny_dict, "base.yaml")
    path = write_yaml("name: ov\nextends: base.yaml\npatch:\n  links:\n    - id: a-pa\n"
                      "      speed_kmh: .inf\n", "ov.yaml")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert [str(p) for p in info.value.problems] == [
        f"{path}, line 5: links[a-pa].speed_kmh: Input should be a finite number (got inf)"]


def test_misspelt_top_level_key_does_not_hide_other_errors(tiny_dict, write_yaml):
    tiny_dict["linkz"] = []
    tiny_dict["links"][0]["distance_km"] = "300"
    with pytest.raises(ScenarioError) as info:
        load_scenario(write_yaml(tiny_dict))
    msgs = [p.message for p in info.value.problems]
    assert "unknown top-level key 'linkz' (did you mean 'links'?)" in msgs
    assert "Input should be a valid number (got '300')" in msgs


def test_patching_a_project_changes_then_applying_it_applies_the_patch(tiny_dict, write_yaml):
    """The patched ``changes`` are what the project applies (seen by ``scenario diff``)."""
    from transcaspian.model.diff import diff_scenarios

    write_yaml(_with_project(tiny_dict), "base.yaml")
    plain = load_scenario(write_yaml(overlay(name="plain", apply_projects=["second-track"]), "p.yaml"))
    new = {"patch": {"links": [{"id": "a-pa", "trains_per_day": 55}]}}
    path = write_yaml(overlay(patch={"projects": [{"id": "second-track", "changes": new}]},
                              apply_projects=["second-track"]), "ov.yaml")
    s = load_scenario(path)
    assert s.get("links", "a-pa").trains_per_day == 55
    assert s.get("nodes", "depot").name == "Depot"  # the patch merges into the project's changes
    diff = diff_scenarios(plain, s)
    row = diff[(diff["component"] == "links") & (diff["field"] == "trains_per_day")]
    assert row[["before", "after"]].values.tolist() == [[40.0, 55.0]]


@pytest.mark.parametrize("extends", ["missing.yaml", "sub/", "x" * 5000, "a\x00b.yaml"])
def test_bad_extends_paths_are_refused_with_a_message(write_yaml, tmp_path, extends):
    (tmp_path / "sub").mkdir()
    with pytest.raises(ScenarioError) as info:
        load_scenario(write_yaml(overlay(extends=extends)))
    assert len(info.value.problems) == 1
