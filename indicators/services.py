"""Writes to KPI values and targets, with the workflow's rules (DESIGN.md "Submission workflow").

draft → submitted → approved, and submitted → returned → (edit) → submitted; a ministry
officer may reopen an approved value (it goes back to the secretariat as returned). Every
function checks permission (indicators/permissions.py), the version for optimistic locking,
and records who and why in the history.
"""

import math
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.bulk import copy_to_history, insert_rows
from core.cache import public_data_changed
from core.errors import ConflictError, WorkflowError
from indicators import notifications
from indicators.models import Indicator, Observation, WorkflowStatus
from regions.access import may

MAX_INTEGER_DIGITS = 14
MAX_DECIMALS = 6
OUTLIER_SD = 3
MIN_HISTORY_FOR_OUTLIERS = 3
EDITABLE = (WorkflowStatus.DRAFT, WorkflowStatus.RETURNED)


def _require(user, perm: str, obj) -> None:
    if not may(user, perm, obj):
        raise PermissionDenied(_("You may not do this for this KPI."))


def _check_version(observation: Observation, version) -> None:
    if version is not None and int(version) != observation.version:
        raise ConflictError(
            _(
                "This value was changed by someone else (version %(theirs)s; you edited "
                "version %(yours)s). Nothing was saved: reload to see the current value."
            )
            % {"theirs": observation.version, "yours": version}
        )


# Up to MAX_INTEGER_DIGITS digits before and MAX_DECIMALS after the point, ASCII only.
_PLAIN_VALUE = re.compile(r"-?[0-9]{1,14}(?:\.[0-9]{1,6})?")


def parse_value(raw) -> Decimal:
    """A KPI value from text or number, as Decimal; ValidationError with a clear message."""
    if isinstance(raw, Decimal):
        value = raw
    else:
        text = str(raw if raw is not None else "").strip().replace(",", "")
        if not text:
            raise ValidationError(_("Enter a value."), code="required")
        if _PLAIN_VALUE.fullmatch(text):  # the common case, within the limits by its form
            return Decimal(text)
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValidationError(
                _("“%(value)s” is not a number."), code="invalid", params={"value": raw}
            ) from None
    if not value.is_finite():
        raise ValidationError(
            _("“%(value)s” is not a number."), code="invalid", params={"value": raw}
        )
    decimals = max(0, -value.as_tuple().exponent)
    # adjusted() is the power of ten of the first digit: 1E+20 has 21 digits before the point.
    integer_digits = value.adjusted() + 1 if value else 0
    if decimals > MAX_DECIMALS or integer_digits > MAX_INTEGER_DIGITS:
        raise ValidationError(
            _("Use at most %(digits)s digits before and %(decimals)s after the decimal point."),
            code="invalid",
            params={"digits": MAX_INTEGER_DIGITS, "decimals": MAX_DECIMALS},
        )
    return value


def bounds_problem(indicator: Indicator, value: Decimal) -> str | None:
    """Why the value is outside its unit's possible range, or None."""
    unit = indicator.unit_id
    if unit == "rank" and (value != value.to_integral_value() or not 1 <= value <= 17):
        return _("A rank must be a whole number from 1 to 17.")
    if unit == "pct" and not 0 <= value <= 100:
        return _("A percentage must be between 0 and 100.")
    if unit in ("count", "persons", "krw_100m") and value < 0:
        return _("This value cannot be negative.")
    return None


def outlier_problem(indicator: Indicator, year: int, value: Decimal) -> str | None:
    """Why the value stands out from the KPI's approved history (over 3 SD), or None."""
    history = [
        float(v)
        for y, v in indicator.observations.approved()
        .exclude(year=year)
        .values_list("year", "value")
    ]
    if len(history) < MIN_HISTORY_FOR_OUTLIERS:
        return None
    mean = sum(history) / len(history)
    sd = math.sqrt(sum((h - mean) ** 2 for h in history) / (len(history) - 1))
    distance = abs(float(value) - mean)
    if (sd == 0 and distance > 0) or (sd > 0 and distance > OUTLIER_SD * sd):
        return _(
            "The value is far from this KPI's history (mean %(mean).4g, more than "
            "%(n)s standard deviations away)."
        ) % {"mean": mean, "n": OUTLIER_SD}
    return None


