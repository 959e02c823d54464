"""The rulebook of an entered KPI value: one set of rules for the web form, the year grid, the
API and the spreadsheet import, giving the same outcome and the same message for the same input.

Every path calls `check_entry` (or, for many rows at once, `check_entry` over `kpi_facts` loaded
once), and the services refuse what it refuses. A rule gives one of three outcomes:

*Refused* — nothing is saved, and a note cannot make it valid:
- the value is not a number (also: a number with its unit typed after it, "2.05%");
- its digit grouping is ambiguous: a comma that does not separate groups of three digits
  ("2,05", "1.234,5"); "1,234.5" and full-width digits ("２．０５") are fine;
- it has more digits than the database keeps (14 before the point, 6 after);
- a rank that is not a whole number or lies outside 1..the number of regions ranked;
  a share (%) below 0 or above 100; a negative count, number of persons or amount (억원);
  a count or number of persons that is not a whole number;
- the year is outside the KPI's years (after its baseline, through its plan's end) or after
  the current year;
- the source is not a web address (http:// or https://), or longer than 500 characters;
  the note is longer than 5,000 characters; either holds a NUL character.

*Needs a note* — saved as a draft, but it can be submitted only with a note explaining it:
- more than 3 standard deviations from the KPI's approved values of other years (with at
  least 3 of them);
- beyond the plausible range of the KPI: more than five times its baseline and target, or
  less than a fifth of them (the slipped decimal point: 23 for 2.3, 26 for 0.26);
- beyond a unit's soft bounds: a negative index, points outside 0..100.

*Accepted* — everything else, and a flagged value that has a note.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators.models import (
    MAX_DECIMALS,
    MAX_INTEGER_DIGITS,
    Indicator,
    Observation,
    WorkflowStatus,
)
from regions.access import NATIONAL
from regions.models import Region

ACCEPTED, NEEDS_NOTE, REFUSED = "accepted", "needs_note", "refused"
OUTLIER_SD = 3
MIN_HISTORY_FOR_OUTLIERS = 3
PLAUSIBLE_FACTOR = 5  # the message says "five times" and "a fifth"
MAX_SOURCE = 500
MAX_NOTE = 5000
# Units by the rules their values follow (keys of the seed's unit table).
WHOLE_UNITS = ("rank", "count", "persons")
NON_NEGATIVE_UNITS = ("count", "persons", "krw_100m")
SOFT_BOUNDS = {"index": (Decimal(0), None), "points": (Decimal(0), Decimal(100))}

# Up to 14 digits before and 6 after the point, ASCII: the common case, valid by its form.
_PLAIN = re.compile(r"-?[0-9]{1,14}(?:\.[0-9]{1,6})?")
# Commas only between groups of three digits before the point: 1,234 and 1,234,567.5 (not
# 0,261, which is a decimal comma).
_GROUPED = re.compile(r"[+-]?[1-9][0-9]{0,2}(?:,[0-9]{3})+(?:\.[0-9]+)?")
_NUMERIC = re.compile(r"[+-]?[0-9.,]+")
_NUMBER_WITH_UNIT = re.compile(r"[+-]?[0-9][0-9.,]*\s*[^\s0-9.,+-][^0-9]*")
_URL = URLValidator(schemes=["http", "https"])


@dataclass(frozen=True)
class Finding:
    """What one rule says of an entry: `field` is value, year, source or note."""

    code: str
    field: str
    message: str

    def __str__(self) -> str:
        return self.message


class ValueRefused(ValueError):
    def __init__(self, finding: Finding):
        self.finding = finding
        super().__init__(finding.message)


def this_year() -> int:
    """The current year in Korea: values are entered for it and the years before."""
    return timezone.localdate().year


# --------------------------------------------------------------------------- the value alone


def parse_value(raw) -> Decimal:
    """A KPI value from what a person typed (or a spreadsheet cell), as Decimal; ValueRefused
    with the rulebook's finding when it is not a number the database keeps exactly."""
    if isinstance(raw, Decimal | int) and not isinstance(raw, bool):
        value = Decimal(raw)
    else:
        text = "" if raw is None else str(raw)
        # Full-width digits, point, comma and minus (a Korean keyboard's) become ASCII.
        text = unicodedata.normalize("NFKC", text).replace("\u2212", "-").strip()
        if not text:
            raise ValueRefused(Finding("required", "value", _("Enter a value.")))
        if _PLAIN.fullmatch(text):
            return Decimal(text)
        if "," in text and _NUMERIC.fullmatch(text):
            if not _GROUPED.fullmatch(text):
                raise ValueRefused(
                    Finding(
                        "ambiguous_grouping",
                        "value",
                        _(
                            "“%(value)s” is ambiguous: use a point for decimals (2.05) and "
                            "commas only between groups of three digits (1,234.5)."
                        )
                        % {"value": text},
                    )
                )
            text = text.replace(",", "")
        try:
            value = Decimal(text)
        except InvalidOperation:
            if _NUMBER_WITH_UNIT.fullmatch(text):
                raise ValueRefused(
                    Finding(
                        "not_a_number",
                        "value",
                        _("“%(value)s” is not a number: type the number alone, without its unit.")
                        % {"value": text},
                    )
                ) from None
            raise ValueRefused(_not_a_number(raw)) from None
    if not value.is_finite():
        raise ValueRefused(_not_a_number(raw))
    # Trailing zeros after the point are not digits the database must keep (2.0500000).
    exponent = value.normalize().as_tuple().exponent if value else 0
    decimals = max(0, -exponent)
    # adjusted() is the power of ten of the first digit: 1E+20 has 21 digits before the point.
    integer_digits = value.adjusted() + 1 if value else 0
    if decimals > MAX_DECIMALS or integer_digits > MAX_INTEGER_DIGITS:
        raise ValueRefused(
            Finding(
                "too_many_digits",
                "value",
                _("Use at most %(digits)s digits before and %(decimals)s after the decimal point.")
                % {"digits": MAX_INTEGER_DIGITS, "decimals": MAX_DECIMALS},
            )
        )
    if value.as_tuple().exponent < -decimals:
        value = value.quantize(Decimal(1).scaleb(-decimals))  # drops zeros only: exact
    return value


