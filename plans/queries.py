"""Reads for the plan pages, each in a fixed number of SQL queries whatever the data size."""

from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from indicators.models import Indicator
from plans.models import Budget, Plan, Strategy, Task
from regions.models import Region


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


def regions_with_plans() -> list[Region]:
    """The 17 regions in standard order, each with its agency and registered plans."""
    return list(
        Region.objects.select_related("agency").prefetch_related(
            Prefetch("plans", queryset=Plan.objects.order_by("-start_year", "key"))
        )
    )


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
        from django.http import Http404

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


@dataclass
class BudgetRow:
    year: int
    basis: str
    basis_label: str
    total: int
    central: int | None
    local: int | None
    private: int | None
    unallocated: int | None
    sources: list[str]
    by_task: list[tuple[Task, int]] = field(default_factory=list)


def budget_rows(plan: Plan) -> list[BudgetRow]:
    """The plan's yearly budgets, each with its per-task allocations (one query)."""
    rows: dict[tuple[int, str], BudgetRow] = {}
    allocations = []
    for budget in (
        Budget.objects.filter(plan=plan)
        .select_related("task__strategy")
        .order_by("year", "-basis", "task__strategy__number", "task__number")
    ):
        if budget.task_id is None:
            rows[(budget.year, budget.basis)] = BudgetRow(
                year=budget.year,
                basis=budget.basis,
                basis_label=budget.get_basis_display(),
                total=budget.total,
                central=budget.central,
                local=budget.local,
                private=budget.private,
                unallocated=budget.unallocated,
                sources=budget.sources,
            )
        else:
            allocations.append(budget)
    for budget in allocations:
        row = rows.get((budget.year, budget.basis))
        if row is not None:
            row.by_task.append((budget.task, budget.total))
    return list(rows.values())
