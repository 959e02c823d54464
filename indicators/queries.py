"""Reads for the data-entry and review pages, each in a fixed number of SQL queries."""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from indicators import entry
from indicators.models import Indicator, Observation, WorkflowStatus
from regions.access import may
from regions.models import Region

STATUS_COLUMNS = [
    "missing",
    WorkflowStatus.DRAFT,
    WorkflowStatus.SUBMITTED,
    WorkflowStatus.RETURNED,
    WorkflowStatus.APPROVED,
]


def editable_indicators(user) -> list[Indicator]:
    """The KPIs whose values this user enters, in plan order."""
    return list(
        Indicator.objects.editable_by(user)
        .select_related("plan__region", "unit")
        .order_by("plan__key", "id")
    )


def default_year(years: list[int]) -> int | None:
    """Last year's return is the one due: the latest year before this one, if any."""
    if not years:
        return None
    due = [y for y in years if y < entry.this_year()]
    return due[-1] if due else years[0]


@dataclass
class WorkspaceRow:
    indicator: Indicator
    observation: Observation | None
    # Why the value needs a note before it can be submitted (the rulebook's flags).
    flags: list = field(default_factory=list)

    @property
    def editable(self) -> bool:
        return self.observation is None or self.observation.status in (
            WorkflowStatus.DRAFT,
            WorkflowStatus.RETURNED,
        )

    @property
    def needs_note(self) -> bool:
        return bool(self.flags) and not (self.observation and self.observation.note)


@dataclass
class Workspace:
    indicators: list[Indicator]
    years: list[int]
    year: int | None
    rows: list[WorkspaceRow]
    matrix: list[tuple[Indicator, list[tuple[int, Observation | None, bool]]]] = field(
        default_factory=list
    )


def workspace(user, year: int | None) -> Workspace:
    """The user's KPIs, a KPI × year matrix of statuses, and the rows of one year."""
    indicators = editable_indicators(user)
    years = sorted({y for i in indicators for y in entry.open_years(i)})
    if year not in years:
        year = default_year(years)
    observations = {
        (o.indicator_id, o.year): o
        for o in Observation.objects.filter(indicator__in=indicators).select_related("reviewed_by")
    }
    facts = entry.kpi_facts(indicators, observations.values())
    rows = []
    for indicator in indicators:
        if year not in indicator.entry_years:
            continue
        observation = observations.get((indicator.pk, year))
        flags = (
            entry.flag_findings(facts[indicator.pk], year, observation.value)
            if observation is not None
            else []
        )
        rows.append(WorkspaceRow(indicator, observation, flags))
    matrix = [
        (i, [(y, observations.get((i.pk, y)), y in i.entry_years) for y in years])
        for i in indicators
    ]
    return Workspace(indicators=indicators, years=years, year=year, rows=rows, matrix=matrix)


@dataclass
class ValuePage:
    """One KPI's value for one year, as its form shows it."""

    indicator: Indicator
    year: int
    observation: Observation | None
    flags: list
    history: list  # HistoryRow of this year's value, newest first
    others: list[Observation]  # the KPI's values of other years, for comparison
    year_refused: entry.Finding | None = None  # the rulebook's word on the year


def value_page(user, indicator_id: int, year: int) -> ValuePage:
    """A KPI the user enters, with its value of `year` (404 for another KPI); a year the
    rulebook refuses comes with the reason instead of a form."""
    indicator = get_object_or_404(
        Indicator.objects.editable_by(user).select_related("plan__region", "unit", "task"),
        pk=indicator_id,
    )
    values = list(Observation.objects.filter(indicator=indicator).order_by("year"))
    observation = next((o for o in values if o.year == year), None)
    flags = (
        entry.flag_findings(entry.facts_of(indicator), year, observation.value)
        if observation is not None
        else []
    )
    return ValuePage(
        indicator=indicator,
        year=year,
        observation=observation,
        flags=flags,
        history=[row for row in value_history(indicator, user) if row.year == year],
        others=[o for o in values if o.year != year],
        year_refused=entry.year_finding(indicator.entry_years, year),
    )


