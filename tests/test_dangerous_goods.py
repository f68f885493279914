"""The dangerous-goods rule: a class travels only on vessels and through ports that declare it."""

from __future__ import annotations

import copy

import pytest

from transcaspian.analysis import capacity
from transcaspian.model import Scenario, ScenarioError, load_scenario


@pytest.fixture(scope="module")
def base() -> dict:
    return load_scenario("baseline-2024").doc.to_dict()


def _row(d: dict, ctype: str, cid: str) -> dict:
    return next(x for x in d[ctype] if x["id"] == cid)


def test_a_port_that_does_not_declare_the_class_bars_a_shared_route(base):
    d = copy.deepcopy(base)
    _row(d, "nodes", "kuryk")["dg_classes"] = ["3"]          # fertiliser is class 5.1
    with pytest.raises(ScenarioError) as info:
        Scenario.from_dict(d, label="t.yaml")
    text = " ".join(str(p) for p in info.value.problems)
    assert "port 'kuryk' does not handle class 5.1" in text
    assert "d-shu-batumi-fertiliser" in text


def test_a_vessel_class_that_refuses_the_class_bars_the_crossing(base):
    d = copy.deepcopy(base)
    flow = _row(d, "demand", "d-shu-batumi-fertiliser")
    kuryk = [o for o in flow["route_options"] if o["route"] == "r-shu-batumi-kuryk"]
    assert kuryk
    ferry_services = {"ferry-kuryk-alat", "ropax-kuryk-alat", "roro-kuryk-alat"}
    refusing = [v for v in d["vessels"] if v["service"] in ferry_services]
    for v in refusing:
        v["dg_classes"] = ["3"]
    with pytest.raises(ScenarioError) as info:
        Scenario.from_dict(d, label="t.yaml")
    assert any("carries class 5.1" in str(p) for p in info.value.problems)


def test_declared_classes_that_include_the_class_change_nothing(base):
    d = copy.deepcopy(base)
    for n in d["nodes"]:
        if n.get("kind") == "seaport":
            n["dg_classes"] = ["3", "5.1", "7"]
    for v in d["vessels"]:
        v["dg_classes"] = ["3", "5.1", "7"]
    a = capacity(Scenario.from_dict(copy.deepcopy(base)))["summary"]["served_t"].iloc[0]
    b = capacity(Scenario.from_dict(d))["summary"]["served_t"].iloc[0]
    assert a == pytest.approx(b, rel=1e-9)


def test_capacity_drops_an_optimal_route_option_the_class_may_not_take(base):
    d = copy.deepcopy(base)
    flow = _row(d, "demand", "d-shu-batumi-fertiliser")
    flow["choice"] = "optimal"
    for o in flow["route_options"]:
        o.pop("share", None)
    _row(d, "nodes", "turkmenbashi")["dg_classes"] = ["3"]
    s = Scenario.from_dict(d)
    routes = capacity(s)["flow_routes"]
    used = set(routes.loc[routes["flow"] == "d-shu-batumi-fertiliser", "route"])
    assert "r-shu-batumi-turkmenbashi" not in used
    assert "r-shu-batumi-kuryk" in used
