"""Load the seed (plans.yaml + indicator_history.csv) into the database.

The whole seed is checked first (datatools/seed_check.py) and every problem reported at once,
naming the file, the entry and what is wrong; only a clean seed is written, in one transaction.
Loading is idempotent: rows are matched on their natural keys, and a row is saved only when a
field differs, so a second run writes nothing (and adds no history rows).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.db import models, transaction
from django.utils import timezone

from core.cache import public_data_changed
from datatools.seed_check import NATIONAL_CODE, SeedError, read_seed
from indicators.models import Indicator, Observation, SeriesValue, Unit, WorkflowStatus
from plans.models import BasicDirection, Budget, Level, Plan, Strategy, Task
from regions.models import Agency, Region

# SeedError lives with the checks that raise it; callers of load_seed import it from here.
__all__ = ["SeedError", "SeedReport", "load_seed"]

SEED_REASON = "seed"


@dataclass
class SeedReport:
    """What a load did, by model: rows created, updated, unchanged and kept."""

    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    kept: Counter = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return bool(sum(self.created.values()) or sum(self.updated.values()))

    def lines(self) -> list[str]:
        names = sorted(set(self.created) | set(self.updated) | set(self.unchanged))
        return [
            f"{name}: {self.created[name]} created, {self.updated[name]} updated, "
            f"{self.unchanged[name]} unchanged"
            + (f", {self.kept[name]} kept (entered by users)" if self.kept[name] else "")
            for name in names
        ]


@transaction.atomic
def load_seed(*, path: Path) -> SeedReport:
    """Check the seed in `path` and write it all in one transaction, or raise SeedError."""
    seed, rows = read_seed(path)
    report = SeedReport()
    for key, unit in seed["units"].items():
        _upsert(report, Unit, {"key": key}, unit)
    regions = _write_regions(report, seed["regions"])
    plans, tasks = _write_plans(report, seed["plans"], regions)
    _write_alignments(seed["plans"], tasks)

    history = {}
    for row in rows:
        history.setdefault((row["region"], row["series"]), []).append(row)
    now = timezone.now()
    for entry in seed["plans"]:
        plan = plans[entry["key"]]
        _write_indicators(report, entry, plan, tasks, history, now)
        _write_budgets(report, entry, plan, tasks)

    for row in rows:
        region = regions.get(row["region"])  # None is the national figure
        _upsert(
            report,
            SeriesValue,
            {"series": row["series"], "region": region, "year": row["year"]},
            {"value": row["value"], "source": row["source"]},
        )
    if report.changed:
        public_data_changed()
    return report


def _upsert(report: SeedReport, model: type[models.Model], lookup: dict, values: dict):
    """Create the row, or save only the fields that differ; count what happened."""
    name = model._meta.model_name
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        obj._change_reason = SEED_REASON
        obj.full_clean()
        obj.save()
        report.created[name] += 1
        return obj
    changed = [k for k, v in values.items() if getattr(obj, k) != v]
    if changed:
        for k in changed:
            setattr(obj, k, values[k])
        obj._change_reason = SEED_REASON
        obj.full_clean()
        obj.save(update_fields=changed)
        report.updated[name] += 1
    else:
        report.unchanged[name] += 1
    return obj


def _write_regions(report: SeedReport, entries: list[dict]) -> dict[str, Region]:
    regions = {}
    for entry in entries:
        values = {
            k: entry[k]
            for k in ("kostat_code", "name_ko", "name_en", "short_ko", "short_en", "order")
        }
        region = regions[entry["code"]] = _upsert(report, Region, {"code": entry["code"]}, values)
        if entry["agency"]:
            _upsert(report, Agency, {"region": region}, entry["agency"])
    return regions


def _write_plans(
    report: SeedReport, entries: list[dict], regions: dict
) -> tuple[dict[str, Plan], dict[tuple[str, str], Task]]:
    """The plans with their strategies and tasks, by plan key and by (plan key, task code)."""
    plans, tasks = {}, {}
    # National plans first: regional plans and tasks point at them.
    ordered = sorted(entries, key=lambda p: p["level"] != Level.NATIONAL)
    for entry in ordered:
        plans[entry["key"]] = plan = _write_plan(report, entry, regions, plans)
        for s_entry in entry["strategies"]:
            strategy = _upsert(
                report,
                Strategy,
                {"plan": plan, "number": s_entry["number"]},
                {k: s_entry[k] for k in ("name_ko", "name_en", "provisional", "note_en")},
            )
            for t_entry in s_entry["tasks"]:
                tasks[(entry["key"], t_entry["code"])] = _upsert(
                    report,
                    Task,
                    {"strategy": strategy, "number": t_entry["number"]},
                    {
                        k: t_entry[k]
                        for k in ("name_ko", "name_en", "provisional", "placeholder", "note_en")
                    },
                )
    return plans, tasks


def _write_plan(report: SeedReport, entry: dict, regions: dict, plans: dict) -> Plan:
    values = {
        k: entry[k]
        for k in (
            "level",
            "name_ko",
            "name_en",
            "vision_ko",
            "vision_en",
            "goal_ko",
            "goal_en",
            "start_year",
            "end_year",
            "adopted_on",
            "secretariat_ko",
            "secretariat_en",
            "provisional",
            "editorial_alignment",
            "note_en",
            "sources",
        )
    }
    values["region"] = regions[entry["region"]] if entry["region"] else None
    values["implements"] = plans.get(entry["implements"]) if entry["implements"] else None
    plan = _upsert(report, Plan, {"key": entry["key"]}, values)
    for direction in entry["directions"]:
        _upsert(
            report,
            BasicDirection,
            {"plan": plan, "number": direction["number"]},
            {"name_ko": direction["name_ko"], "name_en": direction["name_en"]},
        )
    return plan


def _write_alignments(entries: list[dict], tasks: dict) -> None:
    for entry in entries:
        for s_entry in entry["strategies"]:
            for t_entry in s_entry["tasks"]:
                task = tasks[(entry["key"], t_entry["code"])]
                wanted = {tasks[tuple(ref.split(":"))].pk for ref in t_entry["aligns_with"]}
                if set(task.aligns_with.values_list("pk", flat=True)) != wanted:
                    task.aligns_with.set(wanted)


def _write_indicators(
    report: SeedReport, entry: dict, plan: Plan, tasks: dict, history: dict, now
) -> None:
    """The plan's KPIs, each with the values of its series for the plan's region as approved
    observations (`history` by (region code, series))."""
    for i_entry in entry["indicators"]:
        indicator = _write_indicator(report, i_entry, plan, tasks, entry["key"])
        if i_entry["series"]:
            code = entry["region"] or NATIONAL_CODE
            _write_observations(report, indicator, history.get((code, i_entry["series"]), []), now)


def _write_indicator(report, entry: dict, plan: Plan, tasks: dict, plan_key: str) -> Indicator:
    values = {
        k: entry[k]
        for k in (
            "name_ko",
            "name_en",
            "definition_ko",
            "definition_en",
            "direction",
            "method",
            "baseline_year",
            "baseline_value",
            "target_year",
            "target_value",
            "series",
            "provisional",
            "note_en",
            "sources",
        )
    }
    values["unit_id"] = entry["unit"]
    values["task"] = tasks[(plan_key, entry["task"])] if entry["task"] else None
    return _upsert(report, Indicator, {"plan": plan, "key": entry["key"]}, values)


def _write_observations(report: SeedReport, indicator: Indicator, rows: list[dict], now) -> None:
    existing = {o.year: o for o in indicator.observations.all()}
    for row in rows:
        observation = existing.get(row["year"])
        if observation is not None and observation.entered_by_id is not None:
            # A value someone entered through the workflow outranks the seed: leave it.
            report.kept["observation"] += 1
            continue
        if (
            observation is not None
            and observation.value == row["value"]
            and observation.source == row["source"]
            and observation.status == WorkflowStatus.APPROVED
        ):
            report.unchanged["observation"] += 1
            continue
        if observation is None:
            observation = Observation(indicator=indicator, year=row["year"])
            report.created["observation"] += 1
        else:
            observation.version += 1
            report.updated["observation"] += 1
        observation.value = row["value"]
        observation.source = row["source"]
        observation.status = WorkflowStatus.APPROVED
        observation.reviewed_at = now
        observation._change_reason = SEED_REASON
        observation.full_clean()
        observation.save()


def _write_budgets(report: SeedReport, entry: dict, plan: Plan, tasks: dict) -> None:
    """The plan's budgets: its total split by source, and the amounts by task."""
    for b_entry in entry["budgets"]:
        split = {k: b_entry[k] for k in ("total", "central", "local", "private", "sources")}
        _upsert(
            report,
            Budget,
            {"plan": plan, "task": None, "year": b_entry["year"], "basis": b_entry["basis"]},
            split,
        )
        for item in b_entry["by_task"]:
            _upsert(
                report,
                Budget,
                {
                    "plan": plan,
                    "task": tasks[(entry["key"], item["task"])],
                    "year": b_entry["year"],
                    "basis": b_entry["basis"],
                },
                {
                    "total": item["amount"],
                    "central": None,
                    "local": None,
                    "private": None,
                    "sources": b_entry["sources"],
                },
            )
