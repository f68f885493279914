"""The report's page geometry, on screen and on paper, in one place.

The template's CSS (content width, paddings, the ``@page`` box), the ``beforeprint``
script that resizes the charts for paper, the PDF printer's window and the map's label
placement all read these numbers, so a chart drawn for one of them fits the others.

Examples
--------
>>> PAGE.print_width_px, PAGE.screen_chart_width_px
(703, 1142)
"""

from __future__ import annotations

from dataclasses import dataclass

#: CSS pixels per millimetre (96 px per inch).
PX_PER_MM = 96 / 25.4


@dataclass(frozen=True)
class Page:
    """Widths of the report's content, on screen (CSS px) and on an A4 page.

    Attributes
    ----------
    paper_mm
        Paper size (width, height) in mm: A4.
    margin_mm
        Page margin on every side, mm.
    main_max_px
        Largest width of the page's main column on screen, px.
    main_pad_px, section_pad_px
        Horizontal padding of the main column and of a section box on screen, px (a section
        also has a 1 px border).
    """

    paper_mm: tuple[float, float] = (210.0, 297.0)
    margin_mm: float = 12.0
    main_max_px: int = 1240
    main_pad_px: int = 24
    section_pad_px: int = 24

    @property
    def print_width_px(self) -> int:
        """Width of the printable area of a page (and of a chart on paper), CSS px."""
        return round((self.paper_mm[0] - 2 * self.margin_mm) * PX_PER_MM)

    @property
    def print_height_px(self) -> int:
        """Height of the printable area of a page, CSS px."""
        return round((self.paper_mm[1] - 2 * self.margin_mm) * PX_PER_MM)

    @property
    def screen_chart_width_px(self) -> int:
        """Width of a full-width chart on a wide screen, CSS px (main column less paddings)."""
        return self.main_max_px - 2 * self.main_pad_px - 2 * (self.section_pad_px + 1)


#: The report's page.
PAGE = Page()