def note_required_because(observation: Observation) -> str | None:
    """Why this value needs a note before it can be submitted, or None."""
    return bounds_problem(observation.indicator, observation.value) or outlier_problem(
        observation.indicator, observation.year, observation.value
    )


def clean_source(source: str) -> str:
    source = (source or "").strip()
    if source:
        try:
            URLValidator(schemes=["http", "https"])(source)
        except ValidationError:
            raise ValidationError(
                {"source": _("The source must be a web address starting with http:// or https://.")}
            ) from None
    return source


def _record(observation: Observation, *, by, reason: str) -> None:
    # The reason is stored in English ("returned: <comment>") whatever the user's language;
    # queries.describe_reason translates the known prefixes for display.
    observation._history_user = by
    observation._change_reason = reason
    observation.full_clean()
    observation.save()


@transaction.atomic
def save_observation(
    *, indicator: Indicator, year: int, value, by, source: str = "", note: str = "", version=None
) -> Observation:
    """Create or edit a KPI value as a draft (or keep it returned); never a locked one."""
    _require(by, "indicators.enter_value", indicator)
    if year not in indicator.entry_years:
        raise ValidationError(
            {
                "year": _("%(year)s is outside this KPI's years (%(first)s–%(last)s).")
                % {
                    "year": year,
                    "first": indicator.entry_years[0],
                    "last": indicator.entry_years[-1],
                }
            }
        )
    value = parse_value(value)
    source = clean_source(source)
    note = (note or "").strip()
    # order_by(): the default ordering joins the plan's nullable region, and PostgreSQL
    # cannot lock the nullable side of an outer join.
    observation = (
        Observation.objects.select_for_update(of=("self",))
        .filter(indicator=indicator, year=year)
        .order_by()
        .first()
    )
    now = timezone.now()
    if observation is None:
        observation = Observation(
            indicator=indicator,
            year=year,
            value=value,
            source=source,
            note=note,
            status=WorkflowStatus.DRAFT,
            entered_by=by,
            entered_at=now,
        )
        _record(observation, by=by, reason="entered")
        return observation
    _check_version(observation, version)
    if observation.status not in EDITABLE:
        raise WorkflowError(
            _("This value is %(status)s and cannot be edited.")
            % {"status": observation.get_status_display()}
        )
    if (observation.value, observation.source, observation.note) == (value, source, note):
        return observation
    observation.value, observation.source, observation.note = value, source, note
    observation.entered_by, observation.entered_at = by, now
    observation.version += 1
    _record(observation, by=by, reason="edited")
    return observation


@transaction.atomic
def submit_observations(*, observations: Iterable[Observation], by) -> list[Observation]:
    """Submit values for review, all or none; a value needing a note without one is refused."""
    submitted = []
    problems = []
    for observation in observations:
        _require(by, "indicators.enter_value", observation)
        if observation.status not in EDITABLE:
            raise WorkflowError(
                _("%(kpi)s %(year)s is %(status)s and cannot be submitted.")
                % {
                    "kpi": observation.indicator.name,
                    "year": observation.year,
                    "status": observation.get_status_display(),
                }
            )
        reason = note_required_because(observation)
        if reason and not observation.note:
            problems.append(
                _("%(kpi)s %(year)s needs a note before it can be submitted: %(reason)s")
                % {"kpi": observation.indicator.name, "year": observation.year, "reason": reason}
            )
            continue
        observation.status = WorkflowStatus.SUBMITTED
        observation.submitted_by, observation.submitted_at = by, timezone.now()
        observation.version += 1
        _record(observation, by=by, reason="submitted")
        submitted.append(observation)
    if problems:
        raise ValidationError(problems)
    if submitted:
        transaction.on_commit(lambda: notifications.values_submitted(submitted, by=by))
    return submitted


def submit_observation(*, observation: Observation, by, version=None) -> Observation:
    """Submit one value for review."""
    with transaction.atomic():
        observation = _locked(observation)
        _check_version(observation, version)
        submit_observations(observations=[observation], by=by)
    return observation


