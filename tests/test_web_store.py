"""The job store (transcaspian.web.store) on SQLite and on a real PostgreSQL server.

Every test runs on both databases: ``store_url`` gives a fresh SQLite file or a fresh
PostgreSQL database (a server started by tests/pg_server.py; ``make services`` installs the
binaries, so in CI the PostgreSQL cases run, never skip).
"""

from __future__ import annotations

import itertools
import multiprocessing as mp
import sqlite3

import numpy as np
import pandas as pd
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from pg_server import binaries, new_database, postgres_server
from sqlalchemy import select, text

from transcaspian.model.errors import UserError
from transcaspian.model.results import Result
from transcaspian.web.db import METADATA, TOKENS
from transcaspian.web.store import INTERRUPTED_MESSAGE, Store, data_dir

_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_server_url():
    if binaries() is None:
        pytest.fail("PostgreSQL server binaries missing: run `make services` (the store's tests "
                    "must run on PostgreSQL)")
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return Store.default_url(tmp_path / "data")
    server = request.getfixturevalue("pg_server_url")
    return new_database(server, f"t{next(_counter)}")


@pytest.fixture
def store(store_url):
    s = Store(store_url)
    yield s
    s.close()


def _result() -> Result:
    """A result whose tables exercise every declared dtype, a named index and a NaN."""
    flows = pd.DataFrame({
        "flow": pd.Series(["a", "b", "c"], dtype="str"),
        "mode": pd.Categorical(["rail", "sea", "rail"]),
        "units": np.array([3, 5, 8], dtype="int64"),
        "served_t": [1.25, np.nan, 1e9],
        "binding": [True, False, True]})
    by_node = pd.DataFrame({"wait_h": [0.5, 2.0]}, index=pd.Index(["aktau", "baku"], name="node"))
    meta = {"scenario": "baseline-2024", "scenario_hash": "ab" * 32, "version": "0.1.0", "seed": 7,
            "window": {"served_share": np.float64(0.875)}, "events": np.int64(12)}
    return Result(meta, {"flows": flows, "by_node": by_node})


# -- opening ---------------------------------------------------------------------------------
def test_migrated_schema_is_exactly_the_tables_the_code_uses(store):
    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), METADATA)
        version = conn.execute(text("select version_num from alembic_version")).scalar()
    assert diffs == []
    assert version == "0001"


def test_reopening_keeps_everything_and_does_not_migrate_twice(store_url):
    s = Store(store_url)
    token_id, token = s.create_token("viewer", "port")
    s.close()
    again = Store(store_url)
    assert again.authenticate(token).token_id == token_id
    with again.engine.connect() as conn:
        assert conn.execute(text("select count(*) from alembic_version")).scalar() == 1


def test_sqlite_database_uses_the_wal_journal(tmp_path):
    url = Store.default_url(tmp_path)
    Store(url).close()
    with sqlite3.connect(tmp_path / "transcaspian.sqlite") as conn:
        assert conn.execute("pragma journal_mode").fetchone() == ("wal",)


@pytest.mark.parametrize("url, words", [
    ("mysql://u@h/db", "'mysql' is not supported"),
    ("sqlite://", "in-memory SQLite"),
    ("sqlite:///:memory:", "in-memory SQLite"),
    ("not a url", "is not a database URL"),
])
def test_a_url_of_another_database_is_a_user_error(url, words):
    with pytest.raises(UserError) as err:
        Store(url)
    assert words in str(err.value)


def test_an_unreachable_postgresql_server_is_a_user_error_naming_it():
    with pytest.raises(UserError) as err:
        Store("postgresql://nobody:secret@127.0.0.1:9/none")
    message = str(err.value)
    assert "cannot open the database postgresql://nobody:***@127.0.0.1:9/none" in message
    assert "secret" not in message


