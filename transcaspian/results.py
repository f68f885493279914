"""Result tables with the metadata that traces every figure to its inputs."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from transcaspian.model.errors import Problem, UserError


@dataclass
class Result:
    """Named DataFrames from one engine run plus metadata.

    Attributes
    ----------
    meta
        ``scenario``, ``scenario_hash``, ``version`` and, where relevant, ``seed`` and
        the engine's options.
    tables
        Result tables by name, each with documented columns and units.
    """

    meta: dict[str, Any]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    def to_json_dict(self) -> dict[str, Any]:
        """Metadata and every table as records (JSON-ready)."""
        return {"meta": self.meta,
                "tables": {k: json.loads(frame_to_json(v)) for k, v in self.tables.items()}}

    def write(self, folder: str | Path, fmt: str = "csv") -> list[Path]:
        """Write every table (``csv`` or ``parquet``) and ``meta.json`` into ``folder``.

        The folder is written whole or not at all: files go to a temporary folder beside
        it, which then takes its place. An existing folder is replaced only if it is a
        previous result (it holds ``meta.json``) or empty; anything else is refused.
        """
        folder = check_result_folder(folder)
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=folder.parent))
        try:
            (tmp / "meta.json").write_text(json.dumps(self.meta, indent=2, default=str))
            for name, df in self.tables.items():
                if fmt == "parquet":
                    df.to_parquet(tmp / f"{name}.parquet")
                else:
                    df.to_csv(tmp / f"{name}.csv")
            replace_dir(tmp, folder)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return sorted(folder.iterdir())


def check_result_folder(folder: str | Path) -> Path:
    """Refuse an output folder that holds anything but a previous result (UserError)."""
    folder = Path(folder)
    if folder.exists() and not (folder.is_dir() and (
            (folder / "meta.json").is_file() or not any(folder.iterdir()))):
        raise UserError([Problem(f"'{folder}' exists and is not a previous result folder; "
                                 "choose a new or empty folder", field="--out")], "the command")
    return folder


def replace_dir(new: Path, target: Path) -> None:
    """Put the folder ``new`` at ``target`` (same file system), replacing what was there.

    The old folder is moved aside first and removed only after the new one is in place,
    so ``target`` is at every moment either the old folder or the new one.
    """
    if target.exists():
        old = target.with_name(f".old-{target.name}-{os.getpid()}")
        os.replace(target, old)
        os.replace(new, target)
        shutil.rmtree(old) if old.is_dir() else old.unlink()
    else:
        os.replace(new, target)
    os.chmod(target, 0o777 & ~_umask())


def frame_to_json(df: pd.DataFrame) -> str:
    """Records JSON of a frame with its index as a column."""
    frame = df.reset_index() if df.index.name or not isinstance(df.index, pd.RangeIndex) else df
    return frame.to_json(orient="records", default_handler=str)


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` via a temporary file and rename (whole or not at all)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are for sharing
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _umask() -> int:
    """The process umask (read by setting and restoring it)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask
