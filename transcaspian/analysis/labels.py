"""What a person calls a node or a capacity element: the one naming rule of the package.

The report, the comparison and the web page name elements through :func:`element_label`
("Kuryk–Alat rail ferry (ASCO)", "Aktau port", "Alashankou–Dostyk rail border crossing",
"Saksaulskaya–Beyneu rail line") and nodes through :func:`short_names` (map and chart labels)
or :func:`node_name` (the scenario's full name). Names are the scenario's own text, returned
raw (escape them for HTML).

Examples
--------
>>> from transcaspian.model import load_scenario
>>> s = load_scenario("baseline-2024")
>>> element_label(s, "ferry-kuryk-alat"), element_label(s, "saksaulskaya-beyneu")
('Kuryk–Alat rail ferry (ASCO)', 'Saksaulskaya–Beyneu rail line')
>>> element_label(s, "aktau", "seaport"), element_label(s, "alashankou-dostyk")
('Aktau port', 'Alashankou–Dostyk rail border crossing')
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from transcaspian.model import Scenario

#: Generic endings dropped from short node names.
SUFFIXES = (" international sea port", " sea trade port", " ferry complex", " rail port", " junction",
            " marine terminal", " terminal", " rail terminals")
#: What a node of each kind is called after its short name ("Aktau port"); "" for none.
NODE_KIND_WORD = {"seaport": "port", "border": "border", "gauge_change": "gauge change",
                  "junction": "junction", "terminal": "terminal", "pipeline_terminal": "terminal",
                  "city": ""}
#: What a sea service of each kind is called ("Kuryk–Alat rail ferry").
SERVICE_KIND_WORD = {"rail_ferry": "rail ferry", "roro": "ro-ro", "ropax": "ro-pax",
                     "container_feeder": "container feeder", "tanker": "tanker",
                     "black_sea_feeder": "Black Sea feeder"}
#: What a link of each mode is called ("Saksaulskaya–Beyneu rail line").
MODE_WORD = {"rail": "rail line", "road": "road", "pipeline": "pipeline", "sea": "sea route"}
#: Berth kinds and yard units as words.
BERTH_WORD = {"roro": "ro-ro"}
YARD_WORD = {"teu_storage": "container yard", "wagon_storage": "wagon yard"}
LINK_TYPES = ("rail_section", "road", "pipeline")


def short_name(name: str) -> str:
    """A short label: the name without brackets, "Port of" and generic suffixes.

    >>> short_name("Port of Baku (Alat)"), short_name("Kuryk ferry complex")
    ('Baku', 'Kuryk')
    """
    label = re.sub(r"\s*\(.*?\)", "", name).strip()
    label = re.sub(r"^(Port of|Sea port of)\s+", "", label, flags=re.I)
    for suffix in SUFFIXES:
        if label.lower().endswith(suffix):
            label = label[: -len(suffix)].strip()
    return label or name


def short_names(nodes: pd.DataFrame) -> dict[str, str]:
    """Short label of every node (:func:`short_name`); where two nodes would share one,
    each takes its id in title case instead (``alat`` -> "Alat").

    >>> nodes = pd.DataFrame({"name": ["Port of Baku (Alat)", "Baku (city)"]}, index=["alat", "baku"])
    >>> short_names(nodes)
    {'alat': 'Alat', 'baku': 'Baku'}
    """
    shorts = {str(i): short_name(str(n)) for i, n in zip(nodes.index, nodes["name"], strict=True)}
    counts: dict[str, int] = {}
    for v in shorts.values():
        counts[v] = counts.get(v, 0) + 1
    return {i: v if counts[v] == 1 else i.replace("-", " ").title() for i, v in shorts.items()}


def node_name(nodes: pd.DataFrame, nid: Any) -> str:
    """The scenario's name of node ``nid`` (its id when unknown)."""
    return str(nodes.at[nid, "name"]) if nid in nodes.index else str(nid)


def node_short(nodes: pd.DataFrame, nid: Any) -> str:
    """Short name of node ``nid`` (:func:`short_names`; its id when unknown)."""
    return short_names(nodes).get(str(nid), str(nid))


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and v != v) or str(v) == ""


def operator_short(scenario: Scenario, operator: Any) -> str:
    """How an operator id is called: the abbreviation its payer entry gives in brackets
    ("Azerbaijan Caspian Shipping Company (ASCO)" -> "ASCO"), else that entry's name;
    "" for no operator or one the scenario does not describe."""
    if _missing(operator):
        return ""
    key = str(operator).replace("_", "-")
    for p in scenario.doc.payers:
        if p.id.replace("_", "-") == key:
            m = re.search(r"\(([^),]+)", p.name)
            return m.group(1).strip() if m else p.name
    return ""


def service_kind_word(kind: Any) -> str:
    """What a sea service of ``kind`` is called ("roro" -> "ro-ro")."""
    return SERVICE_KIND_WORD.get(str(kind), str(kind).replace("_", " "))


def service_label(scenario: Scenario, service_id: Any) -> str:
    """What a person calls a sea service: "Kuryk–Alat rail ferry (ASCO)"."""
    svc = scenario.services
    if service_id not in svc.index:
        return str(service_id)
    r = svc.loc[service_id]
    shorts = short_names(scenario.nodes)
    kind = service_kind_word(r["kind"])
    op = operator_short(scenario, r.get("operator"))
    return (f"{shorts.get(str(r['from']), str(r['from']))}–{shorts.get(str(r['to']), str(r['to']))} "
            f"{kind}" + (f" ({op})" if op else ""))


