"""The offline map geometry: provinces and municipalities as closed, simplified rings."""

import json
import math
from pathlib import Path

import pytest

from dashboard import geo

MAPS = Path(__file__).resolve().parents[2] / "seed" / "maps"
PROVINCES = str(MAPS / "korea-provinces-2018.geojson")
MUNICIPALITIES = str(MAPS / "korea-municipalities-2018.geojson")

REGION_CODES = {
    "11",
    "26",
    "27",
    "28",
    "29",
    "30",
    "31",
    "36",
    "41",
    "43",
    "44",
    "46",
    "47",
    "48",
    "50",
    "51",
    "52",
}


def rings(shape):
    """Split a shape's None-separated xs/ys into lists of (x, y) points."""
    out, current = [], []
    for x, y in zip(shape.xs, shape.ys, strict=True):
        if x is None:
            assert y is None
            out.append(current)
            current = []
        else:
            current.append((x, y))
    out.append(current)
    return out


def point_count(shapes):
    return sum(1 for s in shapes for x in s.xs if x is not None)


def raw_point_count(path):
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    total = 0
    for feature in data["features"]:
        geometry = feature["geometry"]
        polygons = (
            [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        )
        total += sum(len(polygon[0]) for polygon in polygons)
    return total


@pytest.fixture(scope="module")
def provinces():
    return geo.province_shapes(PROVINCES)


def test_the_module_defaults_point_at_the_seed_maps():
    assert Path(geo.PROVINCES_GEOJSON) == Path(PROVINCES)
    assert Path(geo.MUNICIPALITIES_GEOJSON) == Path(MUNICIPALITIES)


def test_all_seventeen_provinces_come_back_with_names(provinces):
    assert len(provinces) == 17
    assert {s.code for s in provinces} == REGION_CODES
    by_code = {s.code: s for s in provinces}
    assert by_code["11"].name_ko == "서울특별시"
    assert by_code["11"].name_en == "Seoul"
    assert all(s.parent == "" for s in provinces)


def test_every_ring_is_non_empty_closed_and_separated_by_single_nones(provinces):
    for shape in provinces:
        assert shape.xs and shape.ys
        assert len(shape.xs) == len(shape.ys)
        assert shape.xs[0] is not None and shape.xs[-1] is not None
        for ring in rings(shape):
            assert len(ring) >= 4, shape.code
            assert ring[0] == ring[-1], shape.code


def test_every_coordinate_lies_inside_koreas_bounding_box(provinces):
    for shape in provinces:
        for x, y in zip(shape.xs, shape.ys, strict=True):
            if x is None:
                continue
            assert 124 <= x <= 132, (shape.code, x)
            assert 33 <= y <= 39, (shape.code, y)
    min_x, min_y, max_x, max_y = geo.bounds(provinces)
    assert 124 <= min_x < max_x <= 132
    assert 33 <= min_y < max_y <= 39


def test_bounds_spans_every_point_of_the_given_shapes(provinces):
    seoul = next(s for s in provinces if s.code == "11")
    xs = [x for x in seoul.xs if x is not None]
    ys = [y for y in seoul.ys if y is not None]
    assert geo.bounds([seoul]) == (min(xs), min(ys), max(xs), max(ys))
    assert geo.bounds(s for s in provinces) == geo.bounds(provinces)


def test_simplification_cuts_the_point_count_a_lot_but_keeps_every_region(provinces):
    raw = raw_point_count(PROVINCES)
    simplified = point_count(provinces)
    assert simplified < raw / 5
    assert 1500 <= simplified <= 4000
    coarse = geo.province_shapes(PROVINCES, tolerance=0.2, min_area=10.0)
    assert {s.code for s in coarse} == REGION_CODES
    assert all(len(rings(s)) == 1 for s in coarse)
    assert point_count(coarse) < simplified


def test_tolerance_zero_keeps_every_point_of_a_ring():
    data = json.loads(Path(PROVINCES).read_text(encoding="utf-8"))
    seoul = next(f for f in data["features"] if f["id"] == "11")
    ring = seoul["geometry"]["coordinates"][0]
    kept = geo.simplify(ring, 0)
    assert [list(p) for p in kept] == ring
    assert len(geo.simplify(ring, 0.01)) < len(ring)


def test_tolerance_zero_keeps_every_island_when_min_area_is_zero():
    everything = geo.province_shapes(PROVINCES, tolerance=0, min_area=0)
    assert point_count(everything) == raw_point_count(PROVINCES)


def test_douglas_peucker_collapses_a_square_with_collinear_midpoints_to_its_corners():
    square = [(0, 0), (1, 0), (2, 0), (2, 1), (2, 2), (1, 2), (0, 2), (0, 1), (0, 0)]
    assert geo.simplify(square, 0.1) == [(0, 0), (2, 0), (2, 2), (0, 2), (0, 0)]


def test_douglas_peucker_keeps_a_bump_larger_than_the_tolerance_and_drops_a_smaller_one():
    ring = [(0, 0), (1, 0.05), (2, 0), (2, 2), (1, 2.5), (0, 2), (0, 0)]
    assert geo.simplify(ring, 0.1) == [(0, 0), (2, 0), (2, 2), (1, 2.5), (0, 2), (0, 0)]


def test_douglas_peucker_closes_an_open_ring():
    assert geo.simplify([(0, 0), (1, 0), (1, 1), (0, 1)], 0.01) == [
        (0, 0),
        (1, 0),
        (1, 1),
        (0, 1),
        (0, 0),
    ]


def test_a_ring_smaller_than_the_tolerance_survives_as_a_closed_triangle():
    ring = [(0, 0), (0.001, 0), (0.002, 0.0005), (0.001, 0.001), (0, 0.001), (0, 0)]
    kept = geo.simplify(ring, 1.0)
    assert len(kept) == 4
    assert kept[0] == kept[-1] == (0, 0)
    assert geo.ring_area(kept) != 0


def test_douglas_peucker_handles_a_ring_too_big_for_recursion():
    n = 20_000
    circle = [(math.cos(2 * math.pi * i / n), math.sin(2 * math.pi * i / n)) for i in range(n)]
    circle.append(circle[0])
    kept = geo.simplify(circle, 0.001)
    assert kept[0] == kept[-1]
    assert 20 < len(kept) < 200


def test_enclaves_are_drawn_after_the_province_around_them(provinces):
    order = [s.code for s in provinces]
    assert order.index("11") > order.index("41")  # Seoul over Gyeonggi
    assert order.index("27") > order.index("47")  # Daegu over Gyeongbuk
    assert order.index("36") > order.index("44")  # Sejong over Chungnam
    assert order.index("30") > order.index("44")  # Daejeon over Chungnam
    assert order.index("29") > order.index("46")  # Gwangju over Jeonnam


def test_hole_rings_are_not_drawn_as_filled_polygons(provinces):
    # Jeonnam's exterior has a hole where Gwangju is; it must not come back as a ring
    # of its own, or plotly would fill it in Jeonnam's colour over Gwangju.
    jeonnam = next(s for s in provinces if s.code == "46")
    gwangju = next(s for s in provinces if s.code == "29")
    for ring in rings(jeonnam):
        assert not (
            min(x for x, _ in ring) > gwangju.label_x - 0.2
            and max(x for x, _ in ring) < gwangju.label_x + 0.2
            and min(y for _, y in ring) > gwangju.label_y - 0.2
            and max(y for _, y in ring) < gwangju.label_y + 0.2
        )


def test_each_label_point_lies_inside_its_regions_bounding_box(provinces):
    for shape in provinces:
        min_x, min_y, max_x, max_y = geo.bounds([shape])
        assert min_x <= shape.label_x <= max_x, shape.code
        assert min_y <= shape.label_y <= max_y, shape.code


def test_each_label_point_lies_on_its_regions_largest_ring(provinces):
    for shape in provinces:
        largest = max(rings(shape), key=lambda r: abs(geo.ring_area(r)))
        assert geo.point_in_ring(largest, shape.label_x, shape.label_y), shape.code


def test_the_centroid_of_a_square_is_its_middle():
    assert geo.ring_centroid([(0, 0), (2, 0), (2, 2), (0, 2), (0, 0)]) == (1.0, 1.0)
    assert geo.ring_area([(0, 0), (2, 0), (2, 2), (0, 2), (0, 0)]) == 4.0


def test_aspect_stretches_latitude_for_korea():
    assert geo.ASPECT == pytest.approx(1 / math.cos(math.radians(36)))
    assert 1.2 < geo.ASPECT < 1.3


def test_municipalities_are_250_shapes_each_under_one_of_the_17_provinces():
    municipalities = geo.municipality_shapes(MUNICIPALITIES)
    assert len(municipalities) == 250
    assert len({s.code for s in municipalities}) == 250
    assert all(len(s.code) == 5 for s in municipalities)
    assert {s.parent for s in municipalities} == REGION_CODES
    for shape in municipalities:
        assert shape.xs and shape.name_ko
        for ring in rings(shape):
            assert ring[0] == ring[-1]
    assert point_count(municipalities) < raw_point_count(MUNICIPALITIES) / 4


def test_the_loaders_are_cached():
    assert geo.province_shapes(PROVINCES) is geo.province_shapes(PROVINCES)
    assert geo.municipality_shapes(MUNICIPALITIES) is geo.municipality_shapes(MUNICIPALITIES)


def test_shapes_are_frozen(provinces):
    with pytest.raises(AttributeError):
        provinces[0].code = "99"
