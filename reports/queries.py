"""What an annual report shows: the plan and its KPIs judged on the approved values up to
the report year (a report for a past year gives the status it would have given then)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone

from dashboard.charts import STATUS_STYLE, status_label
from indicators import progress
from indicators.models import Indicator, Observation
from plans.models import Plan, Strategy, Task
from plans.queries import BudgetRow, budget_rows


def report_years(plan: Plan) -> list[int]:
    """Years a report may be requested for: the plan period, else its KPIs' entry years."""
    if plan.start_year and plan.end_year:
        return list(range(plan.start_year, plan.end_year + 1))
    years: set[int] = set()
    for baseline_year, target_year in plan.indicators.values_list("baseline_year", "target_year"):
        last = max(target_year, plan.end_year or target_year)
        years.update(range(baseline_year + 1, last + 1))
    return sorted(years) or [timezone.localdate().year - 1]


def default_report_year(years: list[int]) -> int:
    """Last calendar year (the usual annual report), or the nearest year on offer."""
    last_year = timezone.localdate().year - 1
    if last_year in years:
        return last_year
    earlier = [y for y in years if y < last_year]
    return max(earlier) if earlier else min(years)


@dataclass(frozen=True)
class ValueRow:
    year: int
    value: Decimal
    source: str


@dataclass
class KpiRow:
    """A KPI with its approved values up to the report year and the assessment over them."""

    indicator: Indicator
    values: list[ValueRow]
    assessment: progress.Assessment

    @property
    def status(self) -> str:
        return self.assessment.status

    @property
    def status_label(self) -> str:
        return status_label(self.assessment.status)


@dataclass
class ReportData:
    plan: Plan
    year: int
    generated_at: datetime
    strategies: list[Strategy]
    kpis: list[KpiRow]
    budgets: list[BudgetRow]
    status_counts: list[tuple[str, int]] = field(default_factory=list)

    @property
    def has_values(self) -> bool:
        return any(kpi.values for kpi in self.kpis)

    @property
    def has_provisional(self) -> bool:
        tasks = (t for s in self.strategies for t in s.tasks.all())
        return (
            self.plan.provisional
            or any(s.provisional for s in self.strategies)
            or any(t.provisional for t in tasks)
            or any(k.indicator.provisional for k in self.kpis)
        )


def report_data(plan: Plan, year: int) -> ReportData:
    """Everything a report of `plan` for `year` shows, in a fixed number of queries."""
    aligned = Task.objects.select_related("strategy__plan").order_by(
        "strategy__plan__key", "strategy__number", "number"
    )
    strategies = list(
        Strategy.objects.filter(plan=plan)
        .order_by("number")
        .prefetch_related(
            Prefetch(
                "tasks",
                queryset=Task.objects.order_by("number").prefetch_related(
                    Prefetch("aligns_with", queryset=aligned)
                ),
            )
        )
    )
    # Not `with_approved_observations()` / `Indicator.assessment`: those use every year.
    indicators = (
        Indicator.objects.filter(plan=plan)
        .select_related("unit", "task__strategy")
        .order_by("id")
        .prefetch_related(
            Prefetch(
                "observations",
                queryset=Observation.objects.approved().filter(year__lte=year).order_by("year"),
                to_attr="report_observations",
            )
        )
    )
    kpis = []
    for indicator in indicators:
        indicator.plan = plan  # already loaded; spares a query per KPI
        observations = indicator.report_observations
        kpis.append(
            KpiRow(
                indicator=indicator,
                values=[ValueRow(o.year, o.value, o.source) for o in observations],
                assessment=progress.assess(
                    direction=indicator.direction,
                    baseline=(indicator.baseline_year, indicator.baseline_value),
                    target=(indicator.target_year, indicator.target_value),
                    observations=[(o.year, o.value) for o in observations],
                    method=indicator.method,
                ),
            )
        )
    counts = {status: 0 for status in STATUS_STYLE}
    for kpi in kpis:
        counts[kpi.status] += 1
    return ReportData(
        plan=plan,
        year=year,
        generated_at=timezone.now(),
        strategies=strategies,
        kpis=kpis,
        budgets=[row for row in budget_rows(plan) if row.year <= year],
        status_counts=list(counts.items()),
    )
