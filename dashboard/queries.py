"""Screen data for the public dashboards, in a fixed number of SQL queries.

Only approved values are read: everything here is public. Each function returns plain rows or
dataclasses; `charts/` turns them into figures and templates into tables.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from indicators.models import Indicator, SeriesValue
from indicators.progress import STATUSES
from indicators.series import SeriesInfo, series_info
from plans.models import Budget, Level, Plan, Strategy, Task
from regions.models import Region

# Display order of statuses: best first, "no data" last.
STATUS_ORDER = STATUSES[1:] + STATUSES[:1]


def _indicators():
    return Indicator.objects.select_related(
        "plan__region", "unit", "task__strategy"
    ).with_approved_observations()


@dataclass
class PlanStatus:
    plan: Plan
    counts: Counter
    total: int

    def ordered_counts(self) -> list[tuple[str, int]]:
        return [(status, self.counts.get(status, 0)) for status in STATUS_ORDER]


@dataclass
class MapRow:
    region: Region
    value: Decimal | None
    source: str = ""


@dataclass
class SeriesMap:
    series: SeriesInfo
    year: int | None
    series_choices: list[SeriesInfo]
    year_choices: list[int]
    map_rows: list[MapRow]


def region_map(*, series: str | None = None, year: str | None = None) -> SeriesMap:
    """Every region's value of a series in a year (None where there is none): three queries."""
    available = series_years()
    series_key, chosen_year = choose_series(series, year, available)
    values = {
        v.region_id: v
        for v in SeriesValue.objects.filter(
            series=series_key, year=chosen_year, region__isnull=False
        )
    }
    rows = [
        MapRow(
            region=r,
            value=values[r.code].value if r.code in values else None,
            source=values[r.code].source if r.code in values else "",
        )
        for r in Region.objects.all()
    ]
    return SeriesMap(
        series=series_info(series_key),
        year=chosen_year,
        series_choices=[series_info(key) for key in available],
        year_choices=available.get(series_key, []),
        map_rows=rows,
    )


@dataclass
class Overview:
    indicators: list[Indicator]
    status_counts: list[tuple[str, int]]
    plans: list[PlanStatus]
    series_map: SeriesMap
    budgets: list[Budget]
    national_tasks: list[Task]


def series_years() -> dict[str, list[int]]:
    """Years with regional values, per series (one query)."""
    years: dict[str, set[int]] = defaultdict(set)
    for series, year in (
        SeriesValue.objects.filter(region__isnull=False).values_list("series", "year").distinct()
    ):
        years[series].add(year)
    return {series: sorted(found) for series, found in sorted(years.items())}


def choose_series(requested: str | None, requested_year: str | None, available: dict):
    """The series and year asked for when they exist, else sensible defaults (or 404)."""
    if requested and requested not in available:
        raise Http404("Unknown series.")
    series = requested or (
        "rcostii_rank" if "rcostii_rank" in available else next(iter(available), "")
    )
    years = available.get(series, [])
    if requested_year:
        if not requested_year.isdigit() or int(requested_year) not in years:
            raise Http404("No values for that year.")
        return series, int(requested_year)
    # Default: the latest year on record.
    if not years:
        return series, None
    return series, years[-1]


def national_overview(*, series: str | None = None, year: str | None = None) -> Overview:
    """Everything the national overview shows."""
    indicators = list(_indicators().order_by("plan__region__order", "plan__key", "id"))
    totals = Counter(i.assessment.status for i in indicators)
    by_plan: dict[int, PlanStatus] = {}
    for indicator in indicators:
        row = by_plan.setdefault(
            indicator.plan_id, PlanStatus(plan=indicator.plan, counts=Counter(), total=0)
        )
        row.counts[indicator.assessment.status] += 1
        row.total += 1

    series_map = region_map(series=series, year=year)
    budgets = national_budgets()
    return Overview(
        indicators=indicators,
        status_counts=[(s, totals.get(s, 0)) for s in STATUS_ORDER],
        plans=list(by_plan.values()),
        series_map=series_map,
        budgets=budgets,
        national_tasks=national_tasks_with_regional_links(),
    )


