"""The figures as dashboard/charts builds them, read straight from the functions (the page tests
in test_views.py read them back out of the HTML)."""

from dataclasses import replace

from django.conf import settings
from django.utils import translation

from dashboard import charts, geo, queries
from indicators import services

PROVINCES = str(settings.SEED_DIR / "maps" / "korea-provinces-2018.geojson")


def test_a_revised_target_adds_the_original_target_before_the_forecast(db, ministry):
    indicator, _ = queries.kpi_page("busan-2", "rcostii_rank")
    services.revise_target(
        indicator=indicator, target_year=2027, target_value="4", reason="상향", by=ministry.user
    )
    with translation.override("en"):
        figure = charts.kpi_chart(*queries.kpi_page("busan-2", "rcostii_rank"), ranked=17).figure
    names = [trace["name"] for trace in figure["data"]]
    assert names == [
        "Observed (approved)",
        "Path to target",
        "Target",
        "Original target",
        "Forecast (trend)",
    ]
    target, original = figure["data"][2:4]
    assert (target["x"], target["y"]) == ([2027], [4.0])
    assert (original["x"], original["y"]) == ([2027], [5.0])
    assert original["marker"]["symbol"] == "star-open"


def test_a_forecast_past_first_place_stretches_the_rank_axis_only_to_first_place(db):
    figure = charts.kpi_chart(*queries.kpi_page("busan-2", "rcostii_rank"), ranked=17).figure
    forecast = figure["data"][-1]
    assert forecast["y"] == [9.0, -9.0]  # the line itself runs past first place
    bottom, top = figure["layout"]["yaxis"]["range"]  # reversed: first place is up
    assert 0 < top < 1 < bottom


def test_the_map_paints_regions_largest_first_then_their_names_then_the_colour_bar(db):
    chart = charts.map_chart(queries.region_map(series="rcostii_rank", year="2022"))
    *fills, labels, scale = chart.figure["data"]
    # geo's order, largest first: an enclave (Gwangju in Jeonnam) is painted over its parent.
    assert [fill["x"] for fill in fills] == [list(s.xs) for s in geo.province_shapes(PROVINCES)]
    assert labels["mode"] == "text"
    assert labels["text"] == [fill["name"] for fill in fills]
    assert labels["hovertext"] == [fill["text"] for fill in fills]
    assert scale["marker"]["showscale"] is True
    assert scale["marker"]["reversescale"] is True  # a rank: lower is better


def test_a_map_without_values_is_all_grey_and_draws_no_colour_bar(db):
    series_map = queries.region_map(series="rcostii_rank", year="2022")
    series_map.map_rows = [replace(row, value=None) for row in series_map.map_rows]
    *fills, labels = charts.map_chart(series_map).figure["data"]
    assert len(fills) == 17
    assert {fill["fillcolor"] for fill in fills} == {"#e4e4e4"}
    assert labels["mode"] == "text"