def _not_a_number(raw) -> Finding:
    return Finding("not_a_number", "value", _("“%(value)s” is not a number.") % {"value": raw})


# --------------------------------------------------------------------------- facts of a KPI


@dataclass(frozen=True)
class KpiFacts:
    """What the rules need to know of one KPI, loaded once for any number of entries."""

    id: int
    unit: str
    baseline: Decimal
    target: Decimal
    years: range
    ranked: int
    # Approved values by year, for the outlier rule; their mean and standard deviation
    # without a given year are kept once computed (an import checks many rows of one KPI).
    history: dict[int, Decimal] = field(default_factory=dict)
    _spread: dict = field(default_factory=dict, compare=False, repr=False)
    # Worked out once from the fields above: an import checks many rows of one KPI.
    bounds: tuple[Decimal, Decimal] | None = field(init=False, compare=False, repr=False)
    soft: tuple[Decimal | None, Decimal | None] | None = field(
        init=False, compare=False, repr=False
    )
    plausible: tuple[Decimal, Decimal] | None = field(init=False, compare=False, repr=False)

    def __post_init__(self):
        sizes = [abs(v) for v in (self.baseline, self.target) if v]
        # |value| from a fifth of the smaller to five times the larger of baseline and target
        # (compared as |value| × 5 ≥ smaller, to stay exact).
        plausible = (min(sizes), PLAUSIBLE_FACTOR * max(sizes)) if sizes else None
        object.__setattr__(self, "bounds", unit_bounds(self.unit, self.ranked))
        object.__setattr__(self, "soft", SOFT_BOUNDS.get(self.unit))
        object.__setattr__(self, "plausible", plausible)

    def spread_without(self, year: int | None) -> tuple[float, float] | None:
        """Mean and standard deviation of the approved values of other years than `year`,
        or None when fewer than MIN_HISTORY_FOR_OUTLIERS remain."""
        if year not in self._spread:
            others = [float(v) for y, v in self.history.items() if y != year]
            if len(others) < MIN_HISTORY_FOR_OUTLIERS:
                self._spread[year] = None
            else:
                mean = math.fsum(others) / len(others)
                variance = math.fsum((h - mean) ** 2 for h in others) / (len(others) - 1)
                self._spread[year] = (mean, math.sqrt(variance))
        return self._spread[year]


def ranked_regions() -> int:
    """How many regions a rank is out of: the 시·도 registered (17)."""
    return Region.objects.count()


