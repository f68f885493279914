"""Writing a calibration as an overlay: ``extends:`` the scenario, ``patch:`` the fitted values.

Every fitted value carries its provenance in the scenario files' own form,
``{value: x, assumption: "calibrated to observed FILE by transcaspian calibrate on DATE
(loss a -> b)"}``, so ``scenario sources`` lists it and the overlay loads like any other.

Examples
--------
>>> from transcaspian.model.results import Result
>>> res = Result({"scenario": "tiny", "loss_before": 4.0, "loss_after": 0.1, "observed": "obs.csv",
...               "overlay": {"patch": {"nodes": [{"id": "pa", "port_time_h": {"value": 5.0,
...                           "assumption": "calibrated"}}]}}})
>>> print(overlay_text(res, "tiny.yaml").splitlines()[2])
name: tiny-calibrated
"""

from __future__ import annotations

from pathlib import Path

import yaml

from transcaspian.model.errors import Problem, UserError
from transcaspian.model.results import Result, write_text_atomic

__all__ = ["MARKER", "overlay_text", "write_overlay"]

#: First line of every overlay this module writes (an existing file with it may be replaced).
MARKER = "# Calibrated overlay written by transcaspian calibrate"


def overlay_text(result: Result, extends: str) -> str:
    """The YAML text of the overlay: ``extends`` the scenario and patches the fitted fields.

    Parameters
    ----------
    result
        A :func:`~transcaspian.calibration.calibrate` result (its ``meta["overlay"]``).
    extends
        How the overlay refers to the calibrated scenario: a built-in name or a path
        (relative paths are resolved from the overlay's folder when it is loaded).

    Examples
    --------
    >>> res = Result({"scenario": "baseline-2024", "loss_before": 2.0, "loss_after": 0.5,
    ...               "observed": "observed obs.csv", "overlay": {"sea_level": {"change_m": {"value": -0.2,
    ...               "assumption": "calibrated"}}}})
    >>> doc = yaml.safe_load(overlay_text(res, "baseline-2024"))
    >>> doc["extends"], doc["sea_level"]["change_m"]["value"]
    ('baseline-2024', -0.2)
    """
    m = result.meta
    doc = {
        "name": f"{m['scenario']}-calibrated"[:64],
        "title": f"{m['scenario']} calibrated to observed data",
        "description": (f"Fitted by transcaspian calibrate to {m['observed']}: loss "
                        f"{m['loss_before']:.4g} -> {m['loss_after']:.4g} (weighted mean squared "
                        "relative error; 1 = every figure at its tolerance)."),
        "extends": extends,
        **m["overlay"],
    }
    body = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)
    return f"{MARKER}\n# Load it with: transcaspian scenario show <this file>\n{body}"


def write_overlay(result: Result, path: str | Path, extends: str, force: bool = False) -> Path:
    """Write :func:`overlay_text` to ``path`` atomically.

    An existing file is replaced only when it is an overlay this function wrote (its first
    line is :data:`MARKER`) or with ``force``.

    Raises
    ------
    UserError
        ``path`` exists and is not ours (without ``force``), or cannot be written.

    Examples
    --------
    >>> import tempfile
    >>> from transcaspian.model import load_scenario
    >>> res = Result({"scenario": "baseline-2024", "loss_before": 2.0, "loss_after": 0.5,
    ...               "observed": "observed obs.csv", "overlay": {"patch": {"nodes": [{"id": "aktau",
    ...               "port_time_h": {"value": 7.5, "assumption": "calibrated"}}]}}})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = write_overlay(res, Path(tmp) / "cal.yaml", "baseline-2024")
    ...     float(load_scenario(path).nodes.loc["aktau", "port_time_h"])
    7.5
    """
    path = Path(path)
    if path.exists() and not force and not _is_ours(path):
        raise UserError([Problem(f"'{path}' exists and is not an overlay written by transcaspian "
                                 "calibrate; refusing to overwrite it (use --force to replace it)",
                                 field="output")], "the command")
    return write_text_atomic(path, overlay_text(result, extends))


def _is_ours(path: Path) -> bool:
    try:
        with path.open(encoding="utf-8") as fh:
            return fh.readline().rstrip("\n") == MARKER
    except (OSError, UnicodeDecodeError):
        return False