def _locked(observation: Observation) -> Observation:
    return (
        Observation.objects.select_for_update(of=("self",))
        .select_related("indicator__plan", "indicator__unit")
        .get(pk=observation.pk)
    )


@transaction.atomic
def approve_observations(*, observations: Iterable[Observation], by) -> int:
    """Approve submitted values, all or none; they become public."""
    count = 0
    for observation in observations:
        observation = _locked(observation)
        _require(by, "indicators.review_value", observation)
        if observation.status != WorkflowStatus.SUBMITTED:
            raise WorkflowError(
                _("%(kpi)s %(year)s is %(status)s, not submitted.")
                % {
                    "kpi": observation.indicator.name,
                    "year": observation.year,
                    "status": observation.get_status_display(),
                }
            )
        observation.status = WorkflowStatus.APPROVED
        observation.reviewed_by, observation.reviewed_at = by, timezone.now()
        observation.version += 1
        _record(observation, by=by, reason="approved")
        count += 1
    if count:
        public_data_changed()
    return count


def approve_observation(*, observation: Observation, by, version=None) -> Observation:
    """Approve one submitted value."""
    with transaction.atomic():
        locked = _locked(observation)
        _check_version(locked, version)
        approve_observations(observations=[locked], by=by)
    return _locked(observation)


def _send_back(observation: Observation, *, by, text: str, code: str) -> Observation:
    """Hand a value back to the secretariat as returned, with the ministry's words."""
    observation.status = WorkflowStatus.RETURNED
    observation.review_comment = text
    observation.reviewed_by, observation.reviewed_at = by, timezone.now()
    observation.version += 1
    _record(observation, by=by, reason=f"{code}: {text}")
    transaction.on_commit(lambda: notifications.value_returned(observation, by=by))
    if code == "reopened":
        public_data_changed()  # an approved value leaves the public figures
    return observation


@transaction.atomic
def return_observation(*, observation: Observation, by, comment: str, version=None) -> Observation:
    """Send a submitted value back to the secretariat with a required comment."""
    observation = _locked(observation)
    _require(by, "indicators.review_value", observation)
    _check_version(observation, version)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Say why the value is returned.")})
    if observation.status != WorkflowStatus.SUBMITTED:
        raise WorkflowError(_("Only a submitted value can be returned."))
    return _send_back(observation, by=by, text=comment, code="returned")


@transaction.atomic
def reopen_observation(*, observation: Observation, by, reason: str, version=None) -> Observation:
    """Unlock an approved value for correction (it goes back as returned), with a reason."""
    observation = _locked(observation)
    _require(by, "indicators.reopen_value", observation)
    _check_version(observation, version)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the approved value is reopened.")})
    if observation.status != WorkflowStatus.APPROVED:
        raise WorkflowError(_("Only an approved value can be reopened."))
    return _send_back(observation, by=by, text=reason, code="reopened")


@transaction.atomic
def revise_target(
    *, indicator: Indicator, target_year: int, target_value, reason: str, by
) -> Indicator:
    """Change a KPI's target, keeping the old one in history with the reason."""
    _require(by, "indicators.revise_target", indicator)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the target is revised.")})
    value = parse_value(target_value)
    problem = bounds_problem(indicator, value)
    if problem:
        raise ValidationError({"target_value": problem})
    indicator = Indicator.objects.select_for_update().get(pk=indicator.pk)
    if (indicator.target_year, indicator.target_value) == (target_year, value):
        raise ValidationError(_("The new target is the same as the current one."))
    indicator.target_year, indicator.target_value = target_year, value
    indicator._history_user = by
    indicator._change_reason = reason
    indicator.full_clean()
    indicator.save(update_fields=["target_year", "target_value"])
    public_data_changed()
    return indicator


class EntryError(WorkflowError):
    """One entry of a bulk write failed; `position` says which (nothing was written)."""

    def __init__(self, position: int, message: str):
        self.position = position
        super().__init__(message)


BULK_CHUNK = 5000
BULK_FIELDS = ["value", "source", "note", "entered_by", "entered_at", "updated_at", "version"]


