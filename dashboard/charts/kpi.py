"""One KPI's chart (observed values, the straight path to the target, the target, the original
target when it was revised, the trend forecast) and the sparkline of its card."""

from __future__ import annotations

from django.utils.translation import gettext as _

from dashboard.charts.base import (
    FORECAST,
    OBSERVED,
    PATH,
    TARGET,
    Chart,
    _layout,
    _num,
    _text,
    _unit_label,
    _year,
    status_label,
    unit_text,
)
from indicators import entry, progress

HOVER = "%{x}: %{customdata}<extra>%{fullData.name}</extra>"


def kpi_chart(indicator, revisions=(), *, ranked: int) -> Chart:
    """Observed values, the straight path to the target, the target and the forecast (a rank
    is out of `ranked` regions)."""
    points = indicator.approved_points
    forecast = progress.forecast_line(
        baseline=(indicator.baseline_year, indicator.baseline_value),
        observations=points,
        years=[indicator.baseline_year, indicator.target_year],
    )
    figure = {
        "data": _kpi_traces(indicator, points, revisions, forecast),
        "layout": _layout(
            height=360,
            xaxis={"dtick": 1, "gridcolor": "#eeeeee"},
            yaxis=_kpi_yaxis(indicator, points, forecast, ranked),
        ),
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
        description=_kpi_description(indicator),
        notes=notes,
        provisional=indicator.provisional,
        note_en=indicator.note_en,
    )


def _kpi_traces(indicator, points, revisions, forecast) -> list[dict]:
    """The traces, in legend order: observed, path to target, target, the original target when
    it was revised, and the forecast when there is one."""
    unit = indicator.unit
    baseline = (indicator.baseline_year, indicator.baseline_value)
    target = (indicator.target_year, indicator.target_value)
    data = [
        _trace(
            "lines+markers",
            _("Observed (approved)"),
            points,
            unit,
            line={"color": OBSERVED, "width": 3},
            marker={"size": 8},
        ),
        _trace(
            "lines",
            _("Path to target"),
            [baseline, target],
            unit,
            line={"color": PATH, "dash": "dot", "width": 2},
        ),
        _trace(
            "markers",
            _("Target"),
            [target],
            unit,
            marker={"symbol": "star", "size": 16, "color": TARGET},
        ),
    ]
    if any(not revision.original for revision in revisions):
        original = revisions[0]
        data.append(
            _trace(
                "markers",
                _("Original target"),
                [(original.target_year, original.target_value)],
                unit,
                marker={"symbol": "star-open", "size": 14, "color": TARGET},
            )
        )
    if forecast:
        data.append(
            _trace(
                "lines",
                _("Forecast (trend)"),
                forecast,
                unit,
                line={"color": FORECAST, "dash": "dash", "width": 2},
            )
        )
    return data


def _trace(mode: str, name: str, points, unit, **style) -> dict:
    """A scatter trace of (year, value) points that hovers as each value with its unit."""
    return {
        "type": "scatter",
        "mode": mode,
        "name": name,
        "x": [y for y, _v in points],
        "y": [_num(v) for _y, v in points],
        "customdata": [_unit_label(v, unit) for _y, v in points],
        "hovertemplate": HOVER,
        **style,
    }


def _kpi_yaxis(indicator, points, forecast, ranked: int) -> dict:
    """The value axis: titled with the unit, fitted to the values, the target and the forecast,
    and reversed when lower is better."""
    unit = indicator.unit
    yaxis = {
        "title": {"text": _text(unit.symbol or unit.label_en)},
        "gridcolor": "#eeeeee",
        "zeroline": False,
        "range": _value_range(
            [v for _y, v in points] + [indicator.baseline_value, indicator.target_value],
            [v for _y, v in forecast],
            entry.unit_bounds(unit.key, ranked),
        ),
    }
    if indicator.direction == "decrease":
        # Lower is better (ranks): reverse the axis so that "up" always means better.
        yaxis["range"] = yaxis["range"][::-1]
    if unit.key == "rank":
        yaxis["dtick"] = 1
    return yaxis


def _value_range(values, forecast, bounds) -> list[float]:
    """Y range over the values and the target, stretched to the forecast within the unit's
    bounds, so a trend that runs to an impossible rank does not squash the observed line."""
    lows = [float(v) for v in values]
    for value in forecast:
        value = float(value)
        if bounds:
            value = min(max(value, float(bounds[0])), float(bounds[1]))
        lows.append(value)
    low, high = min(lows), max(lows)
    pad = (high - low) * 0.08 or abs(high) * 0.1 or 1
    return [low - pad, high + pad]


def _kpi_description(indicator) -> str:
    """The chart in one sentence: shown under its title and read out with it (aria-label)."""
    unit = indicator.unit
    return _("Baseline %(b)s (%(by)s) → target %(t)s (%(ty)s); status: %(s)s.") % {
        "b": unit_text(indicator.baseline_value, unit),
        "by": indicator.baseline_year,
        "t": unit_text(indicator.target_value, unit),
        "ty": indicator.target_year,
        "s": status_label(indicator.assessment.status),
    }


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
