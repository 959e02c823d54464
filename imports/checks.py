"""Checking every row of an upload against the KPIs and their current values."""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from core.numbers import plain_number
from imports.reading import _text
from indicators import entry
from indicators.models import Indicator, Observation, WorkflowStatus
from regions.access import NATIONAL, may, scope_of

PROGRESS_EVERY = 5000
# Above this many distinct plan keys the file is nonsense anyway; loading every KPI (a few
# hundred rows) is cheaper than an IN clause that may exceed the database's parameter limit.
MAX_PLAN_KEYS_IN_QUERY = 500


class Action:
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    SKIP = "skip"


WRITES = (Action.CREATE, Action.UPDATE)


@dataclass
class RowCheck:
    """One data row of an upload, what writing it would do, and what stands in the way."""

    line: int
    plan: str
    kpi: str
    kpi_name: str = ""
    year: int | None = None
    value: Decimal | None = None
    source: str = ""
    note: str = ""
    action: str = Action.SKIP
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    version: int | None = None
    indicator_id: int | None = None

    @property
    def value_text(self) -> str:
        return "" if self.value is None else plain_number(self.value)

    @property
    def writes(self) -> bool:
        return self.action in WRITES and not self.problems

    def to_json(self) -> dict:
        # Written out by hand: dataclasses.asdict deep-copies every field, which was a fifth
        # of the time of checking a 100,000-row file.
        return {
            "line": self.line,
            "plan": self.plan,
            "kpi": self.kpi,
            "kpi_name": self.kpi_name,
            "year": self.year,
            "value": None if self.value is None else plain_number(self.value),
            "source": self.source,
            "note": self.note,
            "action": self.action,
            "problems": list(self.problems),
            "warnings": list(self.warnings),
            "version": self.version,
            "indicator_id": self.indicator_id,
        }

    @classmethod
    def from_json(cls, data: dict) -> "RowCheck":
        data = dict(data)
        if data.get("value") is not None:
            data["value"] = Decimal(data["value"])
        return cls(**data)


def check_rows(
    *, rows: list[dict], user, progress: Callable[[int], None] | None = None
) -> list[RowCheck]:
    """Check every row against the rulebook (indicators/entry.py), the KPIs and their current
    values, in a fixed number of queries.

    `progress(n)` is called every PROGRESS_EVERY rows, for a page that shows how far it got.
    """
    indicators = _indicators_by_key({_text(row.get("plan")) for row in rows})
    may_enter = {i.pk: may(user, "indicators.enter_value", i) for i in indicators.values()}
    own = [i for i in indicators.values() if may_enter[i.pk]]
    existing = {}
    if own:
        existing = {
            (o.indicator_id, o.year): o
            for o in Observation.objects.visible_to(user).filter(indicator__in=own)
        }
    context = _CheckContext(
        indicators=indicators,
        may_enter=may_enter,
        facts=entry.kpi_facts(own, existing.values()),
        existing=existing,
        enters_national=scope_of(user).may_enter(NATIONAL),
        current=entry.this_year(),
        seen={},
    )
    checks = []
    for count, row in enumerate(rows, start=1):
        checks.append(_check_row(row, context))
        if progress and count % PROGRESS_EVERY == 0:
            progress(count)
    return checks


@dataclass
class _CheckContext:
    indicators: dict[tuple[str, str], Indicator]
    may_enter: dict[int, bool]
    facts: dict[int, entry.KpiFacts]
    existing: dict[tuple[int, int], Observation]
    enters_national: bool
    current: int
    seen: dict[tuple, int]
    names: dict[int, str] = field(default_factory=dict)

    def name(self, indicator: Indicator) -> str:
        # Once per KPI, not once per row: the name depends on the active language.
        if indicator.id not in self.names:
            self.names[indicator.id] = indicator.name
        return self.names[indicator.id]


def _indicators_by_key(plan_keys: set[str]) -> dict[tuple[str, str], Indicator]:
    indicators = Indicator.objects.select_related("plan", "plan__region", "unit")
    if len(plan_keys) <= MAX_PLAN_KEYS_IN_QUERY:
        indicators = indicators.filter(plan__key__in=plan_keys)
    return {(i.plan.key, i.key): i for i in indicators}