def kpi_facts(
    indicators: Iterable[Indicator], observations: Iterable[Observation] | None = None
) -> dict[int, KpiFacts]:
    """The facts of these KPIs (with their plans loaded), in two queries whatever their number;
    one, when the caller has read their `observations` already (the approved ones count)."""
    indicators = list(indicators)
    if observations is None:
        approved = (
            Observation.objects.approved()
            .filter(indicator_id__in=[i.pk for i in indicators])
            .order_by()
            .values_list("indicator_id", "year", "value")
        )
    else:
        approved = [
            (o.indicator_id, o.year, o.value)
            for o in observations
            if o.status == WorkflowStatus.APPROVED
        ]
    history: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for indicator_id, year, value in approved:
        history[indicator_id][year] = value
    ranked = ranked_regions() if any(i.unit_id == "rank" for i in indicators) else 0
    return {
        i.pk: KpiFacts(
            id=i.pk,
            unit=i.unit_id,
            baseline=i.baseline_value,
            target=i.target_value,
            years=i.entry_years,
            ranked=ranked,
            history=history.get(i.pk, {}),
        )
        for i in indicators
    }


def facts_of(indicator: Indicator) -> KpiFacts:
    return kpi_facts([indicator])[indicator.pk]


# --------------------------------------------------------------------------- the rules


def year_finding(years: range, year: int, *, current: int | None = None) -> Finding | None:
    """Why `year` cannot take a value of a KPI whose entry years are `years`, or None."""
    if year not in years:
        return Finding(
            "year_outside_plan",
            "year",
            _("%(year)s is outside this KPI's years (%(first)s–%(last)s).")
            % {"year": year, "first": years[0], "last": years[-1]},
        )
    current = this_year() if current is None else current
    if year > current:
        return Finding(
            "year_in_future",
            "year",
            _("%(year)s has not come yet: values can be entered up to %(current)s.")
            % {"year": year, "current": current},
        )
    return None


def unit_bounds(unit: str, ranked: int) -> tuple[Decimal, Decimal] | None:
    """What a value of the unit can be at all: a rank 1..the regions ranked, a share 0..100
    (None: no bound). Charts cut a forecast off at these bounds too."""
    if unit == "rank":
        return Decimal(1), Decimal(ranked)
    if unit == "pct":
        return Decimal(0), Decimal(100)
    return None


def open_years(indicator: Indicator) -> list[int]:
    """The years a value of this KPI can be entered for now: its entry years up to this one."""
    current = this_year()
    return [year for year in indicator.entry_years if year <= current]


def unit_findings(facts: KpiFacts, value: Decimal) -> list[Finding]:
    """Refusals by the value's unit: what the unit cannot be (a rank of 0, a share of 101%)."""
    unit, bounds = facts.unit, facts.bounds
    found = []
    if unit == "rank" and (
        value != value.to_integral_value() or not bounds[0] <= value <= bounds[1]
    ):
        found.append(
            Finding(
                "rank_range",
                "value",
                _("A rank must be a whole number from 1 to %(last)s.") % {"last": facts.ranked},
            )
        )
    elif unit == "pct" and not bounds[0] <= value <= bounds[1]:
        found.append(Finding("share_range", "value", _("A percentage must be between 0 and 100.")))
    elif unit in NON_NEGATIVE_UNITS and value < 0:
        found.append(Finding("negative", "value", _("This value cannot be negative.")))
    elif unit in WHOLE_UNITS and value != value.to_integral_value():
        found.append(Finding("not_whole", "value", _("This value must be a whole number.")))
    return found


