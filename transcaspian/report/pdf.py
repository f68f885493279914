"""The report as a PDF: the HTML file printed by headless Chromium (A4, the report's print
stylesheet).

Chromium lays the page out for print with the report's ``@media print`` rules and fires
``beforeprint``, which resizes every chart to the page width; a virtual time budget lets
plotly finish drawing first. Nothing here downloads anything: the browser must be
installed (``make browser``, or ``apt-get install chromium``).

Examples
--------
>>> from transcaspian.report.pdf import find_browser
>>> find_browser() is None or find_browser().name.startswith(("chromium", "google-chrome"))
True
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from transcaspian.model.errors import Problem, UserError
from transcaspian.report.page import PAGE

#: Browser commands looked for on PATH, in this order.
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: How to install one (shown when none is found).
INSTALL_HINT = ("install headless Chromium: `make browser`, or `apt-get install -y --no-install-recommends "
                "chromium` (Debian/Ubuntu), or put chromium or google-chrome on PATH")
#: Milliseconds of page time Chromium grants before printing (plotly draws within it).
VIRTUAL_TIME_MS = 20000
#: Chromium's window while it prints (CSS px): the A4 page's printable area
#: (:data:`~transcaspian.report.page.PAGE`), so charts drawn before printing already fit the page.
PRINT_WINDOW = (PAGE.print_width_px, PAGE.print_height_px)
#: The first bytes of every PDF file.
PDF_MAGIC = b"%PDF-"


def find_browser() -> Path | None:
    """The first headless-capable browser of :data:`BROWSERS` on PATH, or None.

    Returns
    -------
    pathlib.Path or None
        The browser executable.

    Examples
    --------
    >>> b = find_browser()
    >>> b is None or b.exists()
    True
    """
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return Path(found)
    return None


def print_command(browser: Path, html_path: Path, pdf_path: Path, profile: Path,
                  virtual_time_ms: int = VIRTUAL_TIME_MS) -> list[str]:
    """The Chromium command line that prints ``html_path`` to ``pdf_path``.

    Parameters
    ----------
    browser
        Chromium or Chrome executable.
    html_path, pdf_path
        The page to print (opened as a ``file://`` URL) and the PDF to write.
    profile
        An empty folder for the browser's profile (nothing of the user's is touched).
    virtual_time_ms
        Page time (ms) allowed for scripts before printing.

    Examples
    --------
    >>> cmd = print_command(Path("chromium"), Path("/r/a.html"), Path("/r/a.pdf"), Path("/tmp/p"))
    >>> cmd[0], cmd[-1], "--print-to-pdf=/r/a.pdf" in cmd
    ('chromium', 'file:///r/a.html', True)
    """
    width, height = PRINT_WINDOW
    return [str(browser), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--no-first-run", "--no-default-browser-check", "--disable-extensions",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-default-apps", "--hide-scrollbars", "--mute-audio",
            f"--user-data-dir={profile}", f"--window-size={width},{height}",
            "--run-all-compositor-stages-before-draw", f"--virtual-time-budget={virtual_time_ms}",
            "--no-pdf-header-footer", f"--print-to-pdf={pdf_path}",
            html_path.resolve().as_uri()]


def _error(message: str, field: str = "--pdf") -> UserError:
    return UserError([Problem(message, field=field)], "the PDF output")


def write_pdf(html_path: str | Path, pdf_path: str | Path, browser: str | Path | None = None,
              timeout_s: float = 120.0) -> Path:
    """Print the report ``html_path`` to ``pdf_path`` (A4) with headless Chromium.

    The PDF is printed into a temporary file beside ``pdf_path`` and renamed over it only
    once complete, so ``pdf_path`` is the whole new PDF or whatever was there before.

    Parameters
    ----------
    html_path
        The report's HTML file.
    pdf_path
        The PDF file to write (replaced if it exists; the caller decides whether it may be).
    browser
        Chromium/Chrome executable; default: :func:`find_browser`.
    timeout_s
        Seconds to wait for the browser before giving up.

    Returns
    -------
    pathlib.Path
        ``pdf_path``.

    Raises
    ------
    UserError
        No browser found (with how to install one), the browser failed or timed out, or it
        wrote no PDF.

    Examples
    --------
    >>> write_pdf("no-such-report.html", "out.pdf")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    transcaspian.model.errors.UserError: 1 problem in the PDF output:
      - --pdf: the report 'no-such-report.html' does not exist
    """
    html_path, pdf_path = Path(html_path), Path(pdf_path)
    if not html_path.is_file():
        raise _error(f"the report '{html_path}' does not exist")
    exe = Path(browser) if browser is not None else find_browser()
    if exe is None:
        raise _error(f"no Chromium or Chrome found on PATH to print the PDF; {INSTALL_HINT}")
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".tmp-", suffix=".pdf", dir=pdf_path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with tempfile.TemporaryDirectory(prefix="transcaspian-chromium-") as profile:
            _run(print_command(exe, html_path, tmp, Path(profile)), exe, timeout_s)
        with tmp.open("rb") as fh:
            if fh.read(len(PDF_MAGIC)) != PDF_MAGIC:
                raise _error(f"{exe} wrote no PDF for '{html_path}'")
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # mkstemp makes 0600; outputs are for sharing
        os.replace(tmp, pdf_path)
    finally:
        tmp.unlink(missing_ok=True)
    return pdf_path


def _run(cmd: list[str], exe: Path, timeout_s: float) -> None:
    """Run the browser in its own process group; a failure, a timeout (the group is then
    killed, helpers included) or a missing executable is a UserError."""
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)
    except OSError as exc:
        raise _error(f"could not start {exe}: {exc.strerror or exc}; {INSTALL_HINT}") from None
    try:
        _, stderr = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise _error(f"{exe} did not finish printing within {timeout_s:g} s; try again, or print the "
                     "HTML report from a browser (File → Print → Save as PDF)") from None
    if proc.returncode != 0:
        tail = " ".join(stderr.strip().splitlines()[-3:])[-400:]
        raise _error(f"{exe} failed to print (exit {proc.returncode}): {tail}")


#: Text in the ``<title>`` of every report, so in the PDF's Title too.
TITLE_MARK = "Trans-Caspian corridor report"


def is_previous_pdf(path: Path) -> bool:
    """True when ``path`` is a PDF printed from one of our reports (its Title, which Chromium
    writes as UTF-16 hex or plain text, carries :data:`TITLE_MARK`).

    Examples
    --------
    >>> is_previous_pdf(Path("no-such.pdf"))
    False
    """
    try:
        data = Path(path).read_bytes()
    except OSError:
        return False
    hex16 = "".join(f"{ord(c):04X}" for c in TITLE_MARK).encode()
    return data.startswith(PDF_MAGIC) and (TITLE_MARK.encode() in data or hex16 in data.upper())
