"""Every ```python block in README.md and docs/*.md runs, as a reader would paste it.

The blocks of one file run in order in one namespace, inside a temporary working
directory (so an example that writes ``out/...`` leaves the checkout alone).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def documents() -> list[Path]:
    """README.md and every guide under docs/ that holds a python block."""
    files = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    return [f for f in files if FENCE.search(f.read_text(encoding="utf-8"))]


def python_blocks(path: Path) -> list[str]:
    """The python blocks of a Markdown file, in order."""
    return FENCE.findall(path.read_text(encoding="utf-8"))


def test_every_guide_with_code_is_collected() -> None:
    names = {p.name for p in documents()}
    assert {"README.md", "analysis.md", "simulator.md"} <= names


@pytest.mark.parametrize("doc", documents(), ids=lambda p: p.name)
def test_examples_run(doc: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": f"docs_{doc.stem}"}
    for i, block in enumerate(python_blocks(doc)):
        code = compile(block, f"{doc.name}[block {i + 1}]", "exec")
        exec(code, namespace)


PUBLIC_MODULES = ("transcaspian.model", "transcaspian.analysis", "transcaspian.sim")


def public_functions() -> list[tuple[str, object]]:
    """Every function a public package exports in ``__all__``."""
    import importlib
    import inspect

    out = []
    for name in PUBLIC_MODULES:
        mod = importlib.import_module(name)
        for attr in getattr(mod, "__all__", []):
            obj = getattr(mod, attr)
            if inspect.isfunction(obj):
                out.append((f"{name}.{attr}", obj))
    return out


@pytest.mark.parametrize("name,func", public_functions(), ids=[n for n, _ in public_functions()])
def test_public_functions_have_a_runnable_example(name: str, func: object) -> None:
    doc = func.__doc__ or ""
    assert "Examples\n" in doc and ">>>" in doc, f"{name} has no Examples section"
    assert "+SKIP" not in doc, f"{name} skips its example"
