"""The yearly reminder: from REMINDER_START each year, last year's missing KPI values.

Every region's secretariat gets one e-mail listing its KPIs whose value for last year is missing,
still a draft or returned; ministry officers get a digest of the submission board for that year.
Each e-mail is recorded in ReminderLog *before* it is sent, and the log's unique key
(day, kind, recipient) is what keeps two workers running at once from both sending it.
"""

import datetime
import logging
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators.models import Indicator, Observation, ReminderLog, WorkflowStatus
from plans.models import Plan
from regions.access import accounts_with_roles, enterers_by_place, reviewers
from regions.models import Region

log = logging.getLogger(__name__)

MISSING = "missing"
# Values the secretariat still has to act on; a submitted value waits for the ministry.
TO_DO = (MISSING, WorkflowStatus.DRAFT, WorkflowStatus.RETURNED)
SUBJECT_PREFIX = "[지방과학기술]"


@dataclass
class ReminderResult:
    sent: int
    skipped_already_sent: int
    reason: str | None = None
    # E-mails the mail server refused; their log rows are removed, so a later run retries.
    failed: int = 0
    # One line per recipient (or region without one), for the management command's output.
    details: list[str] = field(default_factory=list)


@dataclass
class DueValue:
    """A KPI whose value for the reported year is missing, a draft, or returned."""

    indicator: Indicator
    status: str

    @property
    def is_missing(self) -> bool:
        return self.status == MISSING

    @property
    def is_draft(self) -> bool:
        return self.status == WorkflowStatus.DRAFT

    @property
    def is_returned(self) -> bool:
        return self.status == WorkflowStatus.RETURNED


@dataclass
class BoardLine:
    """One line of the ministry digest: a region (None: the national plan) and its counts."""

    region: Region | None
    counts: Counter

    @property
    def missing(self) -> int:
        return self.counts[MISSING]

    @property
    def draft(self) -> int:
        return self.counts[WorkflowStatus.DRAFT]

    @property
    def submitted(self) -> int:
        return self.counts[WorkflowStatus.SUBMITTED]

    @property
    def returned(self) -> int:
        return self.counts[WorkflowStatus.RETURNED]

    @property
    def approved(self) -> int:
        return self.counts[WorkflowStatus.APPROVED]

    @property
    def expected(self) -> int:
        return sum(self.counts.values())

    @property
    def to_do(self) -> int:
        return sum(self.counts[status] for status in TO_DO)


def reminder_start(year: int) -> datetime.date:
    """The day of `year` from which reminders go out (settings.REMINDER_START, "MM-DD")."""
    raw = getattr(settings, "REMINDER_START", "03-01")
    match = re.fullmatch(r"(\d{2})-(\d{2})", str(raw).strip())
    problem = ImproperlyConfigured(
        f"REMINDER_START={raw!r} is not a day of the year written MM-DD (e.g. 03-01 for the "
        "first of March); 02-29 is refused because most years do not have it."
    )
    if match is None:
        raise problem
    try:
        # 2001 is not a leap year: a date valid in it is valid in every year.
        datetime.date(2001, int(match[1]), int(match[2]))
    except ValueError:
        raise problem from None
    return datetime.date(year, int(match[1]), int(match[2]))


def send_reminders(*, today: datetime.date | None = None) -> ReminderResult:
    """E-mail each secretariat its KPIs missing last year's value, and the ministry a digest."""
    today = today or timezone.localdate()
    year = today.year - 1
    start = reminder_start(today.year)
    if today < start:
        return ReminderResult(
            sent=0,
            skipped_already_sent=0,
            reason=_("Reminders for %(year)s start on %(start)s.")
            % {"year": year, "start": start.isoformat()},
        )
    # Three queries in all, whatever the number of regions and KPIs; then one insert per e-mail.
    ordered, due, counts = _year_status(year)
    secretariats, officers = _recipients()
    result = ReminderResult(sent=0, skipped_already_sent=0)
    for region in ordered:
        if region is not None and due.get(region.code):
            _remind_secretariat(result, today, year, region, due[region.code], secretariats)
    lines = [BoardLine(region, counts[region.code if region else None]) for region in ordered]
    _send_digest(result, today, year, lines, officers)
    if result.sent == result.skipped_already_sent == result.failed == 0:
        result.reason = _(
            "No reminder was due for %(year)s: no value is missing, or nobody who should hear "
            "about it has an e-mail address."
        ) % {"year": year}
    return result


def _year_status(year: int):
    """The places with KPIs for `year` (the national plan first, then the regions in their
    display order), each region's values still to do, and every place's status counts."""
    indicators = [
        i for i in Indicator.objects.select_related("plan__region") if year in i.entry_years
    ]
    status_of = dict(
        Observation.objects.filter(year=year).values_list("indicator_id", "status").order_by()
    )
    due: dict[str, list[DueValue]] = defaultdict(list)
    regions: dict[str | None, Region | None] = {}
    counts: dict[str | None, Counter] = defaultdict(Counter)
    for indicator in sorted(indicators, key=lambda i: (i.plan.key, i.pk)):
        region = indicator.plan.region
        code = region.code if region else None
        regions[code] = region
        status = status_of.get(indicator.pk, MISSING)
        counts[code][status] += 1
        if code is not None and status in TO_DO:
            due[code].append(DueValue(indicator, status))
    ordered = sorted(
        regions.values(), key=lambda r: (0, 0, "") if r is None else (1, r.order, r.code)
    )
    return ordered, due, counts