def flag_findings(facts: KpiFacts, year: int | None, value: Decimal) -> list[Finding]:
    """Why the value needs a note before it can be submitted (it may still be right)."""
    found = []
    soft = facts.soft
    if soft and (
        (soft[0] is not None and value < soft[0]) or (soft[1] is not None and value > soft[1])
    ):
        low, high = soft
        found.append(
            Finding(
                "soft_bounds",
                "value",
                _("Values of this unit are usually from %(low)s to %(high)s.")
                % {"low": low, "high": "∞" if high is None else high},
            )
        )
    plausible = facts.plausible
    if plausible and (abs(value) > plausible[1] or abs(value) * PLAUSIBLE_FACTOR < plausible[0]):
        found.append(
            Finding(
                "implausible",
                "value",
                _(
                    "The value is more than five times this KPI's baseline and target, or less "
                    "than a fifth of them (%(baseline)s → %(target)s): check the decimal point."
                )
                % {"baseline": _plain(facts.baseline), "target": _plain(facts.target)},
            )
        )
    spread = facts.spread_without(year) if len(facts.history) >= MIN_HISTORY_FOR_OUTLIERS else None
    if spread is not None:
        mean, sd = spread
        distance = abs(float(value) - mean)
        if (sd == 0 and distance > 0) or (sd > 0 and distance > OUTLIER_SD * sd):
            found.append(
                Finding(
                    "outlier",
                    "value",
                    _(
                        "The value is far from this KPI's history (mean %(mean).4g, more than "
                        "%(n)s standard deviations away)."
                    )
                    % {"mean": mean, "n": OUTLIER_SD},
                )
            )
    return found


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def text_findings(source: str, note: str) -> list[Finding]:
    """Refusals of the source and note (already stripped)."""
    found = []
    if source:
        if len(source) > MAX_SOURCE:
            found.append(
                Finding(
                    "source_too_long",
                    "source",
                    _("The source is longer than %(max)s characters.") % {"max": MAX_SOURCE},
                )
            )
        else:
            try:
                _URL(source)
            except ValidationError:
                found.append(
                    Finding(
                        "source_not_url",
                        "source",
                        _("The source must be a web address starting with http:// or https://."),
                    )
                )
    if len(note) > MAX_NOTE:
        found.append(
            Finding(
                "note_too_long",
                "note",
                _("The note is longer than %(max)s characters.") % {"max": f"{MAX_NOTE:,}"},
            )
        )
    if "\x00" in note or "\x00" in source:
        found.append(
            Finding(
                "nul_character",
                "note" if "\x00" in note else "source",
                _("The note or source holds a NUL character, which cannot be stored: delete it."),
            )
        )
    return found


# --------------------------------------------------------------------------- one entry


@dataclass
class Entry:
    """An entry checked against the rulebook: the parsed value and what the rules found."""

    year: int | None
    value: Decimal | None
    source: str
    note: str
    refusals: list[Finding] = field(default_factory=list)
    flags: list[Finding] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        if self.refusals:
            return REFUSED
        if self.flags and not self.note:
            return NEEDS_NOTE
        return ACCEPTED

    @property
    def messages(self) -> list[str]:
        return [f.message for f in self.refusals]

    def refuse(self) -> None:
        """Raise ValidationError (by field) when any rule refuses the entry."""
        if self.refusals:
            by_field: dict[str, list[str]] = defaultdict(list)
            for finding in self.refusals:
                by_field[finding.field].append(finding.message)
            raise ValidationError(dict(by_field))


def check_entry(
    facts: KpiFacts, *, year: int | None, value, source="", note="", current: int | None = None
) -> Entry:
    """Every rule of the rulebook over one entry of one KPI (value as typed or a Decimal)."""
    entry = Entry(
        year=year,
        value=None,
        source=(source or "").strip(),
        note=(note or "").strip(),
    )
    if year is not None:
        problem = year_finding(facts.years, year, current=current)
        if problem:
            entry.refusals.append(problem)
    try:
        entry.value = parse_value(value)
    except ValueRefused as refused:
        entry.refusals.append(refused.finding)
    else:
        entry.refusals.extend(unit_findings(facts, entry.value))
        if not entry.refusals or all(f.field != "value" for f in entry.refusals):
            entry.flags.extend(flag_findings(facts, year, entry.value))
    if entry.source or entry.note:
        entry.refusals.extend(text_findings(entry.source, entry.note))
    return entry


def not_yours(indicator: Indicator, *, enters_national: bool) -> str:
    """Why a user may not enter this KPI's values (the same words on every path)."""
    if indicator.plan.region_id is NATIONAL:
        return _("This is a national-plan KPI: only ministry officers enter its values.")
    region = indicator.plan.region
    if enters_national:
        return _(
            "This KPI belongs to a regional plan (%(region)s): its secretariat enters its values."
        ) % {"region": region.name}
    return _(
        "This KPI belongs to another region (%(region)s): you may enter values only for "
        "your own region's KPIs."
    ) % {"region": region.name}
