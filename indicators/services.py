"""Writes to KPI values and targets, with the workflow's rules (docs/design.md, "Workflow").

draft → submitted → approved, and submitted → returned → (edit) → submitted; a ministry
officer may reopen an approved value (it goes back to the secretariat as returned). Those who
enter a KPI's values may delete its draft, and withdraw a submission not yet reviewed back to
draft. Every function checks permission (indicators/permissions.py), what an entered value
may be (indicators/entry.py, the rulebook), the version for optimistic locking, and records
who and why in the history.
"""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.bulk import copy_to_history, insert_rows
from core.cache import public_data_changed
from core.errors import ConflictError, WorkflowError
from indicators import entry, notifications
from indicators.models import Indicator, Observation, WorkflowStatus
from regions.access import may

EDITABLE = (WorkflowStatus.DRAFT, WorkflowStatus.RETURNED)


def _require(user, perm: str, obj) -> None:
    if not may(user, perm, obj):
        raise PermissionDenied(_("You may not do this for this KPI."))


def _stale(theirs: int, yours) -> str:
    return _(
        "This value was changed by someone else (version %(theirs)s; you edited "
        "version %(yours)s). Nothing was saved: reload to see the current value."
    ) % {"theirs": theirs, "yours": yours}


def _check_version(observation: Observation, version) -> None:
    if version is not None and int(version) != observation.version:
        raise ConflictError(_stale(observation.version, version))


def flags_of(observation: Observation, facts: entry.KpiFacts | None = None) -> list[entry.Finding]:
    """Why this value needs a note before it can be submitted (the rulebook's flags)."""
    facts = facts or entry.facts_of(observation.indicator)
    return entry.flag_findings(facts, observation.year, observation.value)


def note_required_because(observation: Observation, facts=None) -> str | None:
    """Why this value needs a note before it can be submitted, or None."""
    flags = flags_of(observation, facts)
    return flags[0].message if flags else None


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
    """Create or edit a KPI value as a draft (or keep it returned); never a locked one.

    The rulebook (indicators/entry.py) refuses what no note can make valid (ValidationError
    by field); a value it flags is saved, and needs a note before it can be submitted."""
    _require(by, "indicators.enter_value", indicator)
    checked = entry.check_entry(
        entry.facts_of(indicator), year=year, value=value, source=source, note=note
    )
    checked.refuse()
    value, source, note = checked.value, checked.source, checked.note
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


def _refused_now(observation: Observation, facts: entry.KpiFacts) -> list[str]:
    """What the rulebook refuses in a stored value (one kept from before a rule existed)."""
    return entry.check_entry(
        facts,
        year=observation.year,
        value=observation.value,
        source=observation.source,
        note=observation.note,
    ).messages


@transaction.atomic
def delete_observation(*, observation: Observation, by, version=None) -> None:
    """Delete a draft; its history keeps it. Submitted, returned and approved values stay."""
    observation = _locked_for(observation, by=by, perm="indicators.delete_value", version=version)
    if observation.status != WorkflowStatus.DRAFT:
        raise WorkflowError(
            _("Only a draft can be deleted; this value is %(status)s.")
            % {"status": observation.get_status_display()}
        )
    observation._history_user = by
    observation._change_reason = "deleted"
    observation.delete()


@transaction.atomic
def withdraw_observation(*, observation: Observation, by, version=None) -> Observation:
    """Take back a submitted value the ministry has not reviewed yet: it is a draft again."""
    observation = _locked_for(observation, by=by, perm="indicators.withdraw_value", version=version)
    if observation.status != WorkflowStatus.SUBMITTED:
        raise WorkflowError(
            _(
                "Only a submitted value the ministry has not reviewed yet can be withdrawn; "
                "this value is %(status)s."
            )
            % {"status": observation.get_status_display()}
        )
    observation.status = WorkflowStatus.DRAFT
    observation.submitted_by = observation.submitted_at = None
    observation.version += 1
    _record(observation, by=by, reason="withdrawn")
    return observation


@transaction.atomic
def submit_observations(*, observations: Iterable[Observation], by) -> list[Observation]:
    """Submit values for review, all or none; a value needing a note without one is refused."""
    observations = list(observations)
    facts = entry.kpi_facts({o.indicator_id: o.indicator for o in observations}.values())
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
        refused = _refused_now(observation, facts[observation.indicator_id])
        if refused:
            problems.extend(
                _("%(kpi)s %(year)s cannot be submitted: %(reason)s")
                % {"kpi": observation.indicator.name, "year": observation.year, "reason": reason}
                for reason in refused
            )
            continue
        reason = note_required_because(observation, facts[observation.indicator_id])
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