def vessel_class_text(scenario: Scenario, vessel_id: Any) -> str:
    """A vessel class inside its service: "3 × rail ferries (50-wagon class)" (the class name
    without its operator and "on <port>"; the count of ships in front)."""
    v = scenario.vessels
    if vessel_id not in v.index:
        return str(vessel_id)
    r = v.loc[vessel_id]
    name = str(r["name"])
    svc = scenario.services
    op = operator_short(scenario, svc.at[r["service"], "operator"]) if r["service"] in svc.index else ""
    if op and name.startswith(op + " "):
        name = name[len(op) + 1:]
    name = re.sub(r"\s+on\s+\S.*$", "", name)
    if r["service"] in svc.index:  # "... Poti - Constanta": the service's ends, said once
        shorts = short_names(scenario.nodes)
        ends = [re.escape(shorts.get(str(svc.at[r["service"], k]), "")) for k in ("from", "to")]
        name = re.sub(rf"\s+{ends[0]}\s*[-–]\s*{ends[1]}$", "", name)
    return f"{int(r['count'])} × {name}"


def _link_label(scenario: Scenario, lid: Any) -> str:
    r = scenario.links.loc[lid]
    if not _missing(r.get("name")):
        return str(r["name"])
    nodes = scenario.nodes
    shorts = short_names(nodes)
    a, b = str(r["from"]), str(r["to"])
    mode = str(r["mode"])
    ends = f"{shorts.get(a, a)}–{shorts.get(b, b)}"
    if "country" in nodes and a in nodes.index and b in nodes.index and \
            nodes.at[a, "country"] != nodes.at[b, "country"]:
        return f"{ends} {mode} border crossing"
    return f"{ends} {MODE_WORD.get(mode, mode)}"


def _berth_label(scenario: Scenario, bid: str) -> str:
    """"<port> <kind> berths"; a second group of the same kind at the port adds the rest of
    its id in words ("Poti container berths (Deepwater)")."""
    b = scenario.berths
    node, kind = str(b.at[bid, "node"]), str(b.at[bid, "kind"])
    label = f"{node_short(scenario.nodes, node)} {BERTH_WORD.get(kind, kind)} berths"
    if ((b["node"] == node) & (b["kind"] == kind)).sum() > 1:
        rest = bid[len(node) + 1:] if bid.startswith(node + "-") else bid
        label += f" ({rest.replace('-', ' ').replace('_', ' ').title()})"
    return label


def _node_label(scenario: Scenario, nid: Any) -> str:
    nodes = scenario.nodes
    word = NODE_KIND_WORD.get(str(nodes.at[nid, "kind"]), str(nodes.at[nid, "kind"]).replace("_", " "))
    short = node_short(nodes, nid)
    return f"{short} {word}" if word and not short.lower().endswith(word) else short


def element_label(scenario: Scenario, element_id: Any, element_type: str | None = None,
                  capacity_unit: str | None = None) -> str:
    """What a person calls a capacity element (the rows of the capacity result).

    Parameters
    ----------
    scenario
        The scenario the element belongs to.
    element_id, element_type
        The element's id and type as in the capacity tables (``element_type`` tells a node's
        yard from the node, a service's sailings from a link; None: look the id up in links,
        nodes, services, vessels and berths in that order).
    capacity_unit
        The element's capacity unit: tells a container yard from a wagon yard.

    Returns
    -------
    str
        A link: its name, else "<from>–<to> rail line | road | pipeline" ("... <mode> border
        crossing" when its ends are in two countries); a node: "<short name> port | border |
        gauge change | junction | terminal"; a yard or berth group: "<port> container yard",
        "<port> ferry berths"; a sea service (type "service" or "sea_service"):
        :func:`service_label`, its timetable (type "sailings"): "<service>: scheduled
        sailings"; a vessel class: "<service>: <class>". An id the scenario does not know
        comes back as it is.

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> s = load_scenario("baseline-2024")
    >>> element_label(s, "asco-ferry-kuryk", "vessel")
    'Kuryk–Alat rail ferry (ASCO): 3 × rail ferries (50-wagon class)'
    >>> element_label(s, "kuryk-road", "berth"), element_label(s, "aktau", "yard", "wagon_storage")
    ('Kuryk ro-ro berths', 'Aktau wagon yard')
    """
    eid, s, t = str(element_id), scenario, element_type
    nodes = s.nodes
    if t is None:
        t = next((kind for kind, table in (("link", s.links), ("node", nodes), ("service", s.services),
                                           ("vessel", s.vessels), ("berth", s.berths))
                  if eid in table.index), "")
    if t == "vessel" and eid in s.vessels.index:
        return f"{service_label(s, s.vessels.at[eid, 'service'])}: {vessel_class_text(s, eid)}"
    if t in ("service", "sea_service", "sailings") and eid in s.services.index:
        return service_label(s, eid) + (": scheduled sailings" if t == "sailings" else "")
    if t == "berth" and eid in s.berths.index:
        return _berth_label(s, eid)
    if t == "yard" and eid in nodes.index:
        return f"{node_short(nodes, eid)} {YARD_WORD.get(str(capacity_unit), 'yard')}"
    if t in (*LINK_TYPES, "link") and eid in s.links.index:
        return _link_label(s, eid)
    if eid in nodes.index:
        return _node_label(s, eid)
    return eid
