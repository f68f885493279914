"""Valid means safe to run: mutated built-ins are refused with a message or run cleanly.

Hypothesis picks a mutation (deleted fields, wrong types, non-finite and extreme numbers,
broken references, duplicate ids, deep nesting, bad distributions, bad overlays) and a seed;
every case must either be refused with a UserError that has a message, or validate and then
run ``capacity`` and a 0.05-year simulation with finite outputs. Every input that ever broke
a command is kept in ``tests/fuzz_corpus/`` (``refuse-*``: must be refused; ``ran-*``: must
validate and run) and runs here as a regression case. The long run is ``tools/fuzz.py``.
"""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest
from fuzz_cases import KINDS, base_document, mutate, run_case, to_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

CORPUS = sorted((Path(__file__).parent / "fuzz_corpus").glob("*.yaml"))


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(KINDS), seed=st.integers(0, 2**32 - 1),
       base=st.sampled_from(["baseline-2024", "target-2030"]))
def test_mutated_builtins_are_refused_or_run_cleanly(kind, seed, base):
    case = to_text(mutate(base_document(base), kind, random.Random(seed)))
    outcome = run_case(case)
    assert outcome.status in ("refused", "ran"), outcome.detail


def test_corpus_holds_the_inputs_of_issue_8():
    names = {p.stem for p in CORPUS}
    assert len(CORPUS) >= 25
    assert {"refuse-ef-without-kind", "refuse-deep-nesting", "refuse-annual-units-1e12",
            "refuse-script-id", "ran-patched-project-changes"} <= names


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_corpus_case(path):
    outcome = run_case(None, path=path)
    expected = path.stem.split("-")[0]
    assert outcome.status == ("refused" if expected == "refuse" else "ran"), outcome.detail


@pytest.mark.parametrize("name", ["refuse-ef-without-kind", "refuse-deep-nesting", "refuse-latin1"])
def test_cli_refuses_with_exit_2_and_a_message(name):
    path = Path(__file__).parent / "fuzz_corpus" / f"{name}.yaml"
    r = subprocess.run([sys.executable, "-m", "transcaspian", "scenario", "validate", str(path)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    assert "problem" in (r.stdout + r.stderr)