def national_budgets() -> list[Budget]:
    """The national plan's yearly budgets (whole plan, not per task), planned before actual."""
    return list(
        Budget.objects.filter(plan__level=Level.NATIONAL, task__isnull=True)
        .select_related("plan")
        .order_by("plan__key", "year", "-basis")
    )


def national_tasks_with_regional_links() -> list[Task]:
    """National tasks in order, each with the regional tasks that serve it (two queries)."""
    serving = Task.objects.select_related("strategy__plan__region").order_by(
        "strategy__plan__region__order", "strategy__number", "number"
    )
    return list(
        Task.objects.filter(strategy__plan__level=Level.NATIONAL)
        .select_related("strategy__plan")
        .prefetch_related(Prefetch("served_by", queryset=serving))
        .order_by("strategy__plan__key", "strategy__number", "number")
    )


@dataclass
class RegionBoard:
    region: Region
    plans: list[PlanStatus]
    selected: Plan | None
    indicators: list[Indicator]


def region_dashboard(code: str, plan_key: str | None = None) -> RegionBoard:
    """A region's plans with their KPIs' status counts, and one plan's KPIs in full (the
    asked-for plan, else the newest): a region may hold dozens of 시·군·구 plans."""
    region = get_object_or_404(Region.objects.select_related("agency"), code=code)
    plans = list(Plan.objects.filter(region=region).order_by("-start_year", "key"))
    by_plan: dict[int, list[Indicator]] = defaultdict(list)
    for indicator in _indicators().filter(plan__region=region).order_by("id"):
        by_plan[indicator.plan_id].append(indicator)
    rows = [
        PlanStatus(
            plan=plan,
            counts=Counter(i.assessment.status for i in by_plan[plan.pk]),
            total=len(by_plan[plan.pk]),
        )
        for plan in plans
    ]
    if plan_key:
        selected = next((plan for plan in plans if plan.key == plan_key), None)
        if selected is None:
            raise Http404("No such plan in this region.")
    else:
        selected = next((plan for plan in plans if by_plan[plan.pk]), plans[0] if plans else None)
    return RegionBoard(
        region=region,
        plans=rows,
        selected=selected,
        indicators=by_plan[selected.pk] if selected else [],
    )


@dataclass
class TargetRevision:
    when: object
    target_year: int
    target_value: Decimal
    reason: str
    original: bool


def kpi_page(plan_key: str, kpi_key: str) -> tuple[Indicator, list[TargetRevision]]:
    """One KPI with its approved values and the history of its target."""
    indicator = get_object_or_404(_indicators(), plan__key=plan_key, key=kpi_key)
    revisions: list[TargetRevision] = []
    for record in indicator.history.order_by("history_date", "history_id").only(
        "history_date", "target_year", "target_value", "history_change_reason"
    ):
        last = revisions[-1] if revisions else None
        if last and (last.target_year, last.target_value) == (
            record.target_year,
            record.target_value,
        ):
            continue
        revisions.append(
            TargetRevision(
                when=record.history_date,
                target_year=record.target_year,
                target_value=record.target_value,
                reason=record.history_change_reason or "",
                original=last is None,
            )
        )
    return indicator, revisions


@dataclass
class CompareRow:
    region: Region
    value: Decimal | None
    rank: int | None
    target: Indicator | None


@dataclass
class Comparison:
    series: SeriesInfo
    year: int | None
    series_choices: list[SeriesInfo]
    year_choices: list[int]
    bars: list[CompareRow]
    lines: dict[str, list[tuple[int, Decimal]]]
    regions: list[Region]
    targets: dict[str, Indicator]


