"""The API contract: schemathesis generates requests from /openapi.json (at least 500), with a
valid analyst token, against the app on a real SQLite store holding a team scenario and a done
job. No response may be a server error (5xx), and every response must match the document:
its status code declared, its content type declared, its body valid against the schema."""

from __future__ import annotations

import tempfile
from pathlib import Path

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
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
_DATA = tempfile.TemporaryDirectory(prefix="transcaspian-contract-")
STORE = Store(Store.default_url(Path(_DATA.name)))
TOKEN = STORE.create_token("analyst", "contract")[1]
STORE.put_scenario("contract", "dry", "name: dry\nextends: baseline-2024\ntitle: Dry\n", "0" * 64)
_job = STORE.submit_job("contract", "simulate", "baseline-2024",
                        {"years": 0.02, "replications": 1, "warmup_days": 1.0})
run_job(STORE, STORE.claim_next("contract-worker"))
APP = create_app(STORE, None, Limits(max_queued_jobs=5, max_upload_bytes=50_000))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
SENT: list[str] = []


@schema.parametrize()
@settings(max_examples=60, deadline=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck))
def test_api_contract(case):
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {TOKEN}"}
    case.call_and_validate(checks=CHECKS, timeout=300)  # the report builds in seconds
    SENT.append(f"{case.method} {case.path}")


def test_enough_requests_were_generated():
    """Runs after test_api_contract (pytest keeps the file's order); alone, it fails."""
    print(f"{len(SENT)} requests over {len(set(SENT))} operations")
    assert len(SENT) >= MIN_REQUESTS, f"{len(SENT)} requests over {len(set(SENT))} operations"