def test_default_url_is_in_the_data_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("TRANSCASPIAN_DATA", str(tmp_path / "d"))
    assert data_dir() == tmp_path / "d"
    assert Store.default_url() == f"sqlite:///{tmp_path}/d/transcaspian.sqlite"
    monkeypatch.delenv("TRANSCASPIAN_DATA")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "x"))
    assert data_dir() == tmp_path / "x" / "transcaspian"


# -- tokens ----------------------------------------------------------------------------------
def test_a_token_authenticates_as_its_role_and_team_and_only_its_hash_is_stored(store):
    token_id, token = store.create_token("analyst", "ministry", label="Ana's laptop")
    p = store.authenticate(token)
    assert (p.token_id, p.role, p.team) == (token_id, "analyst", "ministry")
    with store.engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(select(TOKENS))]
    assert len(rows) == 1
    assert not any(token in str(v) for v in rows[0])
    assert [t["label"] for t in store.list_tokens()] == ["Ana's laptop"]
    assert "hash" not in store.list_tokens()[0]


@pytest.mark.parametrize("given", ["", "tc_", "Bearer x", "tc_" + "A" * 43, "tc_" + "é" * 43, "x" * 5000])
def test_a_wrong_or_malformed_token_authenticates_nobody(store, given):
    store.create_token("admin", "ministry")
    assert store.authenticate(given) is None


def test_a_revoked_token_no_longer_authenticates(store):
    tid, token = store.create_token("viewer", "bank")
    other_id, other = store.create_token("viewer", "bank")
    assert store.revoke_token(tid) is True
    assert store.revoke_token(tid) is False  # already revoked
    assert store.authenticate(token) is None
    assert store.authenticate(other).token_id == other_id
    listed = {t["id"]: t["revoked"] for t in store.list_tokens("bank")}
    assert listed[tid] is not None and listed[other_id] is None


def test_a_team_revokes_only_its_own_tokens(store):
    tid, token = store.create_token("viewer", "bank")
    assert store.revoke_token(tid, team="port") is False
    assert store.authenticate(token) is not None
    assert [t["id"] for t in store.list_tokens("port")] == []


def test_a_bad_role_and_team_are_named_together(store):
    with pytest.raises(UserError) as err:
        store.create_token("owner", "two words")
    assert [p.message.split(":")[0].split(" is ")[0] for p in err.value.problems] == [
        "role 'owner'", "team 'two words'"]
    assert store.list_tokens() == []


# -- scenarios -------------------------------------------------------------------------------
def test_scenarios_are_per_team_and_replaced_under_their_name(store):
    store.put_scenario("port", "dry-2024", "name: dry-2024\nextends: baseline-2024\n", "1" * 64)
    store.put_scenario("port", "dry-2024", "name: dry-2024\nextends: target-2030\n", "2" * 64)
    store.put_scenario("bank", "dry-2024", "name: dry-2024\n", "3" * 64)
    assert store.get_scenario("port", "dry-2024") == "name: dry-2024\nextends: target-2030\n"
    assert [(s["name"], s["hash"]) for s in store.list_scenarios("port")] == [("dry-2024", "2" * 64)]
    assert store.get_scenario("ministry", "dry-2024") is None
    assert store.list_scenarios("ministry") == []
    assert store.delete_scenario("bank", "dry-2024") is True
    assert store.get_scenario("bank", "dry-2024") is None
    assert store.get_scenario("port", "dry-2024") is not None


@pytest.mark.parametrize("name", ["../etc/passwd", "a/b", "", "x.yaml", " lead", "a" * 101])
def test_a_scenario_name_that_could_be_a_path_is_refused(store, name):
    with pytest.raises(UserError, match="use 1-100 letters"):
        store.put_scenario("port", name, "name: x\n", "0" * 64)