def review_queue(*, region: str = "", plan: str = "", year: str = "") -> list[Observation]:
    """Submitted values awaiting review, oldest submission first."""
    queryset = Observation.objects.filter(status=WorkflowStatus.SUBMITTED).select_related(
        "indicator__plan__region", "indicator__unit", "submitted_by", "entered_by"
    )
    if region:
        queryset = queryset.filter(indicator__plan__region_id=region)
    if plan:
        queryset = queryset.filter(indicator__plan__key=plan)
    if year.isdigit():
        queryset = queryset.filter(year=int(year))
    return list(queryset.order_by("submitted_at", "pk"))


@dataclass
class BoardCell:
    year: int
    counts: Counter

    @property
    def expected(self) -> int:
        return sum(self.counts.values())

    def ordered(self) -> list[tuple[str, int]]:
        return [(status, self.counts.get(status, 0)) for status in STATUS_COLUMNS]


def submission_board() -> tuple[list[int], list[tuple[Region | None, list[BoardCell]]]]:
    """Regions (and the national plan) × years: how many values are missing, draft,
    submitted, returned and approved. Three queries."""
    indicators = list(Indicator.objects.select_related("plan").order_by("id"))
    status_of = {
        (indicator_id, year): status
        for indicator_id, year, status in Observation.objects.values_list(
            "indicator_id", "year", "status"
        )
    }
    years = sorted({y for i in indicators for y in i.entry_years})
    counts: dict[str | None, dict[int, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for indicator in indicators:
        for year in indicator.entry_years:
            status = status_of.get((indicator.pk, year), "missing")
            counts[indicator.plan.region_id][year][status] += 1
    lines = []
    regions = list(Region.objects.all())
    for region in [None, *regions]:
        by_year = counts.get(region.code if region else None, {})
        lines.append((region, [BoardCell(y, by_year.get(y, Counter())) for y in years]))
    return years, lines


@dataclass
class HistoryRow:
    when: datetime.datetime
    who: str
    year: int
    old_value: object
    new_value: object
    old_status: str
    new_status: str
    reason: str


def value_history(indicator: Indicator, user) -> list[HistoryRow]:
    """Every change of the KPI's values, newest first: all of it for the ministry and the
    region's secretariat, only the changes that made a value approved for everyone else."""
    full = may(user, "indicators.view_unapproved", indicator)
    records = list(
        Observation.history.filter(indicator_id=indicator.pk)
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    rows, previous = [], {}
    for record in records:
        if not full and record.status != WorkflowStatus.APPROVED:
            continue  # the public never sees a value that was not approved, even as "old"
        before = previous.get(record.id)
        previous[record.id] = record
        rows.append(
            HistoryRow(
                when=record.history_date,
                who=record.history_user.get_username() if record.history_user else "",
                year=record.year,
                old_value=before.value if before else None,
                new_value=record.value,
                old_status=before.get_status_display() if before else "",
                new_status=_("Deleted")
                if record.history_type == "-"
                else record.get_status_display(),
                reason=describe_reason(record.history_change_reason or ""),
            )
        )
    rows.sort(key=lambda row: row.when, reverse=True)
    return rows


REASONS = {
    "seed": _("loaded from the seed data"),
    "entered": _("entered"),
    "edited": _("edited"),
    "submitted": _("submitted"),
    "approved": _("approved"),
    "returned": _("returned"),
    "reopened": _("reopened"),
    "withdrawn": _("withdrawn"),
    "deleted": _("deleted"),
}


def describe_reason(reason: str) -> str:
    """A stored history reason ("returned: check the source") in the reader's language."""
    code, separator, rest = reason.partition(": ")
    if code in REASONS:
        return f"{REASONS[code]}: {rest}" if separator else str(REASONS[code])
    return reason
