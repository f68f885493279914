"""The API's view of scenarios: uploads (YAML or JSON) and a cache of validated scenarios.

Resolving a team's scenario is :mod:`transcaspian.web.resolve`'s (the ``extends`` rule, the
model's loader); this module only turns an upload into the YAML text to store and keeps
validated scenarios in memory, keyed by what they were made from (the built-in name, or the
team's stored names and hashes), so a repeated quote does not validate its scenario again.

Examples
--------
>>> check_name("my-plan")
[]
>>> check_name("baseline-2024")
["'baseline-2024' is a built-in scenario: give the overlay another name"]
"""

from __future__ import annotations

import functools
import json
import threading
from collections import OrderedDict
from typing import Any

import yaml

from transcaspian.model import Scenario, load_scenario
from transcaspian.model.errors import Problem, ScenarioError
from transcaspian.model.loading import builtin_names, decode_text, parse_yaml

#: Validated team scenarios kept in memory (count).
CACHE_SIZE = 64


class NotFound(Exception):
    """No built-in scenario and no scenario of the team with this name (HTTP 404)."""


def check_name(name: Any) -> list[str]:
    """Why ``name`` cannot name an uploaded overlay beyond the store's own rule (empty: it can)."""
    if isinstance(name, str) and name in builtin_names():
        return [f"{name!r} is a built-in scenario: give the overlay another name"]
    return []


def parse_upload(raw: bytes, content_type: str) -> tuple[dict[str, Any], str]:
    """An uploaded overlay (YAML, or JSON when ``content_type`` says so) as (document, YAML text).

    Examples
    --------
    >>> doc, text = parse_upload(b'{"name": "x", "extends": "baseline-2024"}', "application/json")
    >>> doc["extends"], text.splitlines()[0]
    ('baseline-2024', 'name: x')
    """
    text = decode_text(raw, "upload")
    if content_type.split(";")[0].strip().lower() == "application/json":
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise ScenarioError([Problem(f"not valid JSON: {exc}", file="upload")]) from None
        if not isinstance(data, dict):
            raise ScenarioError([Problem("a scenario overlay must be a JSON object", file="upload")])
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    data = parse_yaml(text, "upload")
    if not isinstance(data, dict):
        raise ScenarioError([Problem("a scenario overlay must be a mapping of keys (name, extends, ...)",
                                     file="upload")])
    return data, text


@functools.lru_cache(maxsize=8)
def builtin(name: str) -> Scenario:
    """A built-in scenario, validated once."""
    return load_scenario(name)


class ScenarioCache:
    """Validated scenarios of teams, keyed by the team's stored names and hashes at the time."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[tuple[Any, ...], Scenario] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, store: Any, team: str, name: str) -> Scenario:
        """A built-in or ``team``'s scenario (NotFound when neither has ``name``)."""
        from transcaspian.web.resolve import open_scenario

        if name in builtin_names():
            return builtin(name)
        stored = store.list_scenarios(team)
        if not any(s["name"] == name for s in stored):
            raise NotFound(name)
        key = (team, name, tuple((s["name"], s["hash"], str(s.get("updated"))) for s in stored))
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        with open_scenario(store, team, name) as (scen, _ref):
            pass
        with self._lock:
            self._items[key] = scen
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return scen
