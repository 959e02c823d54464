"""Reads of the plan registry (no KPIs: those are read a layer up, in dashboard/queries.py),
each in a fixed number of SQL queries whatever the data size."""

from dataclasses import dataclass, field

from django.db.models import Prefetch

from plans.models import Budget, Plan, Task
from regions.models import Region


def regions_with_plans() -> list[Region]:
    """The 17 regions in standard order, each with its agency and registered plans."""
    return list(
        Region.objects.select_related("agency").prefetch_related(
            Prefetch("plans", queryset=Plan.objects.order_by("-start_year", "key"))
        )
    )


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
