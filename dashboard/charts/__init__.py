"""Figures for the dashboards, built as plain dicts for plotly.js.

This is the only package that knows plotly's figure format. Plain dicts, not `graph_objects`:
validation there made a chart page ten times slower. Nothing here queries the database.

plotly.js reads a little HTML (<b>, <br>, <a href>, entities) in every trace name, label,
hover text and title it draws, so every text that comes from data (names of regions, plans,
strategies, tasks, series, units) goes into a figure through `_text()` (base.py), escaped, and
shows exactly as typed. Hover templates hold only our own text and placeholders. The data tables
and CSV downloads use the plain values (the templates escape them as HTML).

    base.py      the Chart, status colours and labels, fonts, layout, text and number helpers
    kpi.py       one KPI's chart (observed, path, target, forecast) and its sparkline
    overview.py  the national overview: status bars, the map, investment, alignment (Sankey)
    compare.py   one series across regions: ranked bars and lines over the years

The rest of the site uses the names below, as `charts.<name>`.
"""

from dashboard.charts.base import STATUS_LABELS, STATUS_STYLE, Chart, plain, status_label
from dashboard.charts.compare import compare_bars_chart, compare_lines_chart
from dashboard.charts.kpi import kpi_chart, sparkline
from dashboard.charts.overview import alignment_chart, investment_chart, map_chart, status_chart

__all__ = [
    "STATUS_LABELS",
    "STATUS_STYLE",
    "Chart",
    "alignment_chart",
    "compare_bars_chart",
    "compare_lines_chart",
    "investment_chart",
    "kpi_chart",
    "map_chart",
    "plain",
    "sparkline",
    "status_chart",
    "status_label",
]
