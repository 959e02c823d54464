"""Offline map geometry for Korea's provinces (시·도) and municipalities (시·군·구).

Plotly's geo traces fetch their base map from a CDN, and this site runs offline, so
the choropleth is drawn as plain filled shapes instead: one ``scatter`` trace per
region with ``fill: "toself"`` on ordinary x/y axes. This module turns the seed
GeoJSON (``seed/maps/*.geojson``) into that geometry; ``dashboard/charts/`` builds
the figure dicts. Standard library only: no Django, no plotly.

Coordinates
    Plain longitude (x) and latitude (y) in degrees, no projection. At Korea's
    latitude a degree of longitude is shorter than a degree of latitude, so the chart
    must stretch y: anchor the y axis to x (``yaxis.scaleanchor = "x"``) with
    ``yaxis.scaleratio = ASPECT`` where ``ASPECT = 1 / cos(36°) ≈ 1.236`` (36°N is
    the middle of the mainland). This is the equirectangular projection with standard
    parallel 36°N; over Korea's 5° of latitude its distortion is invisible.

Rings and ``None`` separators
    ``Shape.xs`` / ``Shape.ys`` hold the exterior rings of all kept polygons of a
    region, each ring closed (first point repeated at the end) and rings separated by
    a single ``None`` (no leading or trailing ``None``). A scatter trace with
    ``fill: "toself"`` closes each ``None``-separated subpath and fills them all.

Holes and enclaves
    Hole rings are dropped; only exterior rings are returned. How plotly would treat
    a hole ring is renderer-dependent: the SVG ``scatter`` renderer (plotly.js 3.x,
    as bundled with plotly.py 6/7) joins the subpaths into one ``<path>`` (``M…Z M…Z``)
    drawn with SVG's default ``nonzero`` fill rule, so a hole wound opposite to its
    exterior would be cut out but one wound the same way would be painted over;
    ``scattergl`` fills every subpath as a polygon of its own (plotly.js #2291); and
    fill hover tests each subpath as its own polygon. Relying on any of that is
    fragile, and simplification can make a hole touch its exterior. Instead:

    * a hole that holds another region (Gwangju inside Jeonnam; in this data Seoul,
      Daegu, Sejong and Daejeon are not true enclaves, as each touches a second
      province, but they sit in the bays of bigger ones) is covered by drawing
      order: the loaders return shapes sorted by area, largest first, and plotly
      paints later traces on top, so the smaller region is painted over its parent:
      Seoul after Gyeonggi, Daegu after Gyeongbuk, Sejong and Daejeon after
      Chungnam, Gwangju after Jeonnam. ``charts/`` must keep this order;
    * a hole that holds water (lakes and inlets in Gyeonggi, Chungnam, Jeonnam) is
      painted in the parent's colour: the largest is about 60 km², invisible at
      dashboard size.

Simplification
    Douglas–Peucker with a tolerance in degrees (0.01° ≈ 1 km), iterative so large
    rings never hit Python's recursion limit. The first/last point of a ring is
    always kept. A ring that would collapse below 4 points (a closed triangle) is
    kept as a minimal closed triangle made of its first point, the point farthest
    from it and the point farthest from that chord: ``simplify`` itself never drops a
    ring. Dropping is decided by the loaders by area: polygons whose exterior ring is
    smaller than ``min_area`` square degrees (default 0.0005 ≈ 5 km², the small
    islands) are dropped, but a region always keeps at least its largest polygon, so
    no region ever disappears from the map.

Labels
    ``label_x, label_y`` is the area-weighted centroid of the region's largest kept
    (simplified) polygon. When that centroid falls outside the polygon (a crescent
    like Gyeonggi wrapped around Seoul), it is moved along its own latitude to the
    middle of the widest stretch of the polygon on that line, so a label always sits
    on its region.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "ASPECT",
    "MAPS_DIR",
    "MUNICIPALITIES_GEOJSON",
    "PROVINCES_GEOJSON",
    "Shape",
    "bounds",
    "municipality_shapes",
    "point_in_ring",
    "province_shapes",
    "ring_area",
    "ring_centroid",
    "simplify",
]

#: y/x scale ratio for the chart: ``yaxis = {"scaleanchor": "x", "scaleratio": ASPECT}``.
ASPECT = 1 / math.cos(math.radians(36))

#: Default seed files (strings, so they can be passed straight to the cached loaders).
MAPS_DIR = Path(__file__).resolve().parents[1] / "seed" / "maps"
PROVINCES_GEOJSON = str(MAPS_DIR / "korea-provinces-2018.geojson")
MUNICIPALITIES_GEOJSON = str(MAPS_DIR / "korea-municipalities-2018.geojson")

#: Polygons smaller than this (square degrees, ≈ 5 km² at 36°N) are dropped, except a
#: region's largest polygon, which is always kept.
DEFAULT_MIN_AREA = 0.0005

Point = tuple[float, float]


@dataclass(frozen=True)
class Shape:
    """One region ready for a ``scatter`` trace with ``fill: "toself"``.

    ``xs``/``ys`` are closed exterior rings separated by ``None``. ``parent`` is the
    province code of a municipality and ``""`` for a province.
    """

    code: str
    name_ko: str
    name_en: str
    xs: tuple
    ys: tuple
    label_x: float
    label_y: float
    parent: str = ""


# ---------------------------------------------------------------------------
# Ring geometry
# ---------------------------------------------------------------------------


def ring_area(ring: Sequence[Sequence[float]]) -> float:
    """Signed shoelace area of a ring in square degrees (counter-clockwise > 0).

    Works for closed and open rings alike.
    """
    n = len(ring)
    if n < 3:
        return 0.0
    total = 0.0
    x0, y0 = ring[-1][0], ring[-1][1]
    for p in ring:
        x1, y1 = p[0], p[1]
        total += x0 * y1 - x1 * y0
        x0, y0 = x1, y1
    return total / 2


def ring_centroid(ring: Sequence[Sequence[float]]) -> Point:
    """Area-weighted centroid of a ring; the vertex mean if the ring has no area."""
    n = len(ring)
    if n == 0:
        raise ValueError("empty ring")
    # Shift to the first vertex so the products stay small and precise.
    ox, oy = ring[0][0], ring[0][1]
    a = cx = cy = 0.0
    x0, y0 = ring[-1][0] - ox, ring[-1][1] - oy
    for p in ring:
        x1, y1 = p[0] - ox, p[1] - oy
        cross = x0 * y1 - x1 * y0
        a += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
        x0, y0 = x1, y1
    if abs(a) < 1e-15:
        pts = ring[:-1] if n > 1 and tuple(ring[0]) == tuple(ring[-1]) else ring
        return (
            sum(p[0] for p in pts) / len(pts),
            sum(p[1] for p in pts) / len(pts),
        )
    return ox + cx / (3 * a), oy + cy / (3 * a)


def point_in_ring(ring: Sequence[Point], x: float, y: float) -> bool:
    """Even-odd test: is ``(x, y)`` inside the ring of ``(x, y)`` points?"""
    inside = False
    x0, y0 = ring[-1]
    for x1, y1 in ring:
        if (y1 > y) != (y0 > y) and x < (x0 - x1) * (y - y1) / (y0 - y1) + x1:
            inside = not inside
        x0, y0 = x1, y1
    return inside


def _label_point(ring: Sequence[Point]) -> Point:
    """Centroid of ``ring``, or an interior point on its latitude if it lies outside."""
    cx, cy = ring_centroid(ring)
    if len(ring) < 4 or point_in_ring(ring, cx, cy):
        return cx, cy
    # Crossings of the horizontal line y = cy; the widest inside-span wins.
    crossings = []
    x0, y0 = ring[-1]
    for x1, y1 in ring:
        if (y1 > cy) != (y0 > cy):
            crossings.append(x1 + (x0 - x1) * (cy - y1) / (y0 - y1))
        x0, y0 = x1, y1
    crossings.sort()
    spans = [(crossings[i], crossings[i + 1]) for i in range(0, len(crossings) - 1, 2)]
    if not spans:
        return cx, cy
    left, right = max(spans, key=lambda s: s[1] - s[0])
    return (left + right) / 2, cy


# ---------------------------------------------------------------------------
# Douglas–Peucker
# ---------------------------------------------------------------------------


def _minimal_triangle(pts: Sequence[Point]) -> list[Point]:
    """First point, the point farthest from it, the point farthest from that chord."""
    ax, ay = pts[0]
    far = max(range(len(pts)), key=lambda i: (pts[i][0] - ax) ** 2 + (pts[i][1] - ay) ** 2)
    bx, by = pts[far]
    dx, dy = bx - ax, by - ay
    third = max(
        (i for i in range(len(pts)) if i not in (0, far)),
        key=lambda i: abs(dx * (pts[i][1] - ay) - dy * (pts[i][0] - ax)),
        default=None,
    )
    if third is None:
        return [pts[0], pts[far], pts[0]]
    first, second = sorted((far, third))
    return [pts[0], pts[first], pts[second], pts[0]]


def simplify(ring: Sequence[Sequence[float]], tolerance: float) -> list[Point]:
    """Douglas–Peucker simplification of a closed ring of ``(lon, lat)`` points.

    ``tolerance`` is a distance in degrees: a point is dropped when it lies within
    ``tolerance`` of the segment joining the points kept on either side. The ring's
    first (= last) point is always kept; an open input ring is closed. With
    ``tolerance <= 0`` every point is kept. The result always has at least 4 points
    (a closed triangle) when the input has 3 or more distinct vertices: a ring that
    would collapse is replaced by a minimal triangle (see the module docstring);
    dropping whole rings is the caller's decision. Iterative, so any ring size works.
    """
    pts: list[Point] = [(float(p[0]), float(p[1])) for p in ring]
    if not pts:
        return []
    if pts[0] != pts[-1]:
        pts.append(pts[0])
    n = len(pts)
    if tolerance <= 0 or n <= 4:
        return pts

    tol2 = tolerance * tolerance
    keep = [False] * n
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        first, last = stack.pop()
        if last - first < 2:
            continue
        ax, ay = pts[first]
        bx, by = pts[last]
        dx, dy = bx - ax, by - ay
        seg2 = dx * dx + dy * dy
        best, best_d2 = -1, tol2
        for i in range(first + 1, last):
            px, py = pts[i]
            # Squared distance from p to the segment a-b (to a itself when a == b,
            # which is the case for the whole closed ring on the first pass).
            if seg2 == 0.0:
                ex, ey = px - ax, py - ay
            else:
                t = ((px - ax) * dx + (py - ay) * dy) / seg2
                if t <= 0.0:
                    ex, ey = px - ax, py - ay
                elif t >= 1.0:
                    ex, ey = px - bx, py - by
                else:
                    ex, ey = px - (ax + t * dx), py - (ay + t * dy)
            d2 = ex * ex + ey * ey
            if d2 > best_d2:
                best, best_d2 = i, d2
        if best >= 0:
            keep[best] = True
            stack.append((first, best))
            stack.append((best, last))

    out = [p for p, k in zip(pts, keep, strict=True) if k]
    if len(out) < 4:
        return _minimal_triangle(pts[:-1])
    return out


# ---------------------------------------------------------------------------
# Loaders
# ---------------------------------------------------------------------------


def _polygons(geometry: dict) -> list[list]:
    kind = geometry.get("type")
    coords = geometry.get("coordinates") or []
    if kind == "Polygon":
        return [coords] if coords else []
    if kind == "MultiPolygon":
        return [p for p in coords if p]
    raise ValueError(f"unsupported geometry type: {kind!r}")


def _shape(feature: dict, tolerance: float, min_area: float, parent: str) -> tuple[float, Shape]:
    """Build one Shape; returns ``(total exterior area, shape)`` for ordering."""
    props = feature.get("properties") or {}
    code = str(feature.get("id") or props.get("kostat_code") or "")
    # Holes (rings after the first) are dropped: see the module docstring.
    exteriors = [poly[0] for poly in _polygons(feature["geometry"]) if poly[0]]
    if not exteriors:
        raise ValueError(f"region {code!r} has no polygon")
    areas = [abs(ring_area(r)) for r in exteriors]
    largest = max(range(len(exteriors)), key=areas.__getitem__)

    xs: list = []
    ys: list = []
    label_ring: list[Point] = []
    for i, ring in enumerate(exteriors):
        if i != largest and areas[i] < min_area:
            continue
        kept = simplify(ring, tolerance)
        if i == largest:
            label_ring = kept
        if xs:
            xs.append(None)
            ys.append(None)
        xs.extend(x for x, _ in kept)
        ys.extend(y for _, y in kept)

    label_x, label_y = _label_point(label_ring)
    shape = Shape(
        code=code,
        name_ko=props.get("name_ko_2018", ""),
        name_en=props.get("name_en_2018", ""),
        xs=tuple(xs),
        ys=tuple(ys),
        label_x=label_x,
        label_y=label_y,
        parent=parent,
    )
    return sum(areas), shape


def _load(path: str, tolerance: float, min_area: float, with_parent: bool) -> tuple[Shape, ...]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    sized = []
    for feature in data["features"]:
        parent = (
            str((feature.get("properties") or {}).get("region_code", "")) if with_parent else ""
        )
        sized.append(_shape(feature, tolerance, min_area, parent))
    # Largest first: smaller regions (enclaves) are drawn later, on top of their parent.
    sized.sort(key=lambda item: (-item[0], item[1].code))
    return tuple(shape for _, shape in sized)


@functools.lru_cache(maxsize=8)
def province_shapes(
    path: str = PROVINCES_GEOJSON,
    tolerance: float = 0.01,
    min_area: float = DEFAULT_MIN_AREA,
) -> tuple[Shape, ...]:
    """The 17 provinces, simplified, largest first (draw in this order). Cached."""
    return _load(str(path), tolerance, min_area, with_parent=False)


@functools.lru_cache(maxsize=8)
def municipality_shapes(
    path: str = MUNICIPALITIES_GEOJSON,
    tolerance: float = 0.005,
    min_area: float = DEFAULT_MIN_AREA,
) -> tuple[Shape, ...]:
    """The 250 municipalities, simplified, largest first; ``parent`` = province code."""
    return _load(str(path), tolerance, min_area, with_parent=True)


def bounds(shapes: Iterable[Shape]) -> tuple[float, float, float, float]:
    """``(min_x, min_y, max_x, max_y)`` over all points of ``shapes``."""
    shapes = tuple(shapes)
    xs = [x for s in shapes for x in s.xs if x is not None]
    ys = [y for s in shapes for y in s.ys if y is not None]
    if not xs:
        raise ValueError("no points")
    return min(xs), min(ys), max(xs), max(ys)
