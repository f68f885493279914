"""The API contract: schemathesis generates requests from /openapi.json (at least 500, every
operation), with a valid analyst token, against the app on a real SQLite store holding a team
scenario and a done job. No response may be a server error (5xx), and every response must match
the document: its status code declared, its content type declared, its body valid against the
schema.

The store and the app are made by module fixtures (nothing runs at import), and the schema is
loaded from one of them (``schemathesis.pytest.from_fixture``): one test runs every operation as
a subtest."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from transcaspian.web.app import create_app
from transcaspian.web.jobs import run_job
from transcaspian.web.limits import Limits
from transcaspian.web.store import Store

MIN_REQUESTS = 500
#: Generated examples per operation, after the explicit phase's examples and coverage cases
#: (schemathesis's boundary values and undeclared methods: about 1,000 requests alone).
EXAMPLES = 10
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
SENT: Counter[str] = Counter()
SECONDS: Counter[str] = Counter()


@pytest.fixture(scope="module")
def contract_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """A SQLite store with an analyst token, a team overlay and one finished simulate job."""
    store = Store(Store.default_url(Path(tmp_path_factory.mktemp("contract"))))
    store.put_scenario("contract", "dry", "name: dry\nextends: baseline-2024\ntitle: Dry\n", "0" * 64)
    store.submit_job("contract", "simulate", "baseline-2024",
                     {"years": 0.02, "replications": 1, "warmup_days": 1.0})
    run_job(store, store.claim_next("contract-worker"))
    return store


@pytest.fixture(scope="module")
def token(contract_store: Store) -> str:
    """An analyst token of the contract team."""
    return contract_store.create_token("analyst", "contract")[1]


@pytest.fixture(scope="module")
def contract_app(contract_store: Store) -> Any:
    """The app on the contract store (no job workers: submitted jobs wait)."""
    return create_app(contract_store, None, Limits(max_queued_jobs=5, max_upload_bytes=50_000))


@pytest.fixture(scope="module")
def api_schema(contract_app: Any) -> Any:
    """The app's OpenAPI document, as schemathesis calls it (in process, ASGI)."""
    return schemathesis.openapi.from_asgi("/openapi.json", contract_app)


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request: pytest.FixtureRequest) -> None:
    """schemathesis 4.32's fixture loader reads ``node._nodeid``, which pytest 9 no longer has."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck))
def test_api_contract(case, token):
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
    t0 = time.perf_counter()
    case.call_and_validate(checks=CHECKS, timeout=300)  # the report builds in seconds
    SECONDS[f"{case.method} {case.operation.path}"] += time.perf_counter() - t0
    SENT[f"{case.method} {case.operation.path}"] += 1


def test_enough_requests_were_generated(contract_app):
    """Runs after test_api_contract (pytest keeps the file's order); alone, it fails."""
    ops = {f"{m.upper()} {p}" for p, item in contract_app.openapi()["paths"].items() for m in item}
    declared = sum(n for op, n in SENT.items() if op in ops)
    slowest = ", ".join(f"{op} {s:.0f} s" for op, s in SECONDS.most_common(3))
    print(f"{sum(SENT.values())} requests ({declared} to the {len(ops)} declared operations, the others "
          f"undeclared methods) in {sum(SECONDS.values()):.0f} s; slowest: {slowest}")
    assert declared >= MIN_REQUESTS, SENT
    assert sorted(ops - set(SENT)) == [], "declared operations never called"
