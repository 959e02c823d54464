"""Figures for the dashboards, built as plain dicts for plotly.js.

This is the only module that knows plotly's figure format. Plain dicts, not `graph_objects`:
validation there made a chart page ten times slower. Nothing here queries the database.

plotly.js reads a little HTML (<b>, <br>, <a href>, entities) in every trace name, label,
hover text and title it draws, so every text that comes from data (names of regions, plans,
strategies, tasks, series, units) goes into a figure through `_text()`, escaped, and shows
exactly as typed. Hover templates hold only our own text and placeholders. The data tables and
CSV downloads use the plain values (the templates escape them as HTML).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dashboard import geo
from indicators import progress
from indicators.progress import ProgressStatus
from indicators.templatetags.kpi import format_number, kpi_value, plain_number

# Okabe–Ito colours (safe for the common colour-vision deficiencies), each with an icon so
# colour is never the only signal.
STATUS_STYLE = {
    ProgressStatus.TARGET_ACHIEVED: ("#009E73", "★"),
    ProgressStatus.SUBSTANTIAL_PROGRESS: ("#0072B2", "▲"),
    ProgressStatus.MODERATE_PROGRESS: ("#56B4E9", "△"),
    ProgressStatus.LIMITED_PROGRESS: ("#E69F00", "◇"),
    ProgressStatus.DETERIORATION: ("#D55E00", "▼"),
    ProgressStatus.NOT_AVAILABLE: ("#999999", "–"),
}
STATUS_LABELS = {
    ProgressStatus.TARGET_ACHIEVED: gettext_lazy("Target achieved"),
    ProgressStatus.SUBSTANTIAL_PROGRESS: gettext_lazy("Substantial progress"),
    ProgressStatus.MODERATE_PROGRESS: gettext_lazy("Moderate progress"),
    ProgressStatus.LIMITED_PROGRESS: gettext_lazy("Limited progress"),
    ProgressStatus.DETERIORATION: gettext_lazy("Deterioration"),
    ProgressStatus.NOT_AVAILABLE: gettext_lazy("No data yet"),
}
BLUES = [
    "#f7fbff",
    "#deebf7",
    "#c6dbef",
    "#9ecae1",
    "#6baed6",
    "#4292c6",
    "#2171b5",
    "#08519c",
    "#08306b",
]
NO_DATA = "#e4e4e4"
FONT = '"Pretendard", "Apple SD Gothic Neo", "Noto Sans KR", "Malgun Gothic", sans-serif'
OBSERVED, PATH, TARGET, FORECAST = "#0072B2", "#7f7f7f", "#D55E00", "#CC79A7"


@dataclass
class Chart:
    """A figure with the same data as a table, a CSV download and an embeddable page."""

    kind: str
    params: dict[str, str]
    title: str
    figure: dict
    columns: list[str]
    rows: list[list]
    description: str = ""
    notes: list[str] = field(default_factory=list)
    provisional: bool = False
    note_en: str = ""

    @property
    def dom_id(self) -> str:
        return slugify("chart-" + self.kind + "-" + "-".join(self.params.values()))

    @property
    def figure_id(self) -> str:
        return self.dom_id + "-figure"

    @property
    def query(self) -> str:
        return urlencode(self.params)

    @property
    def height(self) -> int:
        return self.figure["layout"].get("height", 400)


def status_label(status: str) -> str:
    return str(STATUS_LABELS[status])


def _layout(**extra) -> dict:
    layout = {
        "font": {"family": FONT, "size": 13},
        "margin": {"l": 56, "r": 16, "t": 16, "b": 48},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "#ffffff",
        "separators": ".,",
        "hoverlabel": {"font": {"family": FONT}},
        "legend": {"orientation": "h", "y": -0.18},
    }
    layout.update(extra)
    return layout


def _text(value) -> str:
    """Data text for plotly.js, which would read tags and entities in it: escaped."""
    return html.escape(str(value), quote=False)


def _num(value) -> float | None:
    # plotly.js needs JSON numbers; the exact Decimal stays in the table and the CSV.
    return None if value is None else float(value)


def _year(value) -> str:
    return "" if value is None else str(value)


def unit_text(value, unit) -> str:
    return kpi_value(value, unit)


def _unit_label(value, unit) -> str:
    """A value with its unit inside a figure (escaped: the unit is data)."""
    return _text(unit_text(value, unit))


# --------------------------------------------------------------------------- KPI


def kpi_chart(indicator, revisions=()) -> Chart:
    """Observed values, the straight path to the target, the target and the forecast."""
    points = indicator.approved_points
    assessment = indicator.assessment
    unit = indicator.unit
    baseline = (indicator.baseline_year, indicator.baseline_value)
    target = (indicator.target_year, indicator.target_value)
    hover = "%{x}: %{customdata}<extra>%{fullData.name}</extra>"
    data = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": _("Observed (approved)"),
            "x": [y for y, _v in points],
            "y": [_num(v) for _y, v in points],
            "customdata": [_unit_label(v, unit) for _y, v in points],
            "hovertemplate": hover,
            "line": {"color": OBSERVED, "width": 3},
            "marker": {"size": 8},
        },
        {
            "type": "scatter",
            "mode": "lines",
            "name": _("Path to target"),
            "x": [baseline[0], target[0]],
            "y": [_num(baseline[1]), _num(target[1])],
            "customdata": [_unit_label(baseline[1], unit), _unit_label(target[1], unit)],
            "hovertemplate": hover,
            "line": {"color": PATH, "dash": "dot", "width": 2},
        },
        {
            "type": "scatter",
            "mode": "markers",
            "name": _("Target"),
            "x": [target[0]],
            "y": [_num(target[1])],
            "customdata": [_unit_label(target[1], unit)],
            "hovertemplate": hover,
            "marker": {"symbol": "star", "size": 16, "color": TARGET},
        },
    ]
    if any(not revision.original for revision in revisions):
        revision = revisions[0]
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": _("Original target"),
                "x": [revision.target_year],
                "y": [_num(revision.target_value)],
                "customdata": [_unit_label(revision.target_value, unit)],
                "hovertemplate": hover,
                "marker": {"symbol": "star-open", "size": 14, "color": TARGET},
            }
        )
    forecast = progress.forecast_line(
        baseline=baseline,
        observations=points,
        years=[indicator.baseline_year, indicator.target_year],
    )
    if forecast:
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": _("Forecast (trend)"),
                "x": [y for y, _v in forecast],
                "y": [_num(v) for _y, v in forecast],
                "customdata": [_unit_label(v, unit) for _y, v in forecast],
                "hovertemplate": hover,
                "line": {"color": FORECAST, "dash": "dash", "width": 2},
            }
        )
    yaxis = {
        "title": {"text": _text(unit.symbol or unit.label_en)},
        "gridcolor": "#eeeeee",
        "zeroline": False,
        "range": _value_range(
            [v for _y, v in points] + [baseline[1], target[1]], [v for _y, v in forecast], unit.key
        ),
    }
    if indicator.direction == "decrease":
        # Lower is better (ranks): reverse the axis so that "up" always means better.
        yaxis["range"] = yaxis["range"][::-1]
    if unit.key == "rank":
        yaxis["dtick"] = 1
    figure = {
        "data": data,
        "layout": _layout(height=360, xaxis={"dtick": 1, "gridcolor": "#eeeeee"}, yaxis=yaxis),
    }
    rows = [[_year(y), v, "approved"] for y, v in points]
    notes = []
    if indicator.direction == "decrease":
        notes.append(_("Lower is better: the axis is reversed so that up means better."))
    return Chart(
        kind="kpi",
        params={"plan": indicator.plan.key, "kpi": indicator.key},
        title=indicator.name,
        figure=figure,
        columns=[_("Year"), _("Value"), _("Status")],
        rows=rows,
        description=_("Baseline %(b)s (%(by)s) → target %(t)s (%(ty)s); status: %(s)s.")
        % {
            "b": unit_text(baseline[1], unit),
            "by": baseline[0],
            "t": unit_text(target[1], unit),
            "ty": target[0],
            "s": status_label(assessment.status),
        },
        notes=notes,
        provisional=indicator.provisional,
        note_en=indicator.note_en,
    )


# Values a unit can take: a forecast running past them is cut off at the chart's edge.
UNIT_BOUNDS = {"rank": (1, 17), "pct": (0, 100)}


def _value_range(values, forecast, unit_key: str) -> list[float]:
    """Y range over the values and the target, stretched to the forecast within the unit's
    bounds, so a trend that runs to an impossible rank does not squash the observed line."""
    lows = [float(v) for v in values]
    bounds = UNIT_BOUNDS.get(unit_key)
    for value in forecast:
        value = float(value)
        if bounds:
            value = min(max(value, bounds[0]), bounds[1])
        lows.append(value)
    low, high = min(lows), max(lows)
    pad = (high - low) * 0.08 or abs(high) * 0.1 or 1
    return [low - pad, high + pad]


def sparkline(points, *, direction: str, width: int = 120, height: int = 32) -> str:
    """SVG polyline points for a tiny trend line ('' with fewer than two values)."""
    if len(points) < 2:
        return ""
    years = [y for y, _v in points]
    values = [float(v) for _y, v in points]
    x0, x1 = min(years), max(years)
    low, high = min(values), max(values)
    span_x, span_y = (x1 - x0) or 1, (high - low) or 1
    coords = []
    for year, value in zip(years, values, strict=True):
        x = 2 + (year - x0) / span_x * (width - 4)
        share = (value - low) / span_y
        if direction == "decrease":
            share = 1 - share  # better is up, as on the full chart
        y = height - 2 - share * (height - 4)
        coords.append(f"{x:.1f},{y:.1f}")
    return " ".join(coords)


# --------------------------------------------------------------------------- overview


def status_chart(plan_rows) -> Chart:
    """Stacked bars: how many KPIs of each plan are in each status."""
    names = [row.plan.region.short if row.plan.region else _("National") for row in plan_rows]
    labels = [_text(name) for name in names]
    data = []
    for status, (colour, icon) in STATUS_STYLE.items():
        counts = [row.counts.get(status, 0) for row in plan_rows]
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": f"{icon} {status_label(status)}",
                "y": labels,
                "x": counts,
                "marker": {"color": colour},
                "hovertemplate": "%{y}: %{x}<extra>%{fullData.name}</extra>",
            }
        )
    figure = {
        "data": data,
        "layout": _layout(
            barmode="stack",
            height=max(220, 70 + 34 * len(names)),
            margin={"l": 120, "r": 16, "t": 16, "b": 64},
            xaxis={"title": {"text": _("Number of KPIs")}, "dtick": 1, "gridcolor": "#eeeeee"},
            yaxis={"autorange": "reversed"},
        ),
    }
    statuses = list(STATUS_STYLE)
    rows = [
        [name] + [row.counts.get(s, 0) for s in statuses] + [row.total]
        for name, row in zip(names, plan_rows, strict=True)
    ]
    return Chart(
        kind="status",
        params={},
        title=_("KPI status by plan"),
        figure=figure,
        columns=[_("Plan")] + [status_label(s) for s in statuses] + [_("Total")],
        rows=rows,
    )


def _blue(share: float) -> str:
    """Colour at `share` (0..1) along the sequential blue scale."""
    share = min(max(share, 0.0), 1.0) * (len(BLUES) - 1)
    low = int(share)
    high = min(low + 1, len(BLUES) - 1)
    frac = share - low
    a, b = BLUES[low], BLUES[high]
    mix = [
        round(int(a[i : i + 2], 16) * (1 - frac) + int(b[i : i + 2], 16) * frac) for i in (1, 3, 5)
    ]
    return "#" + "".join(f"{c:02x}" for c in mix)


def map_chart(series_map) -> Chart:
    """The 17 regions coloured by a series in a year (darker = better); grey = no value."""
    info, year = series_map.series, series_map.year
    rows_by_code = {row.region.code: row for row in series_map.map_rows}
    values = [float(r.value) for r in series_map.map_rows if r.value is not None]
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    span = (high - low) or 1.0
    shapes = geo.province_shapes(str(settings.SEED_DIR / "maps" / "korea-provinces-2018.geojson"))
    data, hover_text = [], {}
    for shape in shapes:
        row = rows_by_code.get(shape.code)
        if row is None:
            continue
        if row.value is None:
            colour, shown = NO_DATA, _("no data")
        else:
            share = (float(row.value) - low) / span
            colour = _blue(1 - share if info.direction == "decrease" else share)
            shown = format_number(row.value, 3)
        hover_text[shape.code] = _text(f"{row.region.name}: {shown}")
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "fill": "toself",
                "fillcolor": colour,
                "x": list(shape.xs),
                "y": list(shape.ys),
                "name": _text(row.region.short),
                "line": {"color": "#ffffff", "width": 1},
                "hoveron": "fills",
                "text": hover_text[shape.code],
                "hoverinfo": "text",
                "showlegend": False,
            }
        )
    labelled = [s for s in shapes if s.code in rows_by_code]
    # Labels carry the hover too: an enclave (Gwangju in Jeonnam) is inside two fills.
    data.append(
        {
            "type": "scatter",
            "mode": "text",
            "hoverinfo": "text",
            "showlegend": False,
            "x": [s.label_x for s in labelled],
            "y": [s.label_y for s in labelled],
            "text": [_text(rows_by_code[s.code].region.short) for s in labelled],
            "hovertext": [hover_text[s.code] for s in labelled],
            "textfont": {"size": 11, "color": "#1d2433"},
        }
    )
    if values:
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "hoverinfo": "skip",
                "showlegend": False,
                "x": [shapes[0].label_x] * 2,
                "y": [shapes[0].label_y] * 2,
                "marker": {
                    "size": 0.1,
                    "opacity": 0,
                    "color": [low, high],
                    "cmin": low,
                    "cmax": high,
                    "colorscale": [[i / (len(BLUES) - 1), c] for i, c in enumerate(BLUES)],
                    "reversescale": info.direction == "decrease",
                    "showscale": True,
                    "colorbar": {
                        "thickness": 12,
                        "len": 0.6,
                        "title": {"text": _text(info.name) if len(info.name) < 14 else ""},
                    },
                },
            }
        )
    min_x, min_y, max_x, max_y = geo.bounds(shapes)
    axis = {"visible": False, "showgrid": False, "zeroline": False, "fixedrange": True}
    figure = {
        "data": data,
        "layout": _layout(
            height=560,
            margin={"l": 0, "r": 0, "t": 0, "b": 0},
            plot_bgcolor="rgba(0,0,0,0)",
            xaxis={**axis, "range": [min_x - 0.1, max_x + 0.1]},
            yaxis={
                **axis,
                "range": [min_y - 0.1, max_y + 0.1],
                "scaleanchor": "x",
                "scaleratio": geo.ASPECT,
            },
            dragmode=False,
        ),
    }
    rows = [
        [row.region.code, row.region.name, row.value, row.source] for row in series_map.map_rows
    ]
    notes = [_("Darker is better; grey regions have no value for this year.")]
    if info.note:
        notes.append(str(info.note))
    return Chart(
        kind="map",
        params={"series": info.key, "year": _year(year)},
        title=f"{info.name} ({year})" if year else info.name,
        figure=figure,
        columns=[_("Code"), _("Region"), _("Value"), _("Source")],
        rows=rows,
        notes=notes,
    )


def investment_chart(budgets) -> Chart:
    """Yearly investment, stacked central / local / private, planned beside actual."""
    years = [str(b.year) for b in budgets]
    bases = [b.get_basis_display() for b in budgets]
    parts = [
        (_("Central government"), "central", "#0072B2"),
        (_("Local government"), "local", "#E69F00"),
        (_("Private sector"), "private", "#009E73"),
    ]
    data = []
    for label, attribute, colour in parts:
        data.append(
            {
                "type": "bar",
                "name": label,
                "x": [years, bases],
                "y": [getattr(b, attribute) for b in budgets],
                "marker": {"color": colour},
                "hovertemplate": "%{x}: %{y:,} "
                + _("100M KRW")
                + "<extra>%{fullData.name}</extra>",
            }
        )
    data.append(
        {
            "type": "bar",
            "name": _("Not broken down"),
            "x": [years, bases],
            "y": [b.total - sum(p or 0 for p in (b.central, b.local, b.private)) for b in budgets],
            "marker": {"color": "#cccccc", "pattern": {"shape": "/"}},
            "hovertemplate": "%{x}: %{y:,} " + _("100M KRW") + "<extra>%{fullData.name}</extra>",
        }
    )
    figure = {
        "data": data,
        "layout": _layout(
            barmode="stack",
            height=380,
            yaxis={"title": {"text": _("100M KRW")}, "tickformat": ",", "gridcolor": "#eeeeee"},
        ),
    }
    rows = [
        [str(b.year), b.get_basis_display(), b.total, b.central, b.local, b.private]
        for b in budgets
    ]
    return Chart(
        kind="investment",
        params={},
        title=_("Investment in the national plan by year"),
        figure=figure,
        columns=[
            _("Year"),
            _("Basis"),
            _("Total"),
            _("Central government"),
            _("Local government"),
            _("Private sector"),
        ],
        rows=rows,
        notes=[
            _(
                "Empty cells were not reported (not zero); grey is the part of the total "
                "not broken down by source."
            )
        ],
    )


def _task_label(task) -> str:
    return f"{task.code} " + (_("Title not yet confirmed") if task.placeholder else task.name)


def alignment_chart(national_tasks) -> Chart:
    """Sankey: national strategies → national tasks → the regional tasks that serve them."""
    labels, colours, index = [], [], {}

    def node(key, label, colour):
        if key not in index:
            index[key] = len(labels)
            labels.append(_text(label))
            colours.append(colour)
        return index[key]

    source, target, value, rows = [], [], [], []
    for task in national_tasks:
        strategy = task.strategy
        s = node(
            ("s", strategy.pk),
            _("Strategy %(n)s") % {"n": strategy.number} + " " + strategy.name,
            "#0072B2",
        )
        t = node(("t", task.pk), _task_label(task), "#56B4E9")
        serving = list(task.served_by.all())
        source.append(s)
        target.append(t)
        value.append(max(1, len(serving)))
        for regional in serving:
            region = regional.strategy.plan.region
            r = node(("r", regional.pk), f"{region.short} {_task_label(regional)}", "#E69F00")
            source.append(t)
            target.append(r)
            value.append(1)
            rows.append(
                [
                    task.code,
                    _task_label(task),
                    region.short,
                    regional.strategy.plan.key,
                    _task_label(regional),
                ]
            )
    figure = {
        "data": [
            {
                "type": "sankey",
                "arrangement": "snap",
                "node": {"label": labels, "color": colours, "pad": 8, "thickness": 14},
                "link": {
                    "source": source,
                    "target": target,
                    "value": value,
                    "color": "rgba(120,120,120,0.25)",
                },
            }
        ],
        "layout": _layout(
            height=max(480, 18 * len(labels)), margin={"l": 8, "r": 8, "t": 8, "b": 8}
        ),
    }
    return Chart(
        kind="alignment",
        params={},
        title=_("How regional tasks serve the national plan"),
        figure=figure,
        columns=[_("National task"), _("Title"), _("Region"), _("Plan"), _("Regional task")],
        rows=rows,
        notes=[
            _(
                "Links are editorial: our reading of which national task a regional task "
                "serves, not an official mapping."
            )
        ],
    )


# --------------------------------------------------------------------------- compare


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
    bounds = UNIT_BOUNDS.get(info.unit) if info.unit == "rank" else None
    if bounds:
        # A rank bar grows from the last place, so first place has the longest bar.
        worst = bounds[1] + 0.5
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
        xaxis.update(range=[bounds[1] + 0.5, bounds[0] - 0.5], dtick=1)
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
        low, high = UNIT_BOUNDS["rank"]
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


def plain(value) -> str:
    """A cell as CSV text: exact decimals without trailing zeros or exponents."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return plain_number(value)
    return str(value)
