import csv

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.text import slugify
from django.views.decorators.clickjacking import xframe_options_exempt

from dashboard import charts, queries
from indicators import queries as indicator_queries


def overview(request):
    data = queries.national_overview(series=request.GET.get("series"), year=request.GET.get("year"))
    return render(
        request,
        "dashboard/overview.html",
        {
            "overview": data,
            "status_styles": charts.STATUS_STYLE,
            "status_chart": charts.status_chart(data.plans),
            "map_chart": charts.map_chart(data.series_map),
            "investment_chart": charts.investment_chart(data.budgets),
            "alignment_chart": charts.alignment_chart(data.national_tasks),
        },
    )


def region(request, code):
    board = queries.region_dashboard(code)
    cards = [
        (plan, [kpi_card(indicator) for indicator in plan.dashboard_indicators])
        for plan in board.plans
    ]
    return render(request, "dashboard/region.html", {"board": board, "cards": cards})


def kpi_card(indicator, revisions=()):
    return {
        "indicator": indicator,
        "assessment": indicator.assessment,
        "chart": charts.kpi_chart(indicator, revisions),
        "sparkline": charts.sparkline(indicator.approved_points, direction=indicator.direction),
    }


def kpi(request, key, kpi):
    indicator, revisions = queries.kpi_page(key, kpi)
    user = request.user
    return render(
        request,
        "dashboard/kpi.html",
        {
            "history": indicator_queries.value_history(indicator, user),
            "may_reopen": user.has_perm("indicators.reopen_value", indicator),
            "may_revise": user.has_perm("indicators.revise_target", indicator),
            "card": kpi_card(indicator, revisions),
            "indicator": indicator,
            "plan": indicator.plan,
            "revisions": revisions,
            "observations": indicator.approved_observations,
            "thresholds": {
                "substantial": charts.progress.SUBSTANTIAL,
                "moderate": charts.progress.MODERATE,
                "limited": charts.progress.LIMITED,
            },
        },
    )


def compare(request):
    comparison = queries.comparison(series=request.GET.get("series"), year=request.GET.get("year"))
    return render(
        request,
        "dashboard/compare.html",
        {
            "comparison": comparison,
            "bars_chart": charts.compare_bars_chart(comparison),
            "lines_chart": charts.compare_lines_chart(comparison),
        },
    )


def _kpi_chart(params):
    indicator, revisions = queries.kpi_page(params.get("plan", ""), params.get("kpi", ""))
    return charts.kpi_chart(indicator, revisions)


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


def _chart(request, kind) -> charts.Chart:
    build = CHARTS.get(kind)
    if build is None:
        raise Http404("No such chart.")
    return build(request.GET)


@xframe_options_exempt
def chart_embed(request, kind):
    """The chart alone, for other sites to frame (header and footer left out)."""
    return render(request, "dashboard/embed.html", {"chart": _chart(request, kind)})


def chart_csv(request, kind):
    """The chart's data as CSV (UTF-8 with BOM, so Korean Excel opens it correctly)."""
    chart = _chart(request, kind)
    name = slugify(f"{kind}-{'-'.join(chart.params.values())}") or kind
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([str(column) for column in chart.columns])
    for row in chart.rows:
        writer.writerow([charts.plain(cell) for cell in row])
    return response
