import csv

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.text import slugify
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from core.cache import public_page
from core.spreadsheets import safe_cell
from dashboard import charts, queries, screens
from indicators import progress
from indicators import queries as indicator_queries
from plans import queries as plan_queries
from regions.access import may


@require_safe
@public_page
def home(request):
    return render(
        request,
        "dashboard/home.html",
        {
            "national_plans": queries.national_plans(),
            "regions": plan_queries.regions_with_plans(),
        },
    )


@require_safe
@public_page
def plan_detail(request, key):
    plan = queries.plan_page(key)
    return render(
        request,
        "dashboard/plan_detail.html",
        {"plan": plan, "budget_rows": plan_queries.budget_rows(plan)},
    )


@require_safe
@public_page
def task_detail(request, key, code):
    task, serving = queries.task_page(key, code)
    return render(
        request,
        "dashboard/task_detail.html",
        {"task": task, "plan": task.strategy.plan, "serving": serving},
    )


@require_safe
@public_page
def region_detail(request, code):
    region, plans = queries.region_page(code)
    return render(request, "dashboard/region_detail.html", {"region": region, "plans": plans})


@require_safe
@public_page
def overview(request):
    context = screens.overview(series=request.GET.get("series"), year=request.GET.get("year"))
    return render(request, "dashboard/overview.html", context)


@require_safe
@public_page
def region(request, code):
    return render(request, "dashboard/region.html", screens.region(code, request.GET.get("plan")))


@require_safe
@public_page
def kpi(request, key, kpi):
    indicator, revisions = queries.kpi_page(key, kpi)
    user = request.user
    return render(
        request,
        "dashboard/kpi.html",
        {
            "history": indicator_queries.value_history(indicator, user),
            "may_reopen": may(user, "indicators.reopen_value", indicator),
            "may_revise": may(user, "indicators.revise_target", indicator),
            "card": screens.kpi_card(indicator, revisions),
            "indicator": indicator,
            "plan": indicator.plan,
            "revisions": revisions,
            "observations": indicator.approved_observations,
            "thresholds": {
                "substantial": progress.SUBSTANTIAL,
                "moderate": progress.MODERATE,
                "limited": progress.LIMITED,
            },
        },
    )


@require_safe
@public_page
def compare(request):
    context = screens.compare(series=request.GET.get("series"), year=request.GET.get("year"))
    return render(request, "dashboard/compare.html", context)


def _chart(request, kind) -> charts.Chart:
    chart = screens.chart(kind, request.GET)
    if chart is None:
        raise Http404("No such chart.")
    return chart


@require_safe
@xframe_options_exempt
@public_page
def chart_embed(request, kind):
    """The chart alone, for other sites to frame (header and footer left out)."""
    return render(request, "dashboard/embed.html", {"chart": _chart(request, kind)})


@require_safe
@public_page
def chart_csv(request, kind):
    """The chart's data as CSV (UTF-8 with BOM, so Korean Excel opens it correctly)."""
    chart = _chart(request, kind)
    name = slugify(f"{kind}-{'-'.join(chart.params.values())}") or kind
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([safe_cell(str(column)) for column in chart.columns])
    for row in chart.rows:
        writer.writerow([safe_cell(charts.plain(cell)) for cell in row])
    return response