def _remind_secretariat(result, today, year: int, region: Region, values, secretariats) -> None:
    recipients = secretariats.get(region.code, [])
    if not recipients:
        result.details.append(
            f"secretariat {region.code} ({region.name_en}): {len(values)} value(s) due, "
            "but no active secretariat user has an e-mail address"
        )
        return
    subject, body = _secretariat_message(region=region, year=year, values=values)
    for recipient in recipients:
        _deliver(
            result,
            today=today,
            kind=ReminderLog.Kind.SECRETARIAT,
            recipient=recipient,
            region=region,
            year=year,
            missing=len(values),
            subject=subject,
            body=body,
            label=f"secretariat {region.code} ({region.name_en})",
        )


def _send_digest(result, today, year: int, lines: list, officers: list[str]) -> None:
    outstanding = sum(line.expected - line.approved for line in lines)
    if not lines or outstanding == 0:
        result.details.append(f"ministry: every value for {year} is approved; no digest")
        return
    if not officers:
        result.details.append("ministry: no active ministry officer has an e-mail address")
        return
    subject, body = _ministry_message(year=year, lines=lines)
    for recipient in officers:
        _deliver(
            result,
            today=today,
            kind=ReminderLog.Kind.MINISTRY,
            recipient=recipient,
            region=None,
            year=year,
            missing=sum(line.to_do for line in lines),
            subject=subject,
            body=body,
            label="ministry digest",
        )


def _recipients() -> tuple[dict[str, list[str]], list[str]]:
    """Addresses of those who enter each region's values, by region code, and of the
    reviewers (regions/access.py). One query."""

    def addresses(users) -> list[str]:
        return sorted({email for u in users if (email := u.email.strip())})

    accounts = accounts_with_roles()
    by_place = enterers_by_place(accounts)
    secretariats = {place: addresses(users) for place, users in by_place.items() if place}
    return secretariats, addresses(reviewers(accounts))


def _secretariat_message(*, region: Region, year: int, values: list[DueValue]) -> tuple[str, str]:
    by_plan: dict[Plan, list[DueValue]] = {}
    for value in values:
        by_plan.setdefault(value.indicator.plan, []).append(value)
    subject = f"{SUBJECT_PREFIX} {year}년 성과지표 실적 입력 안내 / KPI values due for {year}"
    body = render_to_string(
        "indicators/email/reminder_secretariat.txt",
        {
            "region": region,
            "year": year,
            "plans": list(by_plan.items()),
            "count": len(values),
            "url": f"{settings.SITE_URL}/workspace/?year={year}",
        },
    )
    return subject, body


def _ministry_message(*, year: int, lines: list[BoardLine]) -> tuple[str, str]:
    subject = f"{SUBJECT_PREFIX} {year}년 성과지표 실적 제출 현황 / KPI submission board for {year}"
    body = render_to_string(
        "indicators/email/reminder_ministry.txt",
        {"year": year, "lines": lines, "url": f"{settings.SITE_URL}/review/board/"},
    )
    return subject, body


def _deliver(
    result: ReminderResult,
    *,
    today: datetime.date,
    kind: str,
    recipient: str,
    region: Region | None,
    year: int,
    missing: int,
    subject: str,
    body: str,
    label: str,
) -> None:
    """Claim (recipient, kind, today) in ReminderLog, then send; give the claim back on failure.

    The claim is committed before the e-mail goes out (this function must not run inside a
    larger transaction in production), so a second worker running at the same time hits the
    unique constraint and skips. A worker that dies between the claim and the send loses that
    day's e-mail rather than risking a duplicate; the next day's run sends it.
    """
    try:
        with transaction.atomic():
            entry = ReminderLog.objects.create(
                sent_on=today,
                kind=kind,
                recipient=recipient,
                region=region,
                year=year,
                missing=missing,
            )
    except IntegrityError:
        result.skipped_already_sent += 1
        result.details.append(f"{label} → {recipient}: already sent on {today.isoformat()}")
        return
    try:
        EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient]).send()
    except Exception:
        log.exception("Could not send the %s reminder to %s", kind, recipient)
        try:
            entry.delete()
        except Exception:
            # The day's e-mail is then lost, not duplicated: tomorrow's run sends it.
            log.exception("Could not remove the reminder log of %s", recipient)
        result.failed += 1
        result.details.append(f"{label} → {recipient}: FAILED (will be retried)")
        return
    result.sent += 1
    result.details.append(f"{label} → {recipient}: sent ({missing} value(s) due)")
