"""Label placement on a chart: greedy decluttering of text boxes in pixel space.

Each label is tried, in the caller's priority order, at the eight plotly ``textposition``
slots around its point (right, left, above, below, then the diagonals); the first slot whose
estimated text box overlaps no obstacle and no label already placed wins. A label that fits
nowhere is offered a leader line (the text moved further out, an arrow back to its point)
when it is ``required``; otherwise it is left off. Text boxes are estimated from the
character count (0.6 × font px per character, 1.2 × font px high).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

#: A box in pixels: (x0, y0, x1, y1), y growing downwards as on screen.
Box = tuple[float, float, float, float]

#: Plotly ``textposition`` slots in the order they are tried.
SLOTS = ("middle right", "middle left", "top center", "bottom center",
         "top right", "top left", "bottom right", "bottom left")
#: Leader-line offsets tried (dx, dy) in px, text centre from its point.
LEADERS = tuple((dx * r, dy * r) for r in (34, 52, 72) for dx, dy in
                ((1, -1), (-1, -1), (1, 1), (-1, 1), (0, -1.2), (0, 1.2), (1.4, 0), (-1.4, 0)))


@dataclass(frozen=True)
class Placement:
    """Where one label went.

    Attributes
    ----------
    position
        A plotly ``textposition`` slot, ``"leader"`` (text at ``offset`` with an arrow to its
        point) or ``""`` (left off).
    box
        The label's estimated text box, px (None when left off).
    offset
        (dx, dy) of the text centre from the point for a leader, px (screen y downwards).
    """

    position: str
    box: Box | None
    offset: tuple[float, float] = (0.0, 0.0)


def text_size(text: str, font_px: float) -> tuple[float, float]:
    """Estimated (width, height) of one line of ``text`` in px.

    >>> text_size("Baku", 10)
    (24.0, 12.0)
    """
    return (0.6 * font_px * len(text), 1.2 * font_px)


def slot_box(x: float, y: float, w: float, h: float, slot: str, gap: float) -> Box:
    """The text box of a ``w`` × ``h`` label at ``slot`` around point (x, y), ``gap`` px away.

    >>> slot_box(100, 50, 20, 10, "middle right", 4)
    (104, 45.0, 124, 55.0)
    """
    vert, horiz = slot.split()
    x0 = {"right": x + gap, "left": x - gap - w, "center": x - w / 2}[horiz]
    y0 = {"top": y - gap - h, "bottom": y + gap, "middle": y - h / 2}[vert]
    return (x0, y0, x0 + w, y0 + h)


def overlaps(a: Box, b: Box) -> bool:
    """Whether two boxes share any area.

    >>> overlaps((0, 0, 10, 10), (9, 9, 20, 20)), overlaps((0, 0, 10, 10), (10, 0, 20, 10))
    (True, False)
    """
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def place_labels(points_px: Sequence[tuple[float, float]], texts: Sequence[str], font_px: float,
                 obstacles: Sequence[Box] = (), required: Sequence[bool] | None = None,
                 gap_px: float = 5.0, bounds: Box | None = None) -> list[Placement]:
    """Place every label without overlaps, greedily in the given (priority) order.

    Parameters
    ----------
    points_px
        Anchor point of each label, px (screen coordinates, y downwards).
    texts
        Label text per point; an empty text is left off.
    font_px
        Font size, px.
    obstacles
        Boxes no label may cover (markers, other text such as country names), px.
    required
        Per label: try leader lines when no slot fits (default: every label).
    gap_px
        Distance from the point to the near edge of its text, px.
    bounds
        Area a label must stay inside (the plot area), px; default unbounded.

    Returns
    -------
    list of Placement
        One per point, in input order.

    Examples
    --------
    >>> a, b = place_labels([(100, 100), (105, 100)], ["Baku", "Alat"], 10)
    >>> a.position, b.position, overlaps(a.box, b.box)
    ('middle right', 'middle left', False)
    """
    taken: list[Box] = list(obstacles)
    out: list[Placement] = []
    for i, ((x, y), text) in enumerate(zip(points_px, texts, strict=True)):
        if not text:
            out.append(Placement("", None))
            continue
        w, h = text_size(text, font_px)

        def free(box: Box) -> bool:
            inside = bounds is None or (box[0] >= bounds[0] and box[1] >= bounds[1]
                                        and box[2] <= bounds[2] and box[3] <= bounds[3])
            return inside and not any(overlaps(box, t) for t in taken)

        found = next((Placement(s, b) for s in SLOTS if free(b := slot_box(x, y, w, h, s, gap_px))), None)
        if found is None and (required is None or required[i]):
            for dx, dy in LEADERS:
                box = (x + dx - w / 2, y + dy - h / 2, x + dx + w / 2, y + dy + h / 2)
                if free(box):
                    found = Placement("leader", box, (dx, dy))
                    break
        found = found or Placement("", None)
        if found.box is not None:
            taken.append(found.box)
        out.append(found)
    return out
