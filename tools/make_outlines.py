"""Convert Natural Earth country outlines (npm ``world-atlas``) into the report's GeoJSON.

Run once at development time; the output is committed and shipped inside the package::

    cd /tmp && npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python tools/make_outlines.py /tmp/package/countries-50m.json \
        transcaspian/report/assets/countries.geojson

Steps: decode the TopoJSON arcs (quantised, delta-encoded), simplify each arc with
Douglas-Peucker (shared borders stay shared), assemble polygons, keep the countries that
touch the region box, clip them to the box (Sutherland-Hodgman), round to 0.01 degree.
Only the standard library is used.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

#: Region kept (lon_min, lat_min, lon_max, lat_max): western Europe to eastern China.
BOX = (-12.0, 22.0, 125.0, 62.0)
#: Douglas-Peucker tolerance (degrees).
TOLERANCE = 0.03
#: ISO 3166-1 numeric -> alpha-2 for the countries in and around the corridor region
#: (the TopoJSON carries numeric ids and names only).
ISO_A2 = {
    "004": "AF", "008": "AL", "020": "AD", "031": "AZ", "040": "AT", "048": "BH", "050": "BD",
    "051": "AM", "056": "BE", "064": "BT", "070": "BA", "100": "BG", "112": "BY", "156": "CN",
    "191": "HR", "196": "CY", "203": "CZ", "208": "DK", "233": "EE", "246": "FI", "250": "FR",
    "268": "GE", "276": "DE", "300": "GR", "348": "HU", "356": "IN", "364": "IR", "368": "IQ",
    "372": "IE", "376": "IL", "380": "IT", "392": "JP", "398": "KZ", "400": "JO", "408": "KP",
    "410": "KR", "414": "KW", "417": "KG", "422": "LB", "428": "LV", "434": "LY", "438": "LI",
    "440": "LT", "442": "LU", "496": "MN", "498": "MD", "499": "ME", "504": "MA", "512": "OM",
    "524": "NP", "528": "NL", "578": "NO", "586": "PK", "616": "PL", "620": "PT", "634": "QA",
    "642": "RO", "643": "RU", "682": "SA", "688": "RS", "703": "SK", "705": "SI", "724": "ES",
    "752": "SE", "756": "CH", "760": "SY", "762": "TJ", "784": "AE", "788": "TN", "792": "TR",
    "795": "TM", "804": "UA", "807": "MK", "818": "EG", "826": "GB", "860": "UZ", "887": "YE",
    "012": "DZ", "104": "MM", "418": "LA", "704": "VN", "764": "TH", "729": "SD", "158": "TW",
    "344": "HK", "446": "MO", "275": "PS", "562": "NE", "466": "ML", "148": "TD",
    "478": "MR", "732": "EH", "470": "MT", "492": "MC", "674": "SM", "336": "VA", "352": "IS",
    "-99": "",
}
#: Countries without an ISO numeric id in Natural Earth, by name.
BY_NAME = {"Kosovo": "XK", "N. Cyprus": "CY"}

Point = tuple[float, float]


def decode_arcs(topo: dict) -> list[list[Point]]:
    """Absolute lon/lat coordinates of every arc."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append((x * sx + tx, y * sy + ty))
        arcs.append(pts)
    return arcs


def simplify(points: list[Point], tol: float) -> list[Point]:
    """Douglas-Peucker simplification keeping both end points."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        i, j = stack.pop()
        (x1, y1), (x2, y2) = points[i], points[j]
        dx, dy = x2 - x1, y2 - y1
        norm = math.hypot(dx, dy)
        best, idx = -1.0, -1
        for k in range(i + 1, j):
            px, py = points[k]
            d = (abs(dy * px - dx * py + x2 * y1 - y2 * x1) / norm if norm
                 else math.hypot(px - x1, py - y1))
            if d > best:
                best, idx = d, k
        if idx > 0 and best > tol:
            keep[idx] = True
            stack += [(i, idx), (idx, j)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def ring(arcs: list[list[Point]], refs: list[int]) -> list[Point]:
    """Join arcs (negative index = reversed arc ~i) into one ring."""
    out: list[Point] = []
    for r in refs:
        pts = arcs[r] if r >= 0 else arcs[~r][::-1]
        out.extend(pts if not out else pts[1:])
    return out


def clip(points: list[Point], box: tuple[float, float, float, float]) -> list[Point]:
    """Sutherland-Hodgman clipping of a closed ring to an axis-aligned box."""
    x0, y0, x1, y1 = box
    edges = [(lambda p: p[0] >= x0, lambda a, b: _cut_x(a, b, x0)),
             (lambda p: p[0] <= x1, lambda a, b: _cut_x(a, b, x1)),
             (lambda p: p[1] >= y0, lambda a, b: _cut_y(a, b, y0)),
             (lambda p: p[1] <= y1, lambda a, b: _cut_y(a, b, y1))]
    out = points[:-1] if points and points[0] == points[-1] else points
    for inside, cut in edges:
        if not out:
            break
        src, out = out, []
        prev = src[-1]
        for cur in src:
            if inside(cur):
                if not inside(prev):
                    out.append(cut(prev, cur))
                out.append(cur)
            elif inside(prev):
                out.append(cut(prev, cur))
            prev = cur
    return out + out[:1] if len(out) >= 3 else []


def _cut_x(a: Point, b: Point, x: float) -> Point:
    t = (x - a[0]) / (b[0] - a[0])
    return (x, a[1] + t * (b[1] - a[1]))


def _cut_y(a: Point, b: Point, y: float) -> Point:
    t = (y - a[1]) / (b[1] - a[1])
    return (a[0] + t * (b[0] - a[0]), y)


def rounded(points: list[Point]) -> list[list[float]]:
    """Round to 0.01 degree and drop consecutive duplicates."""
    out: list[list[float]] = []
    for x, y in points:
        p = [round(x, 2), round(y, 2)]
        if not out or p != out[-1]:
            out.append(p)
    return out


def convert(topo: dict, box: tuple[float, float, float, float] = BOX,
            tol: float = TOLERANCE) -> dict:
    """GeoJSON FeatureCollection of the countries touching ``box``, clipped to it."""
    arcs = [simplify(a, tol) for a in decode_arcs(topo)]
    features = []
    for g in topo["objects"]["countries"]["geometries"]:
        polys = g["arcs"] if g.get("type") == "MultiPolygon" else [g.get("arcs", [])]
        parts = []
        for poly in polys:
            rings = [rounded(clip(ring(arcs, r), box)) for r in poly]
            if rings and len(rings[0]) >= 4:
                parts.append([r for r in rings if len(r) >= 4])
        if not parts:
            continue
        name = g["properties"]["name"]
        code = BY_NAME.get(name) or ISO_A2.get(str(g.get("id", "-99")), "")
        geometry = ({"type": "Polygon", "coordinates": parts[0]} if len(parts) == 1
                    else {"type": "MultiPolygon", "coordinates": parts})
        features.append({"type": "Feature", "id": code or name,
                         "properties": {"name": name, "iso_a2": code}, "geometry": geometry})
    return {"type": "FeatureCollection", "bbox": list(box), "features": features}


def main(argv: list[str]) -> None:
    src, dst = Path(argv[1]), Path(argv[2])
    gj = convert(json.loads(src.read_text()))
    dst.write_text(json.dumps(gj, separators=(",", ":")))
    print(f"{dst}: {len(gj['features'])} countries, {dst.stat().st_size / 1024:.0f} KB")


if __name__ == "__main__":
    main(sys.argv)
