"""The import contract of pyproject.toml ([tool.importlinter]) holds, and it is strict enough
to catch a wrong import (`make lint` runs the same contracts with `lint-imports`)."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[1]


def test_layer_and_acyclicity_contracts_are_kept(monkeypatch):
    monkeypatch.chdir(ROOT)
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True) == 0


def _contracts_for(package: str) -> str:
    """The pyproject contracts with ``transcaspian`` replaced by ``package`` (an .ini file)."""
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    lines = ["[importlinter]", f"root_package = {package}"]
    for c in cfg["contracts"]:
        lines += ["", f"[importlinter:contract:{c['id']}]", f"name = {c['name']}", f"type = {c['type']}"]
        for key in ("containers", "layers", "ancestors"):
            if key in c:
                lines.append(f"{key} =")
                lines += [f"    {v.replace('transcaspian', package)}" for v in c[key]]
    return "\n".join(lines) + "\n"


def _package(tmp_path: Path, imports: dict[str, str]) -> Path:
    pkg = tmp_path / "layered"
    for sub in ("cli", "web", "report", "sweep", "calibration", "planning", "analysis", "sim", "model"):
        (pkg / sub).mkdir(parents=True)
        (pkg / sub / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    for module, text in imports.items():
        (pkg / f"{module.replace('.', '/')}.py").write_text(text)
    return pkg


def _lint(tmp_path: Path, monkeypatch, imports: dict[str, str]) -> int:
    _package(tmp_path, imports)
    ini = tmp_path / "contracts.ini"
    ini.write_text(_contracts_for("layered"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [m for m in sys.modules if m == "layered" or m.startswith("layered.")]:
        monkeypatch.delitem(sys.modules, name)
    return lint_imports(config_filename=str(ini), no_cache=True, no_logo=True)


def test_contracts_allow_downward_imports(tmp_path, monkeypatch):
    ok = {"cli.main": "import layered.report\nimport layered.analysis\n",
          "analysis.a": "import layered.model\n", "sim.s": "import layered.model\n"}
    assert _lint(tmp_path, monkeypatch, ok) == 0


def test_contracts_allow_calibration_between_interfaces_and_engines(tmp_path, monkeypatch):
    ok = {"cli.main": "import layered.calibration\n",
          "calibration.fit": "import layered.sim\nimport layered.analysis\n"}
    assert _lint(tmp_path, monkeypatch, ok) == 0


def test_contracts_catch_an_engine_importing_calibration(tmp_path, monkeypatch):
    assert _lint(tmp_path, monkeypatch, {"sim.s": "import layered.calibration\n"}) == 1


def test_contracts_catch_an_engine_importing_an_engine(tmp_path, monkeypatch):
    assert _lint(tmp_path, monkeypatch, {"sim.s": "import layered.analysis\n"}) == 1


def test_contracts_catch_the_model_importing_an_interface(tmp_path, monkeypatch):
    assert _lint(tmp_path, monkeypatch, {"model.m": "from layered.cli import x\n"}) == 1


def test_contracts_catch_a_cycle_inside_analysis(tmp_path, monkeypatch):
    cycle = {"analysis.a": "def f():\n    from layered.analysis import b\n",
             "analysis.b": "from layered.analysis import a\n"}
    assert _lint(tmp_path, monkeypatch, cycle) == 1


def test_contracts_put_web_between_the_cli_and_the_report(tmp_path, monkeypatch):
    ok = {"cli.main": "import layered.web\n", "web.app": "import layered.report\nimport layered.planning\n"}
    assert _lint(tmp_path, monkeypatch, ok) == 0


def test_contracts_catch_the_report_importing_web(tmp_path, monkeypatch):
    assert _lint(tmp_path, monkeypatch, {"report.r": "import layered.web\n"}) == 1


def test_contracts_put_sweep_between_the_report_and_the_engines(tmp_path, monkeypatch):
    ok = {"report.r": "import layered.sweep\n",
          "sweep.run": "import layered.calibration\nimport layered.sim\n"}
    assert _lint(tmp_path, monkeypatch, ok) == 0
    assert _lint(tmp_path / "up", monkeypatch, {"sweep.run": "import layered.report\n"}) == 1
