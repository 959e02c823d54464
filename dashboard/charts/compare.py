"""One series across the regions: the regions ranked in a year (bars, each with its own
target) and every region's values over the years (lines; a bump chart for ranks)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.numbers import format_number
from dashboard.charts.base import OBSERVED, TARGET, Chart, _layout, _num, _text, _year
from indicators import entry


def compare_bars_chart(comparison) -> Chart:
    """Regions ranked by the series in a year, best first, with their own targets."""
    info, year = comparison.series, comparison.year
    ranked = [row for row in comparison.bars if row.value is not None]
    names = [_text(row.region.short) for row in ranked]
    bar = {
        "type": "bar",
        "orientation": "h",
        "name": _text(info.name),
        "y": names,
        "x": [_num(row.value) for row in ranked],
        "marker": {"color": OBSERVED},
        "text": [format_number(row.value, 3) for row in ranked],
        "textposition": "auto",
        "hovertemplate": "%{y}: %{text}<extra></extra>",
    }
    bounds = entry.unit_bounds(info.unit, len(comparison.regions)) if info.unit == "rank" else None
    if bounds:
        # A rank bar grows from the last place, so first place has the longest bar.
        worst = float(bounds[1]) + 0.5
        bar["base"] = worst
        bar["x"] = [_num(row.value) - worst for row in ranked]
    data = [bar]
    with_target = [row for row in ranked if row.target is not None]
    if with_target:
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": _("The region's own target"),
                "y": [_text(row.region.short) for row in with_target],
                "x": [_num(row.target.target_value) for row in with_target],
                "customdata": [row.target.target_year for row in with_target],
                "marker": {"symbol": "star", "size": 14, "color": TARGET},
                "hovertemplate": "%{y}: " + _("target") + " %{x} (%{customdata})<extra></extra>",
            }
        )
    xaxis = {"gridcolor": "#eeeeee", "title": {"text": _text(info.name)}}
    if bounds:
        xaxis.update(range=[float(bounds[1]) + 0.5, float(bounds[0]) - 0.5], dtick=1)
    elif info.direction == "decrease":
        xaxis["autorange"] = "reversed"
    figure = {
        "data": data,
        "layout": _layout(
            height=max(260, 60 + 28 * len(names)),
            margin={"l": 72, "r": 16, "t": 8, "b": 64},
            yaxis={"autorange": "reversed"},
            xaxis=xaxis,
        ),
    }
    rows = [
        [
            str(row.rank or ""),
            row.region.code,
            row.region.name,
            row.value,
            row.target.target_value if row.target else None,
            _year(row.target.target_year) if row.target else "",
        ]
        for row in comparison.bars
    ]
    return Chart(
        kind="compare-bars",
        params={"series": info.key, "year": _year(year)},
        title=f"{info.name} ({year})",
        figure=figure,
        columns=[_("Rank"), _("Code"), _("Region"), _("Value"), _("Target"), _("Target year")],
        rows=rows,
        notes=[str(info.note)] if info.note else [],
    )


def compare_lines_chart(comparison) -> Chart:
    """Each region's values across years (a bump chart for ranks), with its own target."""
    info = comparison.series
    palette = [
        "#0072B2",
        "#E69F00",
        "#009E73",
        "#D55E00",
        "#CC79A7",
        "#56B4E9",
        "#F0E442",
        "#000000",
    ]
    data, rows = [], []
    for i, region in enumerate(comparison.regions):
        points = comparison.lines.get(region.code)
        if not points:
            continue
        colour = palette[i % len(palette)]
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": _text(region.short),
                "x": [y for y, _v in points],
                "y": [_num(v) for _y, v in points],
                "line": {"color": colour, "dash": "solid" if i < len(palette) else "dot"},
                "hovertemplate": "%{fullData.name} %{x}: %{y}<extra></extra>",
            }
        )
        target = comparison.targets.get(region.code)
        if target is not None:
            data.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "showlegend": False,
                    "name": _text(region.short + " " + _("target")),
                    "x": [target.target_year],
                    "y": [_num(target.target_value)],
                    "marker": {
                        "symbol": "star",
                        "size": 14,
                        "color": colour,
                        "line": {"color": "#000", "width": 1},
                    },
                    "hovertemplate": "%{fullData.name} %{x}: %{y}<extra></extra>",
                }
            )
        rows += [[region.code, region.name, str(y), v] for y, v in points]
    yaxis = {"gridcolor": "#eeeeee", "title": {"text": _text(info.name)}}
    if info.unit == "rank":
        low, high = (float(b) for b in entry.unit_bounds("rank", len(comparison.regions)))
        yaxis.update(range=[high + 0.5, low - 0.5], dtick=1)
    elif info.direction == "decrease":
        yaxis["autorange"] = "reversed"
    figure = {
        "data": data,
        "layout": _layout(
            height=460,
            xaxis={"dtick": 1, "gridcolor": "#eeeeee"},
            yaxis=yaxis,
            legend={"orientation": "v", "x": 1.02, "y": 1},
            margin={"l": 56, "r": 110, "t": 16, "b": 48},
        ),
    }
    notes = [_("Stars mark each region's own plan target for this series.")]
    if not info.comparable_across_years:
        notes.insert(0, str(info.note))
    return Chart(
        kind="compare-lines",
        params={"series": info.key},
        title=info.name,
        figure=figure,
        columns=[_("Code"), _("Region"), _("Year"), _("Value")],
        rows=rows,
        notes=notes,
    )
