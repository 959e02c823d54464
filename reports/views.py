"""Pages of a plan's annual reports (thin: the work is in reports/services.py).

Reports are public, like the plan pages: they contain approved values only. Requesting one is
for ministry officers and the plan region's secretariat.
"""

import logging

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from core.jobs import JobsUnavailable, enqueue
from plans.models import Plan
from regions.access import may
from reports import queries, services, tasks, workbook
from reports.models import Report

log = logging.getLogger(__name__)

# The list shows the latest reports; older ones stay downloadable by their address.
REPORTS_SHOWN = 50


class RequestForm(forms.Form):
    year = forms.TypedChoiceField(
        label=gettext_lazy("Report year"),
        coerce=int,
        error_messages={"invalid_choice": gettext_lazy("Choose one of the plan's years.")},
    )

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(year, str(year)) for year in years]


def _plan(key: str) -> Plan:
    return get_object_or_404(Plan.objects.select_related("region"), key=key)


def _ready_report(key: str, report_id: int, *fields_deferred: str) -> Report:
    return get_object_or_404(
        Report.objects.select_related("plan__region", "plan__implements").defer(*fields_deferred),
        pk=report_id,
        plan__key=key,
        state=Report.State.READY,
    )


def report_list(request, key):
    """The plan's reports, newest first; officers and the region's secretariat request one."""
    plan = _plan(key)
    may_request = may(request.user, "reports.request_report", plan)
    years = queries.report_years(plan)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not may_request:
            raise PermissionDenied(_("Only the ministry and this region's secretariat may do so."))
        form = RequestForm(request.POST, years=years)
        if form.is_valid():
            report = services.request_report(
                plan=plan, year=form.cleaned_data["year"], by=request.user
            )
            _queue(request, report)
            return redirect("report_list", key=plan.key)
    else:
        form = RequestForm(initial={"year": queries.default_report_year(years)}, years=years)
    listed = list(plan.reports.defer("workbook").order_by("-requested_at", "-pk")[:REPORTS_SHOWN])
    return render(
        request,
        "reports/list.html",
        {"plan": plan, "reports": listed, "form": form, "may_request": may_request},
        status=400 if form.errors else 200,
    )


def _queue(request, report: Report) -> None:
    try:
        enqueue(tasks.build_report, report.pk)
    except JobsUnavailable as error:
        Report.objects.filter(pk=report.pk).update(state=Report.State.FAILED, message=error.message)
        messages.error(request, error.message)
        return
    except Exception:
        # Without a broker the job runs here, and its failure propagates; the service has
        # already marked the report failed and logged why, so the page just says so.
        report.refresh_from_db(fields=["state", "message"])
        if report.state != Report.State.FAILED:
            raise
        messages.error(request, report.message)
        return
    report.refresh_from_db(fields=["state"])
    if report.state == Report.State.READY:
        messages.success(request, _("The %(year)s report is ready.") % {"year": report.year})
    else:
        messages.success(
            request,
            _(
                "The %(year)s report has been requested. It is built in the background; "
                "reload this page in a minute to download it."
            )
            % {"year": report.year},
        )


@require_safe
def report_download(request, key, report_id):
    """The report's Excel workbook (404 until it is ready)."""
    report = _ready_report(key, report_id)
    return HttpResponse(
        bytes(report.workbook),
        content_type=workbook.XLSX_CONTENT_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="{services.report_file_name(report)}"'
        },
    )


@require_safe
def report_print(request, key, report_id):
    """The report as a printable page (404 until it is ready)."""
    report = _ready_report(key, report_id, "workbook")
    return render(
        request,
        "reports/print.html",
        {"report": report, "data": queries.report_data(report.plan, report.year)},
    )
