"""The report printed to PDF by headless Chromium (``report --pdf``), read back with poppler:
A4 pages, none blank, every section heading and every bottleneck row present, the last row
of every table present (no table clipped).

Chromium and poppler-utils are Debian packages; ``make test`` installs them (target ``browser``).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

import pytest
from report_helpers import write_baseline_report

from transcaspian.model.errors import UserError
from transcaspian.report.pdf import find_browser, is_previous_pdf, write_pdf


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is needed: run `make browser` (apt-get install chromium poppler-utils)")
    return path


def pdf_text(pdf: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    run = subprocess.run([tool("pdftotext"), *pages, str(pdf), "-"], capture_output=True,
                         text=True, check=True)
    return run.stdout


def squash(text: str) -> str:
    """Text without whitespace: table cells wrap over several lines in the PDF."""
    return re.sub(r"\s+", "", text)


def present(cell: str, text: str) -> bool:
    """Every piece of ``cell`` between spaces and hyphens is in the (squashed) PDF text: Chromium
    wraps a long id at its hyphens and writes each line of a cell as its own run."""
    return all(piece in text for piece in re.split(r"[\s-]+", cell) if piece)


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    if find_browser() is None:
        pytest.fail("headless Chromium is needed: run `make browser`")
    tmp = tmp_path_factory.mktemp("pdf")
    _, page, html = write_baseline_report(tmp)
    return html, write_pdf(page, tmp / "report.pdf")


def test_pdf_is_a4_and_no_page_is_blank(printed):
    _, pdf = printed
    info = subprocess.run([tool("pdfinfo"), str(pdf)], capture_output=True, text=True, check=True).stdout
    w, h = (float(v) for v in re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
    assert abs(w - 595.3) < 1.5 and abs(h - 841.9) < 1.5  # A4 = 210 x 297 mm
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert pages >= 5
    blank = [i for i in range(1, pages + 1) if not pdf_text(pdf, i).strip()]
    assert blank == []
    assert is_previous_pdf(pdf)


def test_pdf_has_every_heading_and_every_bottleneck_row(printed):
    html, pdf = printed
    text = squash(pdf_text(pdf))
    headings = [unescape(re.sub(r"<[^>]+>", "", h)) for h in re.findall(r"<h2>(.*?)</h2>", html)]
    assert len(headings) >= 8
    assert [h for h in headings if squash(h) not in text] == []
    table = re.search(r'<table class="data" id="bottlenecks-table">(.*?)</table>', html, re.S).group(1)
    rows = re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], re.S)
    assert len(rows) > 20  # the scroll box used to show 9 on screen and 5 on paper
    for row in rows:
        element_id = unescape(re.sub(r"<[^>]+>", "", re.findall(r"<td>(.*?)</td>", row)[1]))
        assert present(element_id, text), element_id
    assert "binds" in text  # the last column is not cut off


def test_pdf_has_the_last_row_of_every_table(printed):
    html, pdf = printed
    text = squash(pdf_text(pdf))
    missing = []
    for body in re.findall(r"<tbody>(.*?)</tbody>", html, re.S):
        last = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)[-1]
        first_cell = unescape(re.sub(r"<[^>]+>", "", re.findall(r"<td[^>]*>(.*?)</td>", last, re.S)[0]))
        if first_cell.strip() and not present(first_cell, text):
            missing.append(first_cell)
    assert missing == []


def test_write_pdf_without_a_browser_is_one_clear_error(tmp_path):
    page = tmp_path / "r.html"
    page.write_text("<!doctype html><title>x</title>", encoding="utf-8")
    with pytest.raises(UserError) as e:
        write_pdf(page, tmp_path / "r.pdf", browser=tmp_path / "no-chromium")
    assert "could not start" in str(e.value) and "make browser" in str(e.value)
    assert not (tmp_path / "r.pdf").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]  # no temporary file left behind


def test_cli_pdf_refuses_to_overwrite_a_foreign_pdf(tmp_path):
    from typer.testing import CliRunner

    from transcaspian.cli import register_all

    foreign = tmp_path / "r.pdf"
    foreign.write_bytes(b"%PDF-1.4 someone else's")
    res = CliRunner().invoke(register_all(), ["report", "baseline-2024", "--simulate", "0", "-o",
                                              str(tmp_path / "r.html"), "--pdf"])
    assert res.exit_code == 2
    assert "not a transcaspian report PDF" in res.output
    assert foreign.read_bytes() == b"%PDF-1.4 someone else's"
    assert not (tmp_path / "r.html").exists()  # refused before anything is written


def chart_data(html: str, div_id: str) -> list[dict]:
    """The plotly traces of chart ``div_id`` as the report embeds them."""
    import json

    start = html.index(f'"{div_id}",', html.index("Plotly.newPlot")) + len(f'"{div_id}",')
    while html[start].isspace():
        start += 1
    return json.JSONDecoder().raw_decode(html, start)[0]


def test_pdf_text_stays_inside_the_page_and_chart_labels_are_whole(printed):
    """Nothing is cut at the page's sides: every word Chromium wrote lies within the 12 mm
    margins (a clipped chart label or title runs past them), and every category label of the
    utilisation chart is in the text whole (the print script wraps them beside the bars)."""
    html, pdf = printed
    run = subprocess.run([tool("pdftotext"), "-bbox", str(pdf), "-"], capture_output=True, text=True,
                         check=True)
    margin, width = 12 * 72 / 25.4, 595.28   # pt
    words = re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">(.*?)</word>',
                       run.stdout)
    assert len(words) > 1000
    outside = [w for x0, x1, w in words if float(x0) < margin - 1 or float(x1) > width - margin + 1]
    assert outside == []
    text = squash(pdf_text(pdf))
    labels = {unescape(y) for trace in chart_data(html, "chart-utilisation") for y in trace["y"]}
    assert len(labels) >= 10 and max(len(x) for x in labels) > 60   # long enough to need wrapping
    assert [x for x in labels if squash(x) not in text] == []