def comparison(*, series: str | None = None, year: str | None = None) -> Comparison:
    """One series across all regions: values for a year, history, and each region's target."""
    available = series_years()
    series_key, chosen_year = choose_series(series, year, available)
    info = series_info(series_key)
    regions = list(Region.objects.all())
    lines: dict[str, list[tuple[int, Decimal]]] = defaultdict(list)
    for value in SeriesValue.objects.filter(series=series_key, region__isnull=False).order_by(
        "year"
    ):
        lines[value.region_id].append((value.year, value.value))
    targets = {
        indicator.plan.region_id: indicator
        for indicator in Indicator.objects.filter(series=series_key, plan__region__isnull=False)
        .select_related("plan", "unit")
        .order_by("plan__start_year")
    }
    in_year = {code: dict(points).get(chosen_year) for code, points in lines.items()}
    better_first = sorted(
        (r for r in regions if in_year.get(r.code) is not None),
        key=lambda r: in_year[r.code] if info.direction == "decrease" else -in_year[r.code],
    )
    bars = [
        CompareRow(r, in_year[r.code], i + 1, targets.get(r.code))
        for i, r in enumerate(better_first)
    ]
    bars += [
        CompareRow(r, None, None, targets.get(r.code))
        for r in regions
        if in_year.get(r.code) is None
    ]
    return Comparison(
        series=info,
        year=chosen_year,
        series_choices=[series_info(k) for k in available],
        year_choices=available.get(series_key, []),
        bars=bars,
        lines=dict(lines),
        regions=regions,
        targets=targets,
    )


# --------------------------------------------------------------------------- plan pages


def _tasks() -> QuerySet:
    linked = Task.objects.select_related("strategy__plan__region")
    return Task.objects.order_by("number").prefetch_related(
        Prefetch("aligns_with", queryset=linked.order_by("strategy__number", "number")),
    )


def _plan_structure(queryset: QuerySet) -> QuerySet:
    """A plan with its directions, strategies → tasks (and alignment) and KPIs."""
    return queryset.select_related("region", "implements").prefetch_related(
        "directions",
        Prefetch(
            "strategies",
            queryset=Strategy.objects.order_by("number").prefetch_related(
                Prefetch("tasks", queryset=_tasks())
            ),
        ),
        Prefetch(
            "indicators",
            queryset=Indicator.objects.select_related("unit", "task__strategy")
            .order_by("id")
            .with_approved_observations(),
        ),
    )


def national_plans() -> list[Plan]:
    """Every national plan, fully loaded, newest first."""
    return list(_plan_structure(Plan.objects.national()).order_by("-start_year", "key"))


def plan_page(key: str) -> Plan:
    """One plan with everything its page shows, or 404."""
    return get_object_or_404(_plan_structure(Plan.objects.all()), key=key)


def region_page(code: str) -> tuple[Region, list[Plan]]:
    """A region with its agency, and its plans fully loaded."""
    region = get_object_or_404(Region.objects.select_related("agency"), code=code)
    plans = list(_plan_structure(Plan.objects.filter(region=region)).order_by("-start_year"))
    return region, plans


def task_page(plan_key: str, code: str) -> tuple[Task, list[Task]]:
    """A task and, for a national task, every regional task that serves it (by region)."""
    strategy_number, _, task_number = code.partition("-")
    if not (strategy_number.isdigit() and task_number.isdigit()):
        raise Http404("Task codes look like 2-3.")
    task = get_object_or_404(
        Task.objects.select_related("strategy__plan__region").prefetch_related(
            Prefetch("aligns_with", queryset=Task.objects.select_related("strategy__plan"))
        ),
        strategy__plan__key=plan_key,
        strategy__number=strategy_number,
        number=task_number,
    )
    serving = list(
        task.served_by.select_related("strategy__plan__region")
        .prefetch_related(Prefetch("indicators", queryset=Indicator.objects.order_by("id")))
        .order_by(
            "strategy__plan__region__order", "strategy__plan__key", "strategy__number", "number"
        )
    )
    return task, serving
