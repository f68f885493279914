"""The kernel against the plain SimPy reference model on both built-ins.

Both read the same compiled scenario. With independent seeds their KPIs must agree
within confidence intervals; with the same seed they follow the same sample path almost
everywhere (they differ only where two events fall at exactly the same time).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from reference.simpy_model import run_reference

from transcaspian.model import load_scenario
from transcaspian.sim import KernelModel, compile_scenario, rep_seed, run_replication

REPS = 6
HORIZON_H = 8760.0


@pytest.fixture(scope="module", params=["baseline-2024", "target-2030"])
def runs(request: pytest.FixtureRequest) -> dict[str, object]:
    """Independent replications of the kernel and of the SimPy reference on one built-in."""
    cm = compile_scenario(load_scenario(request.param))
    model = KernelModel(cm)
    kernel = [model.run(HORIZON_H, rep_seed(303, i)) for i in range(REPS)]
    ref = [run_reference(cm, HORIZON_H, rep_seed(202, i)) for i in range(REPS)]
    return {"cm": cm, "kernel": kernel, "ref": ref}


@pytest.fixture
def eng(runs: dict) -> list:
    """The kernel's replications."""
    return runs["kernel"]


def agree(a: np.ndarray, b: np.ndarray, rel: float = 0.02) -> np.ndarray:
    """Per column: do two samples' means agree (99.9% two-sample t interval + rel slack)?"""
    n = a.shape[0]
    se = np.sqrt(a.var(axis=0, ddof=1) / n + b.var(axis=0, ddof=1) / n)
    q = 4.6   # two-sided 99.9% Student t for 10 degrees of freedom (several KPIs are tested)
    diff = np.abs(a.mean(axis=0) - b.mean(axis=0))
    return diff <= q * se + rel * np.maximum(np.abs(a.mean(axis=0)), np.abs(b.mean(axis=0))) + 1e-9


def test_throughput_per_flow_agrees(runs: dict, eng: list) -> None:
    e = np.array([r.delivered_units for r in eng])
    r = np.array([r.delivered_units for r in runs["ref"]])
    ok = agree(e, r)
    assert ok.all(), [f.id for f, good in zip(runs["cm"].flows, ok, strict=True) if not good]
    assert e.sum(axis=1).mean() > 0


def test_mean_transit_per_od_agrees(runs: dict, eng: list) -> None:
    e = np.array([r.od_unit_h / np.maximum(r.od_units, 1e-9) for r in eng])
    r = np.array([r.od_unit_h / np.maximum(r.od_units, 1e-9) for r in runs["ref"]])
    ok = agree(e, r, rel=0.03)
    assert ok.all(), [od for od, good in zip(runs["cm"].ods, ok, strict=True) if not good]
    assert (e.mean(axis=0) > 24).all()   # every OD takes more than a day


def test_vessel_voyages_and_load_factors_agree(runs: dict, eng: list) -> None:
    e = np.array([r.voyages.ravel() for r in eng])
    r = np.array([r.voyages.ravel() for r in runs["ref"]])
    assert agree(e, r).all()
    ef = np.array([(r.voyage_fill / np.maximum(r.voyages, 1)).ravel() for r in eng])
    rf = np.array([(r.voyage_fill / np.maximum(r.voyages, 1)).ravel() for r in runs["ref"]])
    assert agree(ef, rf, rel=0.03).all()
    assert e.sum() > 1000


def test_waiting_and_weather_agree(runs: dict, eng: list) -> None:
    e = np.array([r.node_wait_unit_h.sum() for r in eng])[:, None]
    r = np.array([r.node_wait_unit_h.sum() for r in runs["ref"]])[:, None]
    assert agree(e, r, rel=0.03).all()
    ew = np.array([r.weather_lost_h for r in eng])
    rw = np.array([r.weather_lost_h for r in runs["ref"]])
    assert agree(ew, rw, rel=0.05).all()


def test_port_and_border_performance_agree(runs: dict, eng: list) -> None:
    """Per port and vessel class: calls, mean turnaround and mean wait at anchor; per node
    server: trains and mean dwell (issue 9 item 5)."""
    def per(reps: list, num: str, den: str | None) -> np.ndarray:
        rows = []
        for r in reps:
            p = r.ports if isinstance(r.ports, dict) else vars(r.ports)
            x = np.asarray(p[num], float)
            rows.append((x / np.maximum(np.asarray(p[den], float), 1e-9) if den else x).ravel())
        return np.array(rows)

    kmap = {"calls": "calls", "done": "done", "turn": "turn_h", "anchor": "anchor_h", "srv_n": "trains",
            "srv_dwell": "dwell_h"}

    class View:   # the kernel's PortSummary under the reference's names
        def __init__(self, r: object) -> None:
            self.ports = {k: getattr(r.ports, v) for k, v in kmap.items()}

    e = [View(r) for r in eng]
    ref = runs["ref"]
    assert agree(per(e, "calls", None), per(ref, "calls", None)).all()
    assert agree(per(e, "turn", "done"), per(ref, "turn", "done"), rel=0.03).all()
    ea, ra = per(e, "anchor", "done"), per(ref, "anchor", "done")
    assert agree(ea, ra, rel=0.05).all() and ea.max() > 1.0
    nodes = [i for i, s in enumerate(runs["cm"].servers) if s.kind in ("border", "node")]
    assert agree(per(e, "srv_n", None)[:, nodes], per(ref, "srv_n", None)[:, nodes]).all()
    ed, rd = per(e, "srv_dwell", "srv_n")[:, nodes], per(ref, "srv_dwell", "srv_n")[:, nodes]
    assert agree(ed, rd, rel=0.03).all() and (ed.mean(axis=0) > 0).all()


def test_same_seed_same_path() -> None:
    """Common random numbers: same seed, same sample path (up to exact-time ties)."""
    cm = compile_scenario(load_scenario("baseline-2024"))
    e = run_replication(cm, HORIZON_H / 2, rep_seed(5, 0))
    r = run_reference(cm, HORIZON_H / 2, rep_seed(5, 0))
    tonnes = np.array([f.tonnes_per_unit for f in cm.flows])
    te, tr = float(e.delivered_units @ tonnes), float(r.delivered_units @ tonnes)
    assert math.isclose(te, tr, rel_tol=0.01)
    np.testing.assert_allclose(e.created_units, r.created_units)
    np.testing.assert_allclose(e.created_units, e.delivered_units + e.wip_units, rtol=1e-9)
