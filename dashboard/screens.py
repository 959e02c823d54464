"""What each public dashboard shows — its rows and figures — cached under the data version.

Views render these; the refresh job calls `warm_cache` after public figures change.
"""

from django.utils import translation

from core.cache import cached
from dashboard import charts, queries
from indicators import entry
from regions.models import Region


def kpi_card(indicator, revisions=(), *, ranked: int | None = None) -> dict:
    """A KPI's card: its assessment, chart and sparkline (`ranked`: how many regions a rank
    is out of; counted when not given)."""
    ranked = entry.ranked_regions() if ranked is None else ranked
    return {
        "indicator": indicator,
        "assessment": indicator.assessment,
        "chart": charts.kpi_chart(indicator, revisions, ranked=ranked),
        "sparkline": charts.sparkline(indicator.approved_points, direction=indicator.direction),
    }


def overview(*, series=None, year=None) -> dict:
    def build():
        data = queries.national_overview(series=series, year=year)
        return {
            "overview": data,
            "status_styles": charts.STATUS_STYLE,
            "status_chart": charts.status_chart(data.plans),
            "map_chart": charts.map_chart(data.series_map),
            "investment_chart": charts.investment_chart(data.budgets),
            "alignment_chart": charts.alignment_chart(data.national_tasks),
        }

    return cached("overview", build, series or "", year or "")


def region(code: str, plan: str | None = None) -> dict:
    def build():
        board = queries.region_dashboard(code, plan)
        ranked = entry.ranked_regions()
        return {
            "board": board,
            "cards": [kpi_card(i, ranked=ranked) for i in board.indicators],
            "status_order": queries.STATUS_ORDER,
        }

    return cached("region", build, code, plan or "")


def compare(*, series=None, year=None) -> dict:
    def build():
        comparison = queries.comparison(series=series, year=year)
        return {
            "comparison": comparison,
            "bars_chart": charts.compare_bars_chart(comparison),
            "lines_chart": charts.compare_lines_chart(comparison),
        }

    return cached("compare", build, series or "", year or "")


def _kpi_chart(params):
    indicator, revisions = queries.kpi_page(params.get("plan", ""), params.get("kpi", ""))
    return charts.kpi_chart(indicator, revisions, ranked=entry.ranked_regions())


CHARTS = {
    "kpi": _kpi_chart,
    "status": lambda params: charts.status_chart(queries.national_overview().plans),
    "map": lambda params: charts.map_chart(
        queries.region_map(series=params.get("series"), year=params.get("year"))
    ),
    "investment": lambda params: charts.investment_chart(queries.national_budgets()),
    "alignment": lambda params: charts.alignment_chart(
        queries.national_tasks_with_regional_links()
    ),
    "compare-bars": lambda params: charts.compare_bars_chart(
        queries.comparison(series=params.get("series"), year=params.get("year"))
    ),
    "compare-lines": lambda params: charts.compare_lines_chart(
        queries.comparison(series=params.get("series"))
    ),
}


def chart(kind: str, params) -> charts.Chart | None:
    """One chart by kind and its query parameters, or None for an unknown kind."""
    build = CHARTS.get(kind)
    if build is None:
        return None
    keyed = sorted((k, v) for k, v in params.items() if k in ("plan", "kpi", "series", "year"))
    return cached("chart", lambda: build(params), kind, *[f"{k}={v}" for k, v in keyed])


def warm_cache() -> int:
    """Build the default dashboards in both languages so the first visitor waits for nothing."""
    built = 0
    for language in ("ko", "en"):
        with translation.override(language):
            overview()
            compare()
            built += 2
            for code in Region.objects.values_list("code", flat=True):
                region(code)
                built += 1
    return built
