"""The Scenario object: immutable, DataFrames, legs, and distributions' arithmetic."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from transcaspian import __version__
from transcaspian.model import Distribution, Scenario


def test_scenario_is_immutable(tiny_dict):
    s = Scenario.from_dict(tiny_dict)
    with pytest.raises(AttributeError, match="immutable"):
        s.doc = None
    with pytest.raises(Exception, match="frozen"):
        s.get("links", "a-pa").distance_km = 1
    links = s.links
    links.loc["a-pa", "distance_km"] = 1.0
    assert s.links.loc["a-pa", "distance_km"] == 300.0


def test_tables_flatten_units_and_distributions(tiny_dict):
    tiny_dict["nodes"][1]["dwell_h"] = {"dist": "triangular", "low": 3, "mode": 6, "high": 12}
    s = Scenario.from_dict(tiny_dict)
    assert s.vessels.loc["v1", "capacity_teu"] == 300.0
    assert s.nodes.loc["pa", "dwell_h_mean"] == pytest.approx(7.0)
    d = s.demand.loc["d1"]
    assert (d["unit"], d["annual_t"], d["annual_teu"]) == ("teu", 120_000.0, 10_000.0)


def test_metadata_and_legs(tiny_dict):
    s = Scenario.from_dict(tiny_dict)
    meta = s.metadata(seed=3)
    assert meta == {"scenario": "tiny", "scenario_hash": s.hash, "version": __version__, "seed": 3}
    legs = s.route_legs("r1", "teu")
    assert [(lg.kind, lg.from_node, lg.to_node) for lg in legs] == [("link", "a", "pa"),
                                                                    ("sea", "pa", "pb")]
    assert legs[1].services == ("f1",) and legs[0].distance_km == 300
    with pytest.raises(ValueError, match="cannot carry wagon"):
        s.route_legs("r1", "wagon")


@pytest.mark.parametrize("spec, mean, var", [
    ({"dist": "fixed", "value": 4}, 4.0, 0.0),
    ({"dist": "uniform", "low": 2, "high": 8}, 5.0, 3.0),
    ({"dist": "triangular", "low": 0, "mode": 3, "high": 6}, 3.0, 1.5),
    ({"dist": "empirical", "values": [1, 3], "weights": [0.75, 0.25]}, 1.5, 0.75),
])
def test_distribution_moments(spec, mean, var):
    d = Distribution.model_validate(spec)
    assert d.mean_value() == pytest.approx(mean)
    assert d.variance() == pytest.approx(var)
    sample = d.sample(np.random.default_rng(1), 200_000)
    assert sample.mean() == pytest.approx(mean, abs=0.02)


def test_lognormal_by_mean_and_p90_matches_scipy():
    d = Distribution.model_validate({"dist": "lognormal", "mean": 10, "p90": 18})
    mu, sigma = d.lognormal_params()
    ref = stats.lognorm(s=sigma, scale=np.exp(mu))
    assert ref.mean() == pytest.approx(10)
    assert ref.ppf(0.9) == pytest.approx(18)
    assert d.variance() == pytest.approx(ref.var())
    x = d.sample(np.random.default_rng(7), 400_000)
    assert np.quantile(x, 0.9) == pytest.approx(18, rel=0.01)


def test_number_means_fixed_distribution():
    assert Distribution.model_validate(2.5).describe() == "2.5"


def test_sea_level_change_reaches_caspian_ports_only(tiny_dict):
    from transcaspian.model.physics import draft_deficit_m, payload_factor

    tiny_dict["nodes"][2]["water_body"] = "black_sea"
    s = Scenario.from_dict(tiny_dict)
    v, pa, pb = s.get("vessels", "v1"), s.get("nodes", "pa"), s.get("nodes", "pb")
    # design draft 4.2 m, max draft 4.5 m: a 1 m fall leaves 3.5 m at the Caspian port
    assert draft_deficit_m(v, pa, -1.0) == pytest.approx(0.7)
    assert draft_deficit_m(v, pb, -1.0) == 0.0
    # 70 cm x 12 t/cm = 840 t of 4,500 t deadweight lost
    assert payload_factor(v, pa, -1.0) == pytest.approx(1 - 840 / 4500)
