"""One module per report section; each returns :class:`~transcaspian.report.html.Section`
objects built from engine results (the report computes nothing of its own)."""