# -- jobs ------------------------------------------------------------------------------------
def test_a_job_goes_queued_running_done_with_its_result_whole(store):
    job = store.submit_job("port", "simulate", "baseline-2024", {"years": 0.5, "seed": 3})
    assert (job.status, job.progress, job.started) == ("queued", 0.0, None)
    assert store.result("port", job.id) is None
    claimed = store.claim_next("w1")
    assert claimed.id == job.id and claimed.status == "running" and claimed.started is not None
    assert store.set_progress(job.id, 0.25, "1 of 4 replications") is True
    mid = store.job("port", job.id)
    assert (mid.progress, mid.message) == (0.25, "1 of 4 replications")
    assert store.result("port", job.id) is None  # not done yet
    assert store.finish(job.id, _result()) is True
    done = store.job("port", job.id)
    assert (done.status, done.progress) == ("done", 1.0)
    assert done.created <= done.started <= done.finished
    got, want = store.result("port", job.id), _result()
    assert got.meta == want.meta
    assert type(got.meta["events"]) is int and type(got.meta["window"]["served_share"]) is float
    assert list(got.tables) == ["flows", "by_node"]
    for name in want.tables:
        pd.testing.assert_frame_equal(got[name], want[name])
    assert store.result_table_names("port", job.id) == ["flows", "by_node"]
    assert done.options == {"years": 0.5, "seed": 3}


def test_another_teams_job_is_not_there(store):
    job = store.submit_job("port", "simulate", "baseline-2024", {})
    store.claim_next("w1")
    store.finish(job.id, _result())
    assert store.job("bank", job.id) is None
    assert store.result("bank", job.id) is None
    assert store.result_table_names("bank", job.id) is None
    assert store.cancel_job("bank", job.id) is None
    assert store.resubmit_job("bank", job.id) is None
    assert store.list_jobs("bank") == []
    assert store.job("port", job.id).status == "done"


def test_jobs_are_claimed_oldest_first_and_listed_newest_first(store):
    ids = [store.submit_job("port", "capacity", "baseline-2024", {"n": i}).id for i in range(3)]
    assert [j.id for j in store.list_jobs("port")] == ids[::-1]
    assert store.count_active("port") == (0, 3)
    assert [store.claim_next("w").id for _ in range(3)] == ids
    assert store.claim_next("w") is None
    assert store.count_active("port") == (3, 0)


def test_a_team_at_its_running_limit_waits_while_others_go_first(store):
    a1 = store.submit_job("a", "simulate", "baseline-2024", {})
    a2 = store.submit_job("a", "simulate", "baseline-2024", {})
    b1 = store.submit_job("b", "simulate", "baseline-2024", {})
    assert store.claim_next("w", max_running_per_team=1).id == a1.id
    assert store.claim_next("w", max_running_per_team=1).id == b1.id
    assert store.claim_next("w", max_running_per_team=1) is None  # a2 waits for a1
    store.finish(a1.id, _result())
    assert store.claim_next("w", max_running_per_team=1).id == a2.id


def test_cancel_stops_a_queued_or_running_job_and_drops_its_late_result(store):
    queued = store.submit_job("port", "simulate", "baseline-2024", {})
    running = store.submit_job("port", "simulate", "baseline-2024", {})
    store.claim_next("w")  # claims `queued` (the older one)
    store.claim_next("w")
    assert store.cancel_job("port", queued.id).status == "cancelled"
    assert store.set_progress(queued.id, 0.5, "still going") is False  # the worker stops
    assert store.finish(queued.id, _result()) is False  # a late result is not kept
    assert store.result("port", queued.id) is None
    assert store.job("port", queued.id).status == "cancelled"
    assert store.finish(running.id, _result()) is True
    assert store.cancel_job("port", running.id).status == "done"  # an ended job stays as it was
    assert store.result("port", running.id) is not None