def _locked_for(observation: Observation, *, by, perm: str, version) -> Observation:
    """The value locked for a change, once `by` may make it and nobody changed it since."""
    observation = _locked(observation)
    _require(by, perm, observation)
    _check_version(observation, version)
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
    facts: dict[int, entry.KpiFacts] = {}
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
        if observation.indicator_id not in facts:
            facts[observation.indicator_id] = entry.facts_of(observation.indicator)
        refused = _refused_now(observation, facts[observation.indicator_id])
        if refused:
            # Submitted before a rule existed: the rulebook refuses it at every stage.
            raise WorkflowError(
                _("%(kpi)s %(year)s cannot be approved: %(reason)s Return it to the secretariat.")
                % {
                    "kpi": observation.indicator.name,
                    "year": observation.year,
                    "reason": refused[0],
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
    observation = _locked_for(observation, by=by, perm="indicators.review_value", version=version)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Say why the value is returned.")})
    if observation.status != WorkflowStatus.SUBMITTED:
        raise WorkflowError(_("Only a submitted value can be returned."))
    return _send_back(observation, by=by, text=comment, code="returned")


@transaction.atomic
def reopen_observation(*, observation: Observation, by, reason: str, version=None) -> Observation:
    """Unlock an approved value for correction (it goes back as returned), with a reason."""
    observation = _locked_for(observation, by=by, perm="indicators.reopen_value", version=version)
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
    try:
        value = entry.parse_value(target_value)
    except entry.ValueRefused as refused:
        raise ValidationError({"target_value": refused.finding.message}) from None
    problems = entry.unit_findings(entry.facts_of(indicator), value)
    if problems:
        raise ValidationError({"target_value": problems[0].message})
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

    Each entry has indicator, year, value (Decimal, as the rulebook parsed it), source, note
    (stripped) and the `version` read when it was checked (None for a value that did not exist
    then). The rulebook's refusals are checked again (indicators/entry.py: the year, and what
    the value's unit allows); its flags only matter for submitting. Built for spreadsheet
    imports of 100,000 rows: a few queries per 5,000 entries instead of several per entry.
    Raises EntryError naming the failing entry; the transaction then writes nothing.
    """
    bulk = _BulkSave(entries, by)
    written = 0
    for start in range(0, len(entries), BULK_CHUNK):
        chunk = entries[start : start + BULK_CHUNK]
        bulk.write_chunk(start, chunk)
        written += len(chunk)
        if progress is not None:
            progress(written)
    bulk.record_created()
    return written


class _BulkSave:
    """One call of save_observations: what it knows of the KPIs, and what it wrote."""

    def __init__(self, entries: list[dict], by):
        self.entries, self.by = entries, by
        self.allowed: dict[int, bool] = {}
        self.facts = entry.kpi_facts({e["indicator"].id: e["indicator"] for e in entries}.values())
        self.current = entry.this_year()
        self.now = timezone.now()
        self.created = 0

    def write_chunk(self, start: int, chunk: list[dict]) -> None:
        existing = self._locked(chunk)
        creates, updates = [], []
        for offset, item in enumerate(chunk):
            position = start + offset
            self._check(position, item)
            observation = existing.get((item["indicator"].id, item["year"]))
            if observation is None:
                if item["version"] is not None:
                    raise EntryError(position, _("This value was deleted since you read it."))
                creates.append(
                    {
                        "indicator_id": item["indicator"].id,
                        "year": item["year"],
                        "value": item["value"],
                        "source": item["source"],
                        "note": item["note"],
                    }
                )
            else:
                updates.append(self._updated(position, observation, item))
        if creates:
            shared = {
                "status": WorkflowStatus.DRAFT,
                "entered_by_id": self.by.pk,
                "entered_at": self.now,
                "updated_at": self.now,
                "version": 1,
            }
            insert_rows(Observation, creates, shared)
            self.created += len(creates)
        if updates:
            Observation.objects.bulk_update(updates, fields=BULK_FIELDS, batch_size=BULK_CHUNK)
            copy_to_history(
                Observation.objects.filter(pk__in=[o.pk for o in updates]),
                by=self.by,
                when=self.now,
                reason="edited",
                kind="~",
            )

    def _locked(self, chunk: list[dict]) -> dict[tuple[int, int], Observation]:
        # Values read when checked are locked and compared. A chunk of new values only needs
        # no lookup: the unique (KPI, year) index refuses a value someone created meanwhile
        # (IntegrityError; the caller finds which).
        if all(item["version"] is None for item in chunk):
            return {}
        return {
            (o.indicator_id, o.year): o
            for o in Observation.objects.select_for_update(of=("self",))
            .filter(
                indicator_id__in={item["indicator"].id for item in chunk},
                year__in={item["year"] for item in chunk},
            )
            .order_by()
        }

    def _check(self, position: int, item: dict) -> None:
        indicator = item["indicator"]
        if indicator.id not in self.allowed:
            self.allowed[indicator.id] = may(self.by, "indicators.enter_value", indicator)
        if not self.allowed[indicator.id]:
            raise EntryError(position, _("You may not do this for this KPI."))
        kpi = self.facts[indicator.id]
        refused = entry.year_finding(kpi.years, item["year"], current=self.current) or next(
            iter(entry.unit_findings(kpi, item["value"])), None
        )
        if refused:
            raise EntryError(position, refused.message)

    def _updated(self, position: int, observation: Observation, item: dict) -> Observation:
        if item["version"] is None:
            raise EntryError(
                position,
                _("Someone else entered a value for this KPI and year after your preview."),
            )
        if observation.version != item["version"]:
            raise EntryError(position, _stale(observation.version, item["version"]))
        if observation.status not in EDITABLE:
            raise EntryError(
                position,
                _("This value is %(status)s and cannot be edited.")
                % {"status": observation.get_status_display()},
            )
        observation.value, observation.source = item["value"], item["source"]
        observation.note, observation.entered_by = item["note"], self.by
        observation.entered_at = observation.updated_at = self.now
        observation.version += 1
        return observation

    def record_created(self) -> None:
        if not self.created:
            return
        # The values this call created, and only those: version 1, entered by `by` at `now`
        # (to the microsecond; values created by others or earlier cannot match).
        copy_to_history(
            Observation.objects.filter(
                indicator_id__in={item["indicator"].id for item in self.entries},
                version=1,
                entered_by=self.by,
                entered_at=self.now,
            ),
            by=self.by,
            when=self.now,
            reason="entered",
            kind="+",
        )