@transaction.atomic
def save_observations(*, entries: list[dict], by, progress=None) -> int:
    """Save many values as drafts at once, with save_observation's rules, all or none.

    Each entry has indicator, year, value (Decimal, already validated), source, note and the
    `version` read when it was checked (None for a value that did not exist then). Built for
    spreadsheet imports of 100,000 rows: a few queries per 5,000 entries instead of several
    per entry. Raises EntryError naming the failing entry; the transaction then writes nothing.
    """
    allowed: dict[int, bool] = {}
    years: dict[int, range] = {}
    now = timezone.now()
    written = created = 0
    for start in range(0, len(entries), BULK_CHUNK):
        chunk = entries[start : start + BULK_CHUNK]
        indicator_ids = {entry["indicator"].id for entry in chunk}
        existing = {}
        # Values read when checked are locked and compared. A chunk of new values only needs
        # no lookup: the unique (KPI, year) index refuses a value someone created meanwhile
        # (IntegrityError; the caller finds which).
        if any(entry["version"] is not None for entry in chunk):
            existing = {
                (o.indicator_id, o.year): o
                for o in Observation.objects.select_for_update(of=("self",))
                .filter(indicator_id__in=indicator_ids, year__in={e["year"] for e in chunk})
                .order_by()
            }
        creates, updates = [], []
        for offset, entry in enumerate(chunk):
            position, indicator = start + offset, entry["indicator"]
            if indicator.id not in allowed:
                allowed[indicator.id] = may(by, "indicators.enter_value", indicator)
                years[indicator.id] = indicator.entry_years
            if not allowed[indicator.id]:
                raise EntryError(position, _("You may not do this for this KPI."))
            if entry["year"] not in years[indicator.id]:
                raise EntryError(
                    position, _("%(year)s is outside this KPI's years.") % {"year": entry["year"]}
                )
            observation = existing.get((indicator.id, entry["year"]))
            if observation is None:
                if entry["version"] is not None:
                    raise EntryError(position, _("This value was deleted since you read it."))
                creates.append(
                    {
                        "indicator_id": indicator.id,
                        "year": entry["year"],
                        "value": entry["value"],
                        "source": entry["source"],
                        "note": entry["note"],
                    }
                )
                continue
            if entry["version"] is None:
                raise EntryError(
                    position,
                    _("Someone else entered a value for this KPI and year after your preview."),
                )
            if observation.version != entry["version"]:
                raise EntryError(
                    position,
                    _(
                        "This value was changed by someone else (version %(theirs)s; you edited "
                        "version %(yours)s). Nothing was saved: reload to see the current value."
                    )
                    % {"theirs": observation.version, "yours": entry["version"]},
                )
            if observation.status not in EDITABLE:
                raise EntryError(
                    position,
                    _("This value is %(status)s and cannot be edited.")
                    % {"status": observation.get_status_display()},
                )
            observation.value, observation.source = entry["value"], entry["source"]
            observation.note, observation.entered_by = entry["note"], by
            observation.entered_at = observation.updated_at = now
            observation.version += 1
            updates.append(observation)
        if creates:
            insert_rows(
                Observation,
                creates,
                {
                    "status": WorkflowStatus.DRAFT,
                    "entered_by_id": by.pk,
                    "entered_at": now,
                    "updated_at": now,
                    "version": 1,
                },
            )
            created += len(creates)
        if updates:
            Observation.objects.bulk_update(updates, fields=BULK_FIELDS, batch_size=BULK_CHUNK)
            copy_to_history(
                Observation.objects.filter(pk__in=[o.pk for o in updates]),
                by=by,
                when=now,
                reason="edited",
                kind="~",
            )
        written += len(chunk)
        if progress is not None:
            progress(written)
    if created:
        # The values this call created, and only those: version 1, entered by `by` at `now`
        # (to the microsecond; values created by others or earlier cannot match).
        copy_to_history(
            Observation.objects.filter(
                indicator_id__in={entry["indicator"].id for entry in entries},
                version=1,
                entered_by=by,
                entered_at=now,
            ),
            by=by,
            when=now,
            reason="entered",
            kind="+",
        )
    return written
