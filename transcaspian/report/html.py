"""Small HTML helpers for the report: tables, figures, number formatting."""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from markupsafe import Markup, escape


@dataclass(frozen=True)
class Section:
    """One report section: anchor id, short name for the contents bar, title, body."""

    id: str
    short: str
    title: str
    html: Markup


#: plotly config for every figure: no logo link, no "edit in chart studio", PNG export kept.
PLOTLY_CONFIG: dict[str, Any] = {"displaylogo": False, "responsive": True,
                                 "modeBarButtonsToRemove": ["lasso2d", "select2d"],
                                 "toImageButtonOptions": {"format": "png", "scale": 2}}


def missing(value: Any) -> bool:
    """True for None, NaN and pandas NA."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def num(value: Any, digits: int = 0, suffix: str = "") -> str:
    """A number with thousands separators; an en dash when missing."""
    if missing(value):
        return "–"
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isinf(x):
        return "∞"
    return f"{x:,.{digits}f}{suffix}"


def pct(value: Any, digits: int = 0) -> str:
    """A share (0..1) as a percentage."""
    return "–" if missing(value) else f"{float(value) * 100:.{digits}f}%"


def days(hours: Any, digits: int = 1) -> str:
    """Hours shown as days."""
    return "–" if missing(hours) else f"{float(hours) / 24:.{digits}f}"


def esc(value: Any) -> str:
    """Scenario text made safe for a plotly label or hover text, which plotly renders as a
    subset of HTML (``<``, ``>``, ``&`` and quotes become entities).

    Examples
    --------
    >>> esc('<script>"x"</script>')
    '&lt;script&gt;&quot;x&quot;&lt;/script&gt;'
    """
    return html.escape(str(value), quote=True)


def text(value: Any) -> str:
    """Plain text of a cell; empty when missing."""
    return "" if missing(value) else str(value)


@dataclass(frozen=True)
class Col:
    """One table column: source key, header, formatter, right-aligned or not."""

    key: str
    header: str
    fmt: Callable[[Any], str] = text
    numeric: bool = False
    html: bool = False  # formatter returns trusted markup


def table(df: pd.DataFrame, cols: Sequence[Col], table_id: str | None = None,
          total_row: dict[str, Any] | None = None, max_rows: int | None = None) -> Markup:
    """Render rows of ``df`` (columns or index level named by each :class:`Col`) as HTML."""
    frame = df.reset_index() if (df.index.name or any(df.index.names)) else df
    head = "".join(f'<th class="num">{escape(c.header)}</th>' if c.numeric
                   else f"<th>{escape(c.header)}</th>" for c in cols)
    rows = []
    records = frame.to_dict(orient="records")
    shown = records if max_rows is None else records[:max_rows]
    for rec in shown:
        rows.append(_row(rec, cols))
    if total_row is not None:
        rows.append(_row(total_row, cols, css="total"))
    attr = f' id="{escape(table_id)}"' if table_id else ""
    more = ""
    if max_rows is not None and len(records) > max_rows:
        more = f'<p class="note">{len(records) - max_rows} more rows not shown.</p>'
    return Markup(f'<table class="data"{attr}><thead><tr>{head}</tr></thead>'
                  f'<tbody>{"".join(rows)}</tbody></table>{more}')


def _row(rec: dict[str, Any], cols: Sequence[Col], css: str = "") -> str:
    cells = []
    for c in cols:
        value = rec.get(c.key)
        shown = c.fmt(value) if c.key in rec else ""
        body = shown if c.html else escape(shown)
        cells.append(f'<td class="num">{body}</td>' if c.numeric else f"<td>{body}</td>")
    cls = f' class="{css}"' if css else ""
    return f"<tr{cls}>{''.join(cells)}</tr>"


def figure(fig: go.Figure, div_id: str) -> Markup:
    """A plotly figure as a ``div`` plus its drawing script (plotly.js is embedded once)."""
    div = pio.to_html(fig, include_plotlyjs=False, full_html=False, div_id=div_id, config=PLOTLY_CONFIG)
    return Markup(f'<div class="chart">{div}</div>')


def note(message: str) -> Markup:
    """A muted explanatory paragraph."""
    return Markup(f'<p class="note">{escape(message)}</p>')


def kpis(items: Sequence[tuple[str, str]]) -> Markup:
    """A row of key figures: (value, label)."""
    cells = "".join(f'<div class="kpi"><div class="v">{escape(v)}</div><div class="k">{escape(k)}</div></div>'
                    for v, k in items)
    return Markup(f'<div class="kpis">{cells}</div>')


def details(summary: str, body: Markup, open_: bool = False) -> Markup:
    """A collapsible block: ``summary`` (escaped) always shown, ``body`` (trusted markup) on demand.

    Examples
    --------
    >>> str(details("3 <sources>", Markup("<p>x</p>")))
    '<details class="collapsible"><summary>3 &lt;sources&gt;</summary><p>x</p></details>'
    """
    attr = " open" if open_ else ""
    return Markup(f'<details class="collapsible"{attr}><summary>{escape(summary)}</summary>{body}</details>')


def link(url: Any, label: Any | None = None) -> Markup:
    """A citation link opened in a new tab (``rel="noopener"``); plain escaped text when the
    address is not http(s) (an unsafe or relative address is never made a link).

    Examples
    --------
    >>> str(link("https://example.org/a?b=1&c=2"))
    '<a href="https://example.org/a?b=1&amp;c=2" rel="noopener" target="_blank">https://example.org/a?b=1&amp;c=2</a>'
    >>> str(link("javascript:alert(1)"))
    'javascript:alert(1)'
    """
    address = text(url)
    shown = escape(text(label) if label is not None else address)
    if not address.lower().startswith(("https://", "http://")):
        return Markup(shown)
    return Markup(f'<a href="{escape(address)}" rel="noopener" target="_blank">{shown}</a>')
