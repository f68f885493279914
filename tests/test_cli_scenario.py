"""The `transcaspian scenario` commands: exit codes, messages, output formats."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml
from typer.testing import CliRunner

from transcaspian import __version__
from transcaspian.cli import register_all

app = register_all()
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_version():
    r = run("--version")
    assert r.exit_code == 0 and r.output.strip() == f"transcaspian {__version__}"


@pytest.mark.parametrize("cmd", [[], ["scenario"], ["scenario", "list"], ["scenario", "show"],
                                 ["scenario", "validate"], ["scenario", "diff"],
                                 ["scenario", "export"], ["scenario", "sources"],
                                 ["scenario", "schema"]])
def test_help_on_every_command(cmd):
    r = run(*cmd, "--help")
    assert r.exit_code == 0 and "Usage" in r.output


def test_validate_ok_and_warning(tiny_dict, write_yaml):
    path = write_yaml(tiny_dict)
    r = run("scenario", "validate", str(path), "--strict")
    assert r.exit_code == 0 and "ok tiny" in r.output


def test_validate_reports_every_problem_with_exit_2(tiny_dict, write_yaml):
    tiny_dict["links"][0]["speed_kmh"] = -1
    tiny_dict["nodes"][0]["knd"] = "city"
    tiny_dict["demand"][0]["commodity"] = "containr"
    path = write_yaml(tiny_dict)
    proc = subprocess.run([sys.executable, "-m", "transcaspian", "scenario", "validate", str(path)],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    # 3 mistakes, and 2 references to node 'a', which failed its own checks
    assert "5 problems in scenario" in proc.stderr
    assert proc.stderr.count("refers to an invalid component") == 2
    assert (f"{path}: links[a-pa].speed_kmh: Input should be greater than or equal to 1 "
            "(got -1)") in proc.stderr
    assert f"{path}: nodes[a].knd: unknown field 'knd' (did you mean 'kind'?)" in proc.stderr
    assert "demand[d1].commodity: refers to unknown commodity 'containr'" in proc.stderr


def test_show_json_carries_metadata(tiny_dict, write_yaml):
    r = run("scenario", "show", str(write_yaml(tiny_dict)), "--format", "json")
    payload = json.loads(r.output)
    assert payload["meta"]["scenario"] == "tiny" and len(payload["meta"]["scenario_hash"]) == 64
    total = next(row for row in payload["demand"] if row["commodity"] == "TOTAL")
    assert total["annual_t"] == 120_000 and total["annual_teu"] == 10_000


def test_show_component_csv(tiny_dict, write_yaml):
    r = run("scenario", "show", str(write_yaml(tiny_dict)), "-c", "links", "-f", "csv")
    lines = r.stdout.splitlines()  # plain CSV; the metadata goes to stderr
    assert r.stderr.startswith("scenario=tiny")
    assert lines[0].startswith("id,") and lines[1].startswith("a-pa,")


def test_show_unknown_component(tiny_dict, write_yaml):
    r = run("scenario", "show", str(write_yaml(tiny_dict)), "-c", "lnks")
    assert r.exit_code == 2


def test_export_refuses_to_overwrite(tiny_dict, write_yaml, tmp_path):
    src = write_yaml(tiny_dict)
    out = tmp_path / "out.yaml"
    out.write_text("mine")
    r = run("scenario", "export", str(src), "-o", str(out))
    assert r.exit_code == 2 and out.read_text() == "mine"
    r = run("scenario", "export", str(src), "-o", str(out), "--force")
    assert r.exit_code == 0 and yaml.safe_load(out.read_text())["name"] == "tiny"
    r = run("scenario", "export", str(src), "-o", str(tmp_path / "csv"), "-f", "csv")
    assert r.exit_code == 0 and (tmp_path / "csv" / "links.csv").is_file()
    r = run("scenario", "validate", str(tmp_path / "csv"), "--strict")
    assert r.exit_code == 0


def test_diff_lists_project_changes(tiny_dict, write_yaml):
    tiny_dict["projects"] = [{
        "id": "hub", "name": "PA container hub", "capex_musd": 96, "build_start_year": 2025,
        "in_service_year": 2027, "payer": "KTZ", "country": "KZ", "source": "s1",
        "changes": {"patch": {"nodes": [{"id": "pa", "yard_capacity_teu": 12000}]}}}]
    base = write_yaml(tiny_dict, "base.yaml")
    top = write_yaml({"name": "top", "extends": "base.yaml", "apply_projects": ["hub"]}, "top.yaml")
    r = run("scenario", "diff", str(base), str(top), "-f", "json")
    payload = json.loads(r.output)
    assert payload["projects"][0]["name"] == "PA container hub"
    assert payload["changes"] == [{"component": "nodes", "id": "pa", "change": "changed",
                                   "field": "yard_capacity_teu", "before": None, "after": 12000.0,
                                   "project": "PA container hub"}]
    r = run("scenario", "diff", str(base), str(top))
    assert r.exit_code == 0 and "PA container hub" in r.output and "capex total 96 M USD" in r.output


def test_sources_and_schema(tiny_dict, write_yaml, tmp_path):
    tiny_dict["nodes"][2]["port_time_h"] = {"value": 3, "assumption": "two tugs"}
    out = tmp_path / "ds.md"
    r = run("scenario", "sources", str(write_yaml(tiny_dict)), "-o", str(out))
    text = out.read_text()
    assert r.exit_code == 0
    assert "| nodes | pb | port_time_h | 3 | **ASSUMPTION**: two tugs |" in text
    assert "| links | a-pa | distance_km | 300 | `s1` |" in text
    r = run("scenario", "schema", "--markdown")
    assert "| `distance_km` | `float` | yes | km | [0.01, 20000] | Length |" in r.output


def test_export_refuses_folders_files_and_links_it_should_not_replace(tmp_path):
    (tmp_path / "existing").mkdir()
    (tmp_path / "existing" / "thesis.txt").write_text("precious")
    (tmp_path / "notes.txt").write_text("notes")
    (tmp_path / "link").symlink_to(tmp_path / "existing")
    cases = [(["-o", str(tmp_path / "existing"), "--force"], "is a folder; give a file name"),
             (["-o", str(tmp_path / "notes.txt" / "out"), "-f", "csv"], "is a file, so"),
             (["-o", str(tmp_path / "link"), "-f", "csv", "--force"], "is a symbolic link")]
    for args, expected in cases:
        r = run("scenario", "export", "baseline-2024", *args)
        assert r.exit_code == 2 and expected in r.output, r.output
    assert (tmp_path / "existing" / "thesis.txt").read_text() == "precious"