def test_a_failed_job_keeps_its_message_and_no_result(store):
    job = store.submit_job("port", "plan", "target-2030", {"target_mt": 99.0})
    store.claim_next("w")
    assert store.fail(job.id, "1 problem in the plan:\n  - target_mt: too high") is True
    rec = store.job("port", job.id)
    assert (rec.status, rec.message) == ("failed", "1 problem in the plan:\n  - target_mt: too high")
    assert store.fail(job.id, "again") is False
    assert store.result("port", job.id) is None


def test_mark_interrupted_touches_only_running_jobs_and_they_can_be_resubmitted(store):
    done = store.submit_job("port", "simulate", "baseline-2024", {"seed": 1})
    running = store.submit_job("port", "simulate", "baseline-2024", {"seed": 2, "years": 3.0})
    queued = store.submit_job("port", "simulate", "baseline-2024", {"seed": 3})
    store.claim_next("w1")
    store.claim_next("w2")
    store.finish(done.id, _result())
    assert store.mark_interrupted() == 1
    assert store.job("port", running.id).status == "interrupted"
    assert store.job("port", running.id).message == INTERRUPTED_MESSAGE
    assert store.job("port", done.id).status == "done"
    assert store.job("port", queued.id).status == "queued"
    pd.testing.assert_frame_equal(store.result("port", done.id)["flows"], _result()["flows"])
    again = store.resubmit_job("port", running.id)
    assert (again.status, again.kind, again.scenario, again.options) == (
        "queued", "simulate", "baseline-2024", {"seed": 2, "years": 3.0})
    assert again.id != running.id


def test_mark_interrupted_of_one_worker_leaves_the_others_jobs(store):
    a = store.submit_job("port", "simulate", "baseline-2024", {})
    b = store.submit_job("port", "simulate", "baseline-2024", {})
    store.claim_next("w1")
    store.claim_next("w2")
    assert store.mark_interrupted(worker="w1") == 1
    assert [store.job("port", a.id).status, store.job("port", b.id).status] == ["interrupted", "running"]


def test_options_must_be_json_data(store):
    with pytest.raises(ValueError):
        store.submit_job("port", "simulate", "baseline-2024", {"years": float("nan")})
    assert store.list_jobs("port") == []


def _claim_all(url: str, name: str, out) -> None:
    s = Store(url, migrate=False)
    got = []
    while (job := s.claim_next(name)) is not None:
        got.append(job.id)
    out.put(got)
    s.close()


def test_concurrent_workers_never_claim_the_same_job(store, store_url):
    ids = {store.submit_job("port", "capacity", "baseline-2024", {"i": i}).id for i in range(40)}
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=_claim_all, args=(store_url, f"w{i}", out)) for i in range(4)]
    for p in procs:
        p.start()
    claims = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(30)
    flat = [j for c in claims for j in c]
    assert sorted(flat) == sorted(ids)  # every job once, none twice
    assert store.count_active("port") == (40, 0)


# -- the token commands ----------------------------------------------------------------------
def test_token_create_prints_the_token_last_and_it_authenticates(tmp_path):
    from typer.testing import CliRunner

    from transcaspian.cli import register_all

    app, url = register_all(), Store.default_url(tmp_path)
    out = CliRunner().invoke(app, ["serve", "token", "create", "--role", "analyst", "--team", "port",
                                   "--db", url])
    assert out.exit_code == 0, out.output
    token = out.output.strip().splitlines()[-1].split()[-1]
    assert Store(url).authenticate(token).role == "analyst"
    listed = CliRunner().invoke(app, ["serve", "token", "list", "--db", url, "-f", "csv"])
    token_id = listed.output.strip().splitlines()[-1].split(",")[0]
    assert CliRunner().invoke(app, ["serve", "token", "revoke", token_id, "--db", url]).exit_code == 0
    assert Store(url).authenticate(token) is None
    bad = CliRunner().invoke(app, ["serve", "token", "create", "--role", "owner", "--team", "a b",
                                   "--db", url])
    assert bad.exit_code == 2 and "role 'owner'" in bad.output and "team 'a b'" in bad.output
