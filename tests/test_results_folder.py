"""Result folders: nothing of the user's is lost, nothing half-written is ever read.

The writer replaces only a folder provably its own (marker naming the tool, exactly the
listed files); the reader accepts only a folder whose completion marker is present and
whose files match it. Crashes are simulated by SIGKILL: at every step of the writer in a
forked child, and at random moments of the real ``transcaspian simulate`` command.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from transcaspian.cli import register_all
from transcaspian.model.errors import UserError
from transcaspian.model.results import (
    MARKER,
    OLD_PREFIX,
    OWNER,
    TMP_PREFIX,
    Result,
    check_output_folder,
    clean_stale,
    read_result,
    write_result,
)
from transcaspian.sim.tables import SIMULATION

app = register_all()
META = {"scenario": "s", "scenario_hash": "0" * 64, "version": "0"}
CLI = [sys.executable, "-m", "transcaspian"]


def run(*args: str, cwd: Path | None = None):
    old = Path.cwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        return CliRunner().invoke(app, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)


def result(value: float, rows: int = 3) -> Result:
    return Result(dict(META), {"a": pd.DataFrame({"x_km": [value] * rows, "name": ["<b>&", "", "z"][:rows]}),
                               "b": pd.DataFrame({"n": list(range(rows))})})


# -- the data-loss cases --------------------------------------------------------------------
def test_a_user_folder_holding_meta_json_is_never_replaced(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    (d / "meta.json").write_text("{}")
    (d / "thesis.txt").write_text("precious")
    r = run("capacity", "baseline-2024", "-o", str(d))
    assert r.exit_code == 2 and "not a result folder written by transcaspian" in r.output
    assert "Traceback" not in r.output
    assert sorted(p.name for p in d.iterdir()) == ["meta.json", "thesis.txt"]
    assert (d / "thesis.txt").read_text() == "precious"


def test_a_previous_result_is_replaced_but_not_once_the_user_added_a_file(tmp_path):
    d = tmp_path / "res"
    write_result(result(1.0), d)
    write_result(result(2.0), d)  # our own complete result: replaced
    assert read_result(d)["a"]["x_km"].tolist() == [2.0] * 3
    (d / "my-notes.txt").write_text("keep")
    with pytest.raises(UserError, match="not a result folder"):
        write_result(result(3.0), d)
    assert (d / "my-notes.txt").read_text() == "keep"
    assert read_result(tmp_path / "res", require=["a"])  # the listing still verifies


@pytest.mark.parametrize("case", ["dot", "symlink", "under-file", "file", "dotdot"])
def test_bad_output_paths_give_clear_messages(tmp_path, case):
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    out, msg = {"dot": (".", "current or a parent folder"), "symlink": ("link", "symbolic link"),
                "under-file": ("notes.txt/out", "is a file, so no folder"),
                "file": ("notes.txt", "is a file"),
                "dotdot": ("..", "current or a parent folder")}[case]
    for cmd in (["capacity", "baseline-2024", "-o", out],
                ["simulate", "baseline-2024", "-n", "1", "-y", "0.05", "-o", out]):
        r = run(*cmd, cwd=tmp_path)
        assert r.exit_code == 2, r.output
        assert msg in r.output and "Traceback" not in r.output
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert list((tmp_path / "real").iterdir()) == []


def test_empty_folder_is_used_and_a_new_path_is_made(tmp_path):
    (tmp_path / "empty").mkdir()
    write_result(result(1.0), tmp_path / "empty")
    write_result(result(1.0), tmp_path / "new" / "deep")
    assert read_result(tmp_path / "empty")["b"]["n"].tolist() == [0, 1, 2]
    assert read_result(tmp_path / "new" / "deep")["a"]["x_km"].sum() == 3.0


def test_export_onto_an_existing_folder_is_a_clear_refusal(tmp_path):
    (tmp_path / "ed").mkdir()
    (tmp_path / "ed" / "a.txt").write_text("x")
    r = run("scenario", "export", "baseline-2024", "-o", str(tmp_path / "ed"), "--force")
    assert r.exit_code == 2 and "is a folder" in r.output and "Traceback" not in r.output
    assert (tmp_path / "ed" / "a.txt").read_text() == "x"


# -- plain CSV and the marker ----------------------------------------------------------------------
def test_csv_tables_are_plain_and_read_back_exactly(tmp_path):
    res = result(1.5)
    write_result(res, tmp_path / "r")
    raw = pd.read_csv(tmp_path / "r" / "a.csv")  # default arguments
    assert list(raw.columns) == ["x_km", "name"] and raw["x_km"].tolist() == [1.5] * 3
    marker = json.loads((tmp_path / "r" / MARKER).read_text())
    assert marker["tool"] == "transcaspian" and sorted(marker["files"]) == ["a.csv", "b.csv", "meta.json"]
    assert all(len(v["sha256"]) == 64 for v in marker["files"].values())


def test_simulation_folder_round_trips_with_declared_dtypes(tmp_path):
    from transcaspian.model import load_scenario
    from transcaspian.sim import SimOptions, simulate

    s = load_scenario("baseline-2024")
    res = simulate(s, SimOptions(years=0.05, replications=1, workers=1))
    for fmt in ("csv", "parquet"):
        write_result(res, tmp_path / fmt, fmt)
        back = read_result(tmp_path / fmt, s, SIMULATION)
        assert SIMULATION.problems(back) == []
        for name, df in res.tables.items():
            pd.testing.assert_frame_equal(back[name], df, check_dtype=True, obj=f"{fmt}:{name}")


def test_incomplete_or_temporary_folders_are_never_read(tmp_path):
    d = tmp_path / "r"
    write_result(result(1.0), d)
    tmp = tmp_path / f"{TMP_PREFIX}999999-abc"
    os.rename(d, tmp)  # a complete folder, but under a temporary name
    with pytest.raises(UserError, match="temporary folder"):
        read_result(tmp)
    os.rename(tmp, d)
    (d / MARKER).unlink()
    with pytest.raises(UserError, match=f"no {MARKER}"):
        read_result(d)


def test_stale_temporary_folders_are_cleaned_and_user_folders_kept(tmp_path):
    dead = 2 ** 22 + 12345  # above the default pid_max: no such process
    ours = tmp_path / f"{TMP_PREFIX}{dead}-x"
    ours.mkdir()
    (ours / OWNER).write_text("transcaspian")
    (ours / "a.csv").write_text("x\n1\n")  # half-written
    aside = tmp_path / f"{OLD_PREFIX}{dead}-out"
    write_result(result(1.0), aside)
    lookalike = tmp_path / f"{TMP_PREFIX}{dead}-mine"  # a user's folder with our prefix
    lookalike.mkdir()
    (lookalike / "data.txt").write_text("keep")
    running = tmp_path / f"{TMP_PREFIX}{os.getpid()}-y"  # a live run's folder
    running.mkdir()
    (running / OWNER).write_text("transcaspian")
    cut = tmp_path / f"{OLD_PREFIX}{dead}-out2"   # a removal killed half-way: marker gone, mark kept
    write_result(result(1.0), cut)
    (cut / MARKER).unlink()
    (cut / OWNER).write_text("transcaspian")
    bare = tmp_path / f"{TMP_PREFIX}{dead}-z"   # made just before a kill, nothing in it yet
    bare.mkdir()
    check_output_folder(tmp_path / "out")
    assert not ours.exists() and not aside.exists() and not cut.exists() and not bare.exists()
    assert (lookalike / "data.txt").read_text() == "keep" and running.exists()
    assert clean_stale(tmp_path) == []


# -- SIGKILL ------------------------------------------------------------------------------------------
def _kill_at(step: int, folder: Path) -> None:
    """In a forked child: write a result over ``folder``, SIGKILL itself at I/O step ``step``."""
    import shutil

    import transcaspian.model.results as mr

    calls = {"n": 0}

    def hook(fn):
        def wrapped(*a, **k):
            calls["n"] += 1
            if calls["n"] == step:
                os.kill(os.getpid(), signal.SIGKILL)
            return fn(*a, **k)
        return wrapped

    mr._write_bytes = hook(mr._write_bytes)
    mr._digest = hook(mr._digest)
    mr.os.replace = hook(os.replace)
    mr.shutil.rmtree = hook(shutil.rmtree)
    write_result(result(2.0, rows=3), folder)
    os._exit(0)


def test_sigkill_at_every_step_of_the_writer(tmp_path):
    (tmp_path / "precious.txt").write_text("mine")
    folder = tmp_path / "out"
    write_result(result(1.0), folder)
    for step in range(1, 16):
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            try:
                _kill_at(step, folder)
            finally:
                os._exit(3)
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status) or os.WEXITSTATUS(status) == 0, step  # killed, or done
        try:
            got = read_result(folder)["a"]["x_km"].tolist()
            assert got in ([1.0] * 3, [2.0] * 3), step
        except UserError:  # absent between the two renames: refused, never half-read
            assert not folder.exists(), step
        for p in tmp_path.iterdir():
            if p.name.startswith((TMP_PREFIX, OLD_PREFIX)):
                with pytest.raises(UserError):
                    read_result(p)
        assert (tmp_path / "precious.txt").read_text() == "mine"
        if folder.exists():
            check_output_folder(folder)  # ours, so it may be replaced next time
        write_result(result(1.0), folder)  # the next run cleans up and succeeds
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def _check_after_kill(work: Path) -> None:
    """No partial result is readable, no user file is touched."""
    try:
        res = read_result(work / "out", schema=SIMULATION)
        assert SIMULATION.problems(res) == []
        assert set(res.tables) == {t.name for t in SIMULATION.tables if not t.optional}
    except UserError:
        assert not (work / "out").exists()
    for q in work.iterdir():
        if q.name.startswith((TMP_PREFIX, OLD_PREFIX)):
            with pytest.raises(UserError):
                read_result(q)
    assert (work / "precious.txt").read_text() == "mine"
    assert (work / "mine" / "meta.json").read_text() == "{}"


def _run_round(works: list[Path], cmd: list[str], delays: list[float | None]) -> int:
    """Start ``cmd`` in every folder at once, SIGKILL each after its delay (None: let it end)."""
    env = {**os.environ, "COLUMNS": "120"}
    procs = [subprocess.Popen(cmd, cwd=w, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
             for w in works]
    t0, kills = time.monotonic(), 0
    pending = dict(enumerate(delays))
    while pending:
        for i, delay in list(pending.items()):
            if procs[i].poll() is not None:
                pending.pop(i)
            elif delay is not None and time.monotonic() - t0 >= delay:
                procs[i].send_signal(signal.SIGKILL)
                kills += 1
                pending.pop(i)
        time.sleep(0.01)
    for p in procs:
        p.wait()
        assert p.returncode in (0, -signal.SIGKILL), p.stderr.read().decode()[-2000:]
        p.stderr.close()
    return kills


def test_sigkill_at_random_moments_of_simulate(tmp_path):
    """>= 20 kills of ``transcaspian simulate baseline-2024 --replications 5 -o out``, two
    commands at a time in two folders, each holding user files beside the output."""
    works = [tmp_path / f"w{i}" for i in range(2)]
    for w in works:
        (w / "mine").mkdir(parents=True)
        (w / "precious.txt").write_text("mine")
        (w / "mine" / "meta.json").write_text("{}")
    cmd = [*CLI, "simulate", "baseline-2024", "--replications", "5", "--workers", "1", "-o", "out"]
    t0 = time.monotonic()
    _run_round(works, cmd, [None] * len(works))  # a first complete result in every folder
    full = time.monotonic() - t0
    rng = random.Random(20261201)
    kills = 0
    while kills < 20:
        kills += _run_round(works, cmd, [rng.uniform(0.15, 1.0) * full for _ in works])
        for w in works:
            _check_after_kill(w)
    _run_round(works, cmd, [None] * len(works))
    for w in works:
        assert sorted(q.name for q in w.iterdir()) == ["mine", "out", "precious.txt"]
        assert read_result(w / "out", schema=SIMULATION)["throughput"]["units"].gt(0).any()
