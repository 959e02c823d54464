"""Checking every row of an upload against the KPIs and their current values."""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.numbers import plain_number
from imports.reading import _text
from indicators.models import Indicator, Observation, WorkflowStatus
from indicators.services import (
    bounds_problem,
    clean_source,
    parse_value,
)
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
    """Check every row against the KPIs and their current values, in a fixed number of queries.

    `progress(n)` is called every PROGRESS_EVERY rows, for a page that shows how far it got.
    """
    indicators = _indicators_by_key({_text(row.get("plan")) for row in rows})
    may_enter = {i.pk: may(user, "indicators.enter_value", i) for i in indicators.values()}
    own = [pk for pk, allowed in may_enter.items() if allowed]
    existing = {}
    if own:
        existing = {
            (o.indicator_id, o.year): o
            for o in Observation.objects.visible_to(user).filter(indicator_id__in=own)
        }
    context = _CheckContext(
        indicators=indicators,
        may_enter=may_enter,
        existing=existing,
        enters_national=scope_of(user).may_enter(NATIONAL),
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
    existing: dict[tuple[int, int], Observation]
    enters_national: bool
    seen: dict[tuple, int]
    names: dict[int, str] = field(default_factory=dict)
    years: dict[int, range] = field(default_factory=dict)

    def name(self, indicator: Indicator) -> str:
        # Once per KPI, not once per row: the name depends on the active language.
        if indicator.id not in self.names:
            self.names[indicator.id] = indicator.name
        return self.names[indicator.id]

    def entry_years(self, indicator: Indicator) -> range:
        if indicator.id not in self.years:
            self.years[indicator.id] = indicator.entry_years
        return self.years[indicator.id]


def _indicators_by_key(plan_keys: set[str]) -> dict[tuple[str, str], Indicator]:
    indicators = Indicator.objects.select_related("plan", "plan__region", "unit")
    if len(plan_keys) <= MAX_PLAN_KEYS_IN_QUERY:
        indicators = indicators.filter(plan__key__in=plan_keys)
    return {(i.plan.key, i.key): i for i in indicators}


def _check_row(row: dict, context: _CheckContext) -> RowCheck:
    plan_key, kpi_key = _text(row.get("plan")), _text(row.get("kpi"))
    note = _text(row.get("note"))
    indicator = context.indicators.get((plan_key, kpi_key))
    check = RowCheck(
        line=row["line"],
        plan=plan_key,
        kpi=kpi_key,
        kpi_name=context.name(indicator) if indicator else "",
        source=_text(row.get("source")),
        note=note,
        indicator_id=indicator.id if indicator else None,
    )
    years = context.entry_years(indicator) if indicator else None
    year, year_problem = _year(row.get("year"), years)
    check.year = year
    raw_value = row.get("value")
    if _text(raw_value) == "":
        return check  # a blank template row
    problems = check.problems

    allowed = False
    if not plan_key or not kpi_key:
        problems.append(_("Give the plan and kpi keys of the KPI (copy them from the template)."))
    elif indicator is None:
        problems.append(
            _("Unknown KPI “%(plan)s / %(kpi)s”: use the plan and kpi keys of the template.")
            % {"plan": plan_key, "kpi": kpi_key}
        )
    else:
        allowed = context.may_enter[indicator.id]
        if not allowed:
            problems.append(_not_yours(indicator, enters_national=context.enters_national))
    if year_problem:
        problems.append(year_problem)
    try:
        check.value = parse_value(raw_value)
    except ValidationError as error:
        problems.extend(error.messages)
    try:
        check.source = clean_source(check.source)
    except ValidationError as error:
        problems.extend(error.messages)
    if "\x00" in note or "\x00" in check.source:
        problems.append(
            _("The note or source holds a NUL character, which cannot be stored: delete it.")
        )

    key = (plan_key, kpi_key, year if year is not None else _text(row.get("year")))
    if key in context.seen:
        problems.append(
            _("Line %(line)s already gives a value for this KPI and year.")
            % {"line": context.seen[key]}
        )
    else:
        context.seen[key] = check.line

    check.action = Action.CREATE
    if allowed and year is not None and not year_problem:
        observation = context.existing.get((indicator.id, year))
        if observation is not None:
            check.version = observation.version
            current = (observation.value, observation.source, observation.note)
            if check.value is not None and current == (check.value, check.source, note):
                check.action = Action.UNCHANGED
                return check
            check.action = Action.UPDATE
            shown = {"value": plain_number(observation.value)}
            if observation.status == WorkflowStatus.APPROVED:
                problems.append(
                    _(
                        "The approved value %(value)s would be overwritten. Approved values are "
                        "locked: ask the ministry to reopen it first."
                    )
                    % shown
                )
            elif observation.status == WorkflowStatus.SUBMITTED:
                problems.append(
                    _(
                        "The value %(value)s is under review (submitted) and would be "
                        "overwritten. Wait for the review, or ask the ministry to return it."
                    )
                    % shown
                )
    if indicator is not None and check.value is not None:
        problem = bounds_problem(indicator, check.value)
        if problem and note:
            check.warnings.append(
                _("%(problem)s Kept because the row has a note.") % {"problem": problem}
            )
        elif problem:
            problems.append(
                _("%(problem)s Correct the value, or explain it in the note column.")
                % {"problem": problem}
            )
    return check


def _year(raw, years: range | None) -> tuple[int | None, str | None]:
    """The row's year and the problem with it, if any; `years` are the KPI's entry years."""
    if isinstance(raw, str) and raw.isdigit() and raw.isascii():
        year = int(raw)  # the common case, without Decimal
    else:
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
        year = int(number)
    if years is not None and year not in years:
        return year, _("Year %(year)s is outside the plan (%(first)s–%(last)s).") % {
            "year": year,
            "first": years[0],
            "last": years[-1],
        }
    return year, None


def _not_yours(indicator: Indicator, *, enters_national: bool) -> str:
    region = indicator.plan.region
    if region is None:
        return _("This is a national-plan KPI: only ministry officers enter its values.")
    if enters_national:
        return _(
            "This KPI belongs to a regional plan (%(region)s): its secretariat enters its values."
        ) % {"region": region.name}
    return _(
        "This KPI belongs to another region (%(region)s): you may enter values only for "
        "your own region's KPIs."
    ) % {"region": region.name}
