"""The REST API against a real SQLite store: access (401/403/404), values equal to the engines',
uploads, limits and their messages, jobs from submit to result, tokens, safety headers."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from transcaspian.analysis import CapacityOptions, QuoteOptions, capacity, quote
from transcaspian.model import load_scenario
from transcaspian.sim import simulate
from transcaspian.web.app import create_app
from transcaspian.web.jobs import run_job
from transcaspian.web.limits import Limits
from transcaspian.web.store import Store

API = "/api/v1"
OVERLAY = b"name: dry\nextends: baseline-2024\ntitle: Dry year\n"
YAML = {"Content-Type": "application/x-yaml"}
SIM = {"years": 0.05, "replications": 2, "warmup_days": 5.0, "seed": 7}


@pytest.fixture
def web(tmp_path):
    """A store with tokens in teams A and B, and a client on the app (no runner: jobs wait)."""
    store = Store(Store.default_url(tmp_path))
    tokens = {f"{team}-{role}": store.create_token(role, team)[1]
              for team in ("a", "b") for role in ("viewer", "analyst", "admin")}
    client = TestClient(create_app(store, None, Limits(max_replication_years=50, max_queued_jobs=3,
                                                       max_upload_bytes=20_000)))
    client.store = store

    def as_(who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[who]}"}

    client.as_ = as_
    return client


def _upload(web, who: str, body: bytes = OVERLAY, headers=YAML):
    return web.post(f"{API}/scenarios", content=body, headers={**web.as_(who), **headers})


def _run_next(web) -> str:
    """Run the oldest queued job in this process, as a worker does."""
    job = web.store.claim_next("test-worker")
    return run_job(web.store, job)


# -- access -----------------------------------------------------------------------------------
@pytest.mark.parametrize("method,path", [
    ("GET", "/scenarios"), ("GET", "/scenarios/baseline-2024"), ("GET", "/jobs"),
    ("POST", "/quote"), ("POST", "/jobs"), ("POST", "/scenarios"), ("GET", "/tokens"),
    ("GET", "/report/baseline-2024"), ("DELETE", "/jobs/x")])
def test_no_token_is_401_with_a_bearer_challenge(web, method, path):
    r = web.request(method, API + path)
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert "Bearer TOKEN" in r.json()["detail"]
    bad = web.request(method, API + path, headers={"Authorization": "Bearer tc_" + "x" * 43})
    assert bad.status_code == 401 and bad.json()["detail"] == "unknown or revoked token"
    basic = web.request(method, API + path, headers={"Authorization": "Basic dXNlcjpwdw=="})
    assert basic.status_code == 401


def test_a_viewer_reads_and_quotes_but_cannot_write(web):
    assert web.get(f"{API}/scenarios", headers=web.as_("a-viewer")).status_code == 200
    r = web.post(f"{API}/jobs", json={"kind": "simulate", "scenario": "baseline-2024"},
                 headers=web.as_("a-viewer"))
    assert r.status_code == 403 and "needs the analyst role" in r.json()["detail"]
    assert _upload(web, "a-viewer").status_code == 403
    assert web.get(f"{API}/tokens", headers=web.as_("a-analyst")).status_code == 403
    q = web.post(f"{API}/quote", json={"scenario": "baseline-2024", "origin": "aktau",
                                       "destination": "alat", "k": 1}, headers=web.as_("a-viewer"))
    assert q.status_code == 200


def test_another_teams_scenario_and_job_are_404(web):
    assert _upload(web, "b-analyst").status_code == 201
    job = web.post(f"{API}/jobs", json={"kind": "simulate", "scenario": "dry", "options": SIM},
                   headers=web.as_("b-analyst")).json()
    for path in ("/scenarios/dry", "/scenarios/dry/validate", "/scenarios/dry/export",
                 "/scenarios/baseline-2024/diff/dry", f"/jobs/{job['id']}", f"/jobs/{job['id']}/result",
                 f"/jobs/{job['id']}/result/throughput.csv"):
        assert web.get(API + path, headers=web.as_("a-admin")).status_code == 404, path
        assert web.get(API + path, headers=web.as_("b-viewer")).status_code != 404, path
    assert web.delete(f"{API}/jobs/{job['id']}", headers=web.as_("a-admin")).status_code == 404
    q = web.post(f"{API}/quote", json={"scenario": "dry", "origin": "aktau", "destination": "alat"},
                 headers=web.as_("a-analyst"))
    assert q.status_code == 404
    names = [s["name"] for s in web.get(f"{API}/scenarios", headers=web.as_("a-viewer")).json()]
    assert names == ["baseline-2024", "target-2030"]
    assert web.get(f"{API}/jobs", headers=web.as_("a-viewer")).json() == []
    # team A may store its own 'dry': a different scenario under the same name
    assert _upload(web, "a-analyst", OVERLAY.replace(b"Dry year", b"A's dry")).status_code == 201
    assert web.get(f"{API}/scenarios/dry", headers=web.as_("a-viewer")).json()["title"] == "A's dry"
    assert web.get(f"{API}/scenarios/dry", headers=web.as_("b-viewer")).json()["title"] == "Dry year"


# -- the engines' values -----------------------------------------------------------------------
def test_quote_equals_the_engine(web):
    body = {"scenario": "baseline-2024", "origin": "xian", "destination": "constanta", "cargo": "2 FEU",
            "k": 3, "by": "cost"}
    r = web.post(f"{API}/quote", json=body, headers=web.as_("a-viewer"))
    assert r.status_code == 200
    got = pd.DataFrame(r.json()["tables"]["options"])
    want = quote(load_scenario("baseline-2024"), QuoteOptions.build(
        origin="xian", destination="constanta", cargo="2 FEU", k=3, by="cost"))["options"]
    assert got["option"].tolist() == want["option"].tolist()
    for col in ("transit_days", "cost_usd", "co2e_wtw_kg", "distance_km"):
        # the JSON of results carries 10 decimals (Result.to_json_dict, as the CLI's --format json)
        assert got[col].tolist() == pytest.approx(want[col].tolist(), rel=0, abs=1e-9), col
    assert r.json()["meta"]["options"]["by"] == "cost"
    assert r.json()["meta"]["scenario_hash"] == load_scenario("baseline-2024").hash


def test_capacity_equals_the_engine(web):
    r = web.post(f"{API}/capacity", json={"scenario": "target-2030", "basis": "theoretical"},
                 headers=web.as_("a-viewer"))
    assert r.status_code == 200
    want = capacity(load_scenario("target-2030"), CapacityOptions.build(basis="theoretical"))
    got = r.json()["tables"]
    assert got["summary"][0]["served_t"] == pytest.approx(float(want["summary"]["served_t"].iloc[0]))
    assert got["summary"][0]["basis"] == "theoretical"
    assert len(got["bottlenecks"]) == len(want["bottlenecks"])


def test_quote_problems_name_the_fields(web):
    r = web.post(f"{API}/quote", json={"scenario": "baseline-2024", "origin": "nowhere",
                                       "destination": "alat", "cargo": "2 FEU"}, headers=web.as_("a-viewer"))
    assert r.status_code == 422
    assert any(p["field"] == "origin" and "nowhere" in p["message"] for p in r.json()["problems"])
    r = web.post(f"{API}/quote", json={"scenario": "baseline-2024", "origin": "aktau", "k": 0,
                                       "colour": "red"}, headers=web.as_("a-viewer"))
    fields = {p["field"] for p in r.json()["problems"]}
    assert r.status_code == 422 and {"destination", "k", "colour"} <= fields
    r = web.post(f"{API}/quote", json={"scenario": "no-such", "origin": "aktau", "destination": "alat"},
                 headers=web.as_("a-viewer"))
    assert r.status_code == 404



# -- compare ------------------------------------------------------------------------------------
def test_compare_equals_the_engine_and_a_viewer_may_call_it(web):
    from transcaspian.analysis.compare import CompareOptions, compare

    r = web.post(f"{API}/compare", json={"scenarios": ["baseline-2024", "target-2030"], "corridors": 2},
                 headers=web.as_("a-viewer"))
    assert r.status_code == 200, r.text
    want = compare([load_scenario("baseline-2024"), load_scenario("target-2030")],
                   CompareOptions.build(corridors=2))
    got = r.json()["tables"]
    assert [s["scenario"] for s in got["summary"]] == ["baseline-2024", "target-2030"]
    for col in ("delta_served_t", "delta_served_share", "delta_demand_multiplier", "delta_capacity_t",
                "delta_capex_musd"):
        assert [s[col] for s in got["summary"]] == pytest.approx(want["summary"][col].tolist(),
                                                                rel=0, abs=1e-9), col
    assert len(got["od_times"]) == len(want["od_times"]) == 2 * 2
    assert [o["delta_expected_days"] for o in got["od_times"]] == pytest.approx(
        want["od_times"]["delta_expected_days"].tolist(), rel=0, abs=1e-9)
    assert [(b["change"], b["element_id"]) for b in got["bottlenecks"]] == list(
        zip(want["bottlenecks"]["change"], want["bottlenecks"]["element_id"], strict=True))
    assert {p["project"] for p in got["projects"]} == set(want["projects"]["project"])
    assert r.json()["meta"]["scenarios"] == [{"name": s["name"], "hash": s["hash"]}
                                             for s in want.meta["scenarios"]]


def test_compare_refusals_name_the_problem(web):
    one = web.post(f"{API}/compare", json={"scenarios": ["baseline-2024"]}, headers=web.as_("a-viewer"))
    assert one.status_code == 422 and one.json()["problems"][0]["field"] == "scenarios"
    missing = web.post(f"{API}/compare", json={"scenarios": ["baseline-2024", "atlantis"]},
                       headers=web.as_("a-viewer"))
    assert missing.status_code == 404 and "atlantis" in missing.json()["detail"]
    job = web.post(f"{API}/compare", json={"scenarios": ["baseline-2024", "target-2030"],
                                           "simulation_jobs": ["nope", None]}, headers=web.as_("a-viewer"))
    assert job.status_code == 404 and "no simulate job 'nope'" in job.json()["detail"]
    bad = web.post(f"{API}/compare", json={"scenarios": ["baseline-2024", "target-2030"], "corridors": 0,
                                           "colour": "red"}, headers=web.as_("a-viewer"))
    assert bad.status_code == 422 and {p["field"] for p in bad.json()["problems"]} == {"corridors", "colour"}
    assert web.post(f"{API}/compare", json={"scenarios": ["baseline-2024", "target-2030"]}).status_code == 401


def test_compare_with_a_simulation_fills_its_p50_days(web):
    from transcaspian.analysis.compare import compare

    job = web.post(f"{API}/jobs", json={"kind": "simulate", "scenario": "baseline-2024", "options": SIM},
                   headers=web.as_("a-analyst")).json()
    body = {"scenarios": ["baseline-2024", "target-2030"], "simulation_jobs": [job["id"], None]}
    early = web.post(f"{API}/compare", json=body, headers=web.as_("a-viewer"))
    assert early.status_code == 409 and "queued" in early.json()["detail"]
    assert _run_next(web) == "done"
    r = web.post(f"{API}/compare", json=body, headers=web.as_("a-viewer"))
    assert r.status_code == 200, r.text
    sim = web.store.result("a", job["id"])
    want = compare([load_scenario("baseline-2024"), load_scenario("target-2030")],
                   simulations=[sim, None])["od_times"]
    got = pd.DataFrame(r.json()["tables"]["od_times"])
    assert got["basis"].tolist() == want["basis"].tolist()
    assert got["basis"].iloc[0].startswith("simulation (2 replications)")
    assert got["p50_days"].tolist() == pytest.approx(want["p50_days"].tolist(), rel=0, abs=1e-9, nan_ok=True)
    swapped = {"scenarios": ["target-2030", "baseline-2024"], "simulation_jobs": [job["id"], None]}
    wrong = web.post(f"{API}/compare", json=swapped, headers=web.as_("a-viewer"))
    assert wrong.status_code == 422 and "ran on another scenario" in wrong.json()["detail"]


def test_capacity_tables_download_through_the_jobs_writer(web):
    csv = web.get(f"{API}/scenarios/baseline-2024/capacity/bottlenecks.csv", headers=web.as_("a-viewer"))
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    want = capacity(load_scenario("baseline-2024"))["bottlenecks"]
    got = pd.read_csv(io.StringIO(csv.text))
    assert got["element_id"].tolist() == want["element_id"].tolist()
    assert got["utilisation"].tolist() == pytest.approx(want["utilisation"].tolist())
    xlsx = web.get(f"{API}/scenarios/baseline-2024/capacity/flows.xlsx", headers=web.as_("a-viewer"))
    assert pd.read_excel(io.BytesIO(xlsx.content))["served_t"].sum() == pytest.approx(
        capacity(load_scenario("baseline-2024"))["flows"]["served_t"].sum())
    missing = web.get(f"{API}/scenarios/baseline-2024/capacity/nope.csv", headers=web.as_("a-viewer"))
    assert missing.status_code == 404 and "bottlenecks" in missing.json()["detail"]


def test_the_pages_reference_data_nodes_and_units(web):
    nodes = web.get(f"{API}/scenarios/baseline-2024/nodes", headers=web.as_("a-viewer")).json()
    base = load_scenario("baseline-2024")
    assert [n["id"] for n in nodes] == base.nodes.index.tolist()
    assert nodes[0]["name"] == base.nodes["name"].iloc[0]
    tables = web.get(f"{API}/tables", headers=web.as_("a-viewer")).json()
    units = {(t["engine"], t["table"]): {c["name"]: c["unit"] for c in t["columns"]} for t in tables}
    assert units[("quote", "options")]["transit_days"] == "days"
    assert units[("simulate", "transit_times")]["p50_h"] == "h"
    assert units[("compare", "summary")]["served_share"] == "share"
    assert web.get(f"{API}/scenarios/atlantis/nodes", headers=web.as_("a-viewer")).status_code == 404

# -- scenarios ----------------------------------------------------------------------------------
def test_upload_yaml_then_json_replaces_and_resolves(web):
    r = _upload(web, "a-analyst")
    assert r.status_code == 201
    info = r.json()
    assert info["name"] == "dry" and info["extends"] == "baseline-2024" and not info["builtin"]
    assert info["components"]["nodes"] == len(load_scenario("baseline-2024").nodes)
    base = load_scenario("baseline-2024")
    in_markets = {f for flows in base.table("markets")["flows"] for f in flows}
    dropped = next(d for d in base.demand.index if d not in in_markets)
    doc = {"name": "dry", "extends": "baseline-2024", "title": "Dry, as JSON",
           "remove": {"demand": [dropped]}}
    r = _upload(web, "a-analyst", json.dumps(doc).encode(), {"Content-Type": "application/json"})
    assert r.status_code == 201 and r.json()["title"] == "Dry, as JSON"
    assert r.json()["components"]["demand"] == len(base.demand) - 1
    # an overlay of the team's overlay
    r = _upload(web, "a-analyst", b"name: drier\nextends: dry\ntitle: Drier\n")
    assert r.status_code == 201 and r.json()["components"]["demand"] == info["components"]["demand"] - 1
    diff = web.get(f"{API}/scenarios/baseline-2024/diff/drier", headers=web.as_("a-viewer")).json()
    assert [(row["component"], row["change"]) for row in diff["rows"]] == [("demand", "removed")]
    export = web.get(f"{API}/scenarios/drier/export", headers=web.as_("a-viewer"))
    assert export.headers["content-type"].startswith("application/x-yaml")
    assert "extends" not in export.text and "title: Drier" in export.text


def test_upload_lists_every_problem(web):
    body = (b"name: bad\nextends: baseline-2024\npatch:\n  links:\n    - id: xian-urumqi\n"
            b"      distance_km: -5\ncolour: red\n")
    r = _upload(web, "a-analyst", body)
    assert r.status_code == 422
    messages = " | ".join(f"{p['field']}: {p['message']}" for p in r.json()["problems"])
    assert "colour" in messages and "distance_km" in messages, messages
    assert web.get(f"{API}/scenarios/bad", headers=web.as_("a-viewer")).status_code == 404


@pytest.mark.parametrize("body,content_type,needle", [
    (b"name: p\nextends: /etc/passwd\n", "application/x-yaml", "extends"),
    (b"name: p\nextends: ../x.yaml\n", "application/x-yaml", "extends"),
    (b"name: baseline-2024\nextends: target-2030\n", "application/x-yaml", "built-in"),
    (b"name: p\ntitle: no parent\n", "application/x-yaml", "extends"),
    (b"a: &a [1, 2]\nb: [*a, *a, *a]\nc: !!python/object:os.system ls\n", "application/x-yaml", "YAML"),
    (b"[1, 2]", "application/json", "JSON object"),
    (b"name: p\nextends: baseline-2024\n", "text/plain", "application/x-yaml"),
])
def test_upload_refusals(web, body, content_type, needle):
    r = _upload(web, "a-analyst", body, {"Content-Type": content_type})
    assert r.status_code == 422
    text = json.dumps(r.json())
    assert needle in text, text
    assert web.store.list_scenarios("a") == []


def test_upload_size_is_bounded(web):
    big = OVERLAY + b"description: " + b"x" * 30_000 + b"\n"
    r = _upload(web, "a-analyst", big)
    assert r.status_code == 413 and "max_upload_bytes" in r.json()["detail"]
    assert "20,000" in r.json()["detail"]


def test_validate_reports_errors_and_warnings(web):
    r = web.get(f"{API}/scenarios/baseline-2024/validate", headers=web.as_("a-viewer"))
    assert r.status_code == 200 and r.json()["valid"] is True and r.json()["errors"] == []


# -- jobs and limits ----------------------------------------------------------------------------
def test_a_job_from_submit_to_result_equals_the_simulator(web):
    assert _upload(web, "a-analyst").status_code == 201
    r = web.post(f"{API}/jobs", json={"kind": "simulate", "scenario": "dry", "options": SIM},
                 headers=web.as_("a-analyst"))
    assert r.status_code == 202
    job = r.json()
    assert job["status"] == "queued" and job["progress"] == 0
    early = web.get(f"{API}/jobs/{job['id']}/result", headers=web.as_("a-viewer"))
    assert early.status_code == 409 and "queued" in early.json()["detail"]
    assert _run_next(web) == "done"
    status = web.get(f"{API}/jobs/{job['id']}", headers=web.as_("a-viewer")).json()
    assert status["status"] == "done" and status["progress"] == 1.0 and status["finished"]
    res = web.get(f"{API}/jobs/{job['id']}/result", headers=web.as_("a-viewer")).json()
    want = simulate(load_scenario("baseline-2024"), {**SIM, "workers": 1})
    got = pd.DataFrame(res["tables"]["throughput"])
    assert res["meta"]["seed"] == 7
    num = want["throughput"].select_dtypes("number").columns
    expected = pytest.approx(want["throughput"][num].to_numpy().ravel().tolist())
    assert got[num].to_numpy().ravel().tolist() == expected
    csv = web.get(f"{API}/jobs/{job['id']}/result/throughput.csv", headers=web.as_("a-viewer"))
    assert csv.headers["content-type"].startswith("text/csv")
    assert pd.read_csv(io.StringIO(csv.text))[num].to_numpy().ravel().tolist() == expected
    xlsx = web.get(f"{API}/jobs/{job['id']}/result/throughput.xlsx", headers=web.as_("a-viewer"))
    assert pd.read_excel(io.BytesIO(xlsx.content))[num].to_numpy().ravel().tolist() == expected
    missing = web.get(f"{API}/jobs/{job['id']}/result/nope.csv", headers=web.as_("a-viewer"))
    assert missing.status_code == 404 and "throughput" in missing.json()["detail"]


def test_cancel_a_queued_job(web):
    job = web.post(f"{API}/jobs", json={"kind": "simulate", "scenario": "baseline-2024", "options": SIM},
                   headers=web.as_("a-analyst")).json()
    r = web.delete(f"{API}/jobs/{job['id']}", headers=web.as_("a-analyst"))
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert web.store.claim_next("w") is None
    assert web.get(f"{API}/jobs/{job['id']}/result", headers=web.as_("a-viewer")).status_code == 409


def test_limits_name_themselves(web):
    big = web.post(f"{API}/jobs", json={"kind": "simulate", "scenario": "baseline-2024",
                                        "options": {"replications": 20, "years": 3}},
                   headers=web.as_("a-analyst"))
    assert big.status_code == 422
    assert big.json()["detail"].startswith("max_replication_years: the simulate job asks for 60 ")
    plan = web.post(f"{API}/jobs", json={"kind": "plan", "scenario": "target-2030",
                                         "options": {"replications": 20, "sim_years": 1, "max_rounds": 3}},
                    headers=web.as_("a-analyst"))
    assert plan.status_code == 422 and "max_replication_years" in plan.json()["detail"]
    for _ in range(3):
        ok = web.post(f"{API}/jobs", json={"kind": "simulate", "scenario": "baseline-2024", "options": SIM},
                      headers=web.as_("a-analyst"))
        assert ok.status_code == 202
    full = web.post(f"{API}/jobs", json={"kind": "simulate", "scenario": "baseline-2024", "options": SIM},
                    headers=web.as_("a-analyst"))
    assert full.status_code == 429
    assert full.json()["detail"].startswith("max_queued_jobs: the team already has 3 jobs waiting (limit 3")
    other = web.post(f"{API}/jobs", json={"kind": "simulate", "scenario": "baseline-2024", "options": SIM},
                     headers=web.as_("b-analyst"))
    assert other.status_code == 202  # the queue limit is per team


def test_job_options_are_the_engines(web):
    r = web.post(f"{API}/jobs", json={"kind": "simulate", "scenario": "baseline-2024",
                                      "options": {"replications": 0, "workers": 64}},
                 headers=web.as_("a-analyst"))
    fields = {p["field"] for p in r.json()["problems"]}
    assert r.status_code == 422 and {"options.replications", "options.workers"} <= fields
    r = web.post(f"{API}/jobs", json={"kind": "calibrate", "scenario": "baseline-2024",
                                      "options": {"observed": "/etc/passwd"}}, headers=web.as_("a-analyst"))
    assert r.status_code == 422 and "options.observed" in {p["field"] for p in r.json()["problems"]}


# -- tokens ---------------------------------------------------------------------------------------
def test_admin_manages_its_teams_tokens(web):
    r = web.post(f"{API}/tokens", json={"role": "viewer", "label": "port desk"}, headers=web.as_("a-admin"))
    assert r.status_code == 201
    new = r.json()
    assert new["team"] == "a" and new["token"].startswith("tc_")
    hdr = {"Authorization": f"Bearer {new['token']}"}
    assert web.get(f"{API}/scenarios", headers=hdr).status_code == 200
    listed = web.get(f"{API}/tokens", headers=web.as_("a-admin")).json()
    assert {t["team"] for t in listed} == {"a"} and new["token_id"] in {t["id"] for t in listed}
    assert "token" not in json.dumps(listed).replace("token_id", "")
    assert web.delete(f"{API}/tokens/{new['token_id']}", headers=web.as_("b-admin")).status_code == 404
    assert web.delete(f"{API}/tokens/{new['token_id']}", headers=web.as_("a-admin")).status_code == 204
    assert web.get(f"{API}/scenarios", headers=hdr).status_code == 401


# -- the page, the report, safety -----------------------------------------------------------------
def test_security_headers_and_no_cors_by_default(web):
    r = web.get(f"{API}/scenarios", headers={**web.as_("a-viewer"), "Origin": "https://evil.example"})
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert "access-control-allow-origin" not in r.headers
    pre = web.options(f"{API}/scenarios", headers={"Origin": "https://evil.example",
                                                   "Access-Control-Request-Method": "GET"})
    assert "access-control-allow-origin" not in pre.headers


def test_cors_only_for_the_given_origin(tmp_path):
    client = TestClient(create_app(Store(Store.default_url(tmp_path)), None, None,
                                   cors_origins=["https://team.example"]))
    ok = client.options(f"{API}/scenarios", headers={"Origin": "https://team.example",
                                                     "Access-Control-Request-Method": "GET"})
    assert ok.headers["access-control-allow-origin"] == "https://team.example"
    no = client.options(f"{API}/scenarios", headers={"Origin": "https://evil.example",
                                                     "Access-Control-Request-Method": "GET"})
    assert "access-control-allow-origin" not in no.headers


def test_report_map_docs_and_page_are_served_locally(web):
    r = web.get(f"{API}/report/baseline-2024", headers=web.as_("a-viewer"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "sandbox" in r.headers["content-security-policy"] and "baseline-2024" in r.text
    m = web.get(f"{API}/scenarios/baseline-2024/map", headers=web.as_("a-viewer")).json()
    assert m["data"] and "layout" in m
    docs = web.get("/docs")
    assert docs.status_code == 200 and "/swagger/swagger-ui-bundle.js" in docs.text
    assert "http" not in docs.text.replace("http-equiv", "")
    assert web.get("/swagger/swagger-ui-bundle.js").status_code == 200
    assert web.get("/vendor/plotly.min.js").status_code == 200
    page = web.get("/")
    assert page.status_code == 200 and "https://" not in page.text
    spec = web.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.") and f"{API}/quote" in spec["paths"]
