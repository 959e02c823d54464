"""Annual reports of a plan: requesting one, and the job that builds its workbook.

A report for year Y shows the plan as it stands and every KPI judged on the approved values of
Y and earlier, so a report for a past year gives the same status it would have given then (as
far as the approved values are unchanged). Budgets are those of Y and earlier.
"""

from __future__ import annotations

import logging

from django.utils import timezone
from django.utils.translation import gettext_lazy

from plans.models import Plan
from reports import workbook
from reports.models import Report
from reports.queries import report_data

log = logging.getLogger(__name__)

BUILD_FAILED = gettext_lazy(
    "The report could not be built because of an internal error. Please request it again."
)


def request_report(*, plan: Plan, year: int, by) -> Report:
    """A queued report of `plan` for `year`; the caller queues the build job."""
    report = Report(plan=plan, year=year, requested_by=by, state=Report.State.QUEUED)
    report.full_clean()
    report.save()
    return report


def build_report(*, report_id: int) -> Report:
    """Build a queued (or failed) report's workbook; safe to run twice: ready is left alone."""
    report = (
        Report.objects.defer("workbook")
        .select_related("plan__region", "plan__implements")
        .get(pk=report_id)
    )
    if report.state == Report.State.READY:
        return report
    Report.objects.filter(pk=report.pk).update(state=Report.State.BUILDING, message="")
    try:
        content = workbook.workbook(report_data(report.plan, report.year))
    except Exception:
        log.exception(
            "Report %s (%s, %s) could not be built", report.pk, report.plan.key, report.year
        )
        # Never leave a report "building" forever: the list would promise it for nothing.
        report.state, report.message = Report.State.FAILED, str(BUILD_FAILED)
        report.finished_at = timezone.now()
        Report.objects.filter(pk=report.pk).update(
            state=report.state, message=report.message, finished_at=report.finished_at
        )
        raise
    report.state, report.message, report.workbook = Report.State.READY, "", content
    report.finished_at = timezone.now()
    Report.objects.filter(pk=report.pk).update(
        state=report.state, message="", workbook=content, finished_at=report.finished_at
    )
    return report


def report_file_name(report: Report) -> str:
    return f"{report.plan.key}-{report.year}-report.xlsx"