def _check_row(row: dict, context: _CheckContext) -> RowCheck:
    plan_key, kpi_key = _text(row.get("plan")), _text(row.get("kpi"))
    indicator = context.indicators.get((plan_key, kpi_key))
    check = RowCheck(
        line=row["line"],
        plan=plan_key,
        kpi=kpi_key,
        kpi_name=context.name(indicator) if indicator else "",
        source=_text(row.get("source")),
        note=_text(row.get("note")),
        indicator_id=indicator.id if indicator else None,
    )
    year, year_problem = _year(row.get("year"))
    check.year = year
    raw_value = row.get("value")
    if _text(raw_value) == "":
        return check  # a blank template row
    facts = _whose(check, indicator, context)
    if year_problem:
        check.problems.append(year_problem)
    _apply_rulebook(check, facts, raw_value, context)
    key = (plan_key, kpi_key, year if year is not None else _text(row.get("year")))
    if key in context.seen:
        check.problems.append(
            _("Line %(line)s already gives a value for this KPI and year.")
            % {"line": context.seen[key]}
        )
    else:
        context.seen[key] = check.line
    check.action = Action.CREATE
    if facts is not None and year is not None:
        _compare_with_current(check, context.existing.get((indicator.id, year)))
    return check


def _whose(check: RowCheck, indicator: Indicator | None, context: _CheckContext):
    """The facts of the row's KPI when the user enters its values, else None (with the
    problem: no keys, an unknown KPI, or somebody else's)."""
    if not check.plan or not check.kpi:
        check.problems.append(
            _("Give the plan and kpi keys of the KPI (copy them from the template).")
        )
    elif indicator is None:
        check.problems.append(
            _("Unknown KPI “%(plan)s / %(kpi)s”: use the plan and kpi keys of the template.")
            % {"plan": check.plan, "kpi": check.kpi}
        )
    elif not context.may_enter[indicator.id]:
        check.problems.append(entry.not_yours(indicator, enters_national=context.enters_national))
    else:
        return context.facts[indicator.id]
    return None


def _apply_rulebook(check: RowCheck, facts, raw_value, context: _CheckContext) -> None:
    """The rulebook's every rule for a KPI the user enters; for any other row, what can be
    said without the KPI (is the value a number, is the source a web address)."""
    if facts is not None:
        checked = entry.check_entry(
            facts,
            year=check.year,
            value=raw_value,
            source=check.source,
            note=check.note,
            current=context.current,
        )
        if checked.refusals:
            check.problems.extend(checked.messages)
        if checked.flags:
            check.warnings.extend(flag.message for flag in checked.flags)
        check.value, check.source, check.note = checked.value, checked.source, checked.note
        return
    try:
        check.value = entry.parse_value(raw_value)
    except entry.ValueRefused as refused:
        check.problems.append(refused.finding.message)
    check.problems.extend(str(f) for f in entry.text_findings(check.source, check.note))


def _compare_with_current(check: RowCheck, observation: Observation | None) -> None:
    """What writing the row would do to the value the KPI has for that year, if any."""
    if observation is None:
        return
    check.version = observation.version
    current = (observation.value, observation.source, observation.note)
    if check.value is not None and current == (check.value, check.source, check.note):
        check.action = Action.UNCHANGED
        check.warnings.clear()  # nothing is written: the value stands as it is
        return
    check.action = Action.UPDATE
    shown = {"value": plain_number(observation.value)}
    if observation.status == WorkflowStatus.APPROVED:
        check.problems.append(
            _(
                "The approved value %(value)s would be overwritten. Approved values are "
                "locked: ask the ministry to reopen it first."
            )
            % shown
        )
    elif observation.status == WorkflowStatus.SUBMITTED:
        check.problems.append(
            _(
                "The value %(value)s is under review (submitted) and would be "
                "overwritten. Wait for the review, or ask the ministry to return it."
            )
            % shown
        )


def _year(raw) -> tuple[int | None, str | None]:
    """The row's year as a whole number, or the problem with the cell (the rulebook then says
    whether the KPI takes a value for it)."""
    if isinstance(raw, str) and raw.isdigit() and raw.isascii():
        return int(raw), None  # the common case, without Decimal
    text = _text(raw)
    if text == "":
        return None, _("Give the year.")
    try:
        number = raw if isinstance(raw, Decimal) else Decimal(text.replace(",", ""))
        whole = number.is_finite() and number == number.to_integral_value()
    except InvalidOperation:
        whole = False
    if not whole:
        return None, _("The year “%(year)s” is not a whole number.") % {"year": text}
    return int(number), None
