"""Pages for entering, submitting and reviewing KPI values (thin: rules live in services)."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.errors import WorkflowError
from core.numbers import plain_number
from core.spreadsheets import safe_cell
from indicators import entry, queries, services
from indicators.models import Indicator, Observation, WorkflowStatus
from indicators.permissions import require_workspace
from plans.models import Plan
from regions.access import may
from regions.models import Region


def error_messages(error: Exception) -> list[str]:
    """Plain sentences from any error a service raises."""
    if isinstance(error, ValidationError):
        return list(error.messages)
    if isinstance(error, WorkflowError):
        return [error.message]
    if isinstance(error, PermissionDenied):
        return [str(error) or _("You may not do this.")]
    raise error


@login_required
def workspace(request):
    """A secretariat's KPIs: a status matrix, and one year's values as an editable grid."""
    require_workspace(request.user)
    requested = request.GET.get("year") or request.POST.get("year") or ""
    data = queries.workspace(request.user, int(requested) if requested.isdigit() else None)
    errors: dict[int, list[str]] = {}
    general: list[str] = []
    posted = request.POST.get("year", "")
    if request.method == "POST" and posted.isdigit() and int(posted) != data.year:
        # A year the grid does not offer (not open yet, or outside the plans): the rulebook
        # says why for each value typed, and nothing is saved.
        errors, general = _refuse_year(request, data, int(posted))
    elif request.method == "POST" and data.year is not None:
        errors, general = _save_workspace(request, data)
        if not errors and not general:
            return redirect(f"{reverse('workspace')}?year={data.year}")
    for row in data.rows:
        # After a failed save the grid shows what the user typed, so nothing is lost.
        key = row.indicator.pk
        if request.method == "POST":
            row.form_value = request.POST.get(f"value-{key}", "")
            row.form_source = request.POST.get(f"source-{key}", "")
            row.form_note = request.POST.get(f"note-{key}", "")
        else:
            o = row.observation
            row.form_value = plain_number(o.value) if o else ""
            row.form_source, row.form_note = (o.source, o.note) if o else ("", "")
        row.errors = errors.get(key, [])
    return render(
        request,
        "indicators/workspace.html",
        {
            "data": data,
            "general_errors": general,
        },
    )


def _refuse_year(request, data, year: int) -> tuple[dict[int, list[str]], list[str]]:
    errors = {}
    for indicator in data.indicators:
        if request.POST.get(f"value-{indicator.pk}", "").strip():
            refused = entry.year_finding(indicator.entry_years, year)
            if refused:
                errors[indicator.pk] = [refused.message]
    return errors, [_("Nothing was saved. Correct the highlighted rows and try again.")]


def _save_workspace(request, data) -> tuple[dict[int, list[str]], list[str]]:
    """Save the grid's changes (and submit what was asked) all together, or nothing."""
    post = request.POST
    errors: dict[int, list[str]] = {}
    general: list[str] = []
    action = post.get("action", "save")
    try:
        with transaction.atomic():
            saved = {}
            for row in data.rows:
                indicator = row.indicator
                key = str(indicator.pk)
                value = post.get(f"value-{key}", "").strip()
                source = post.get(f"source-{key}", "")
                note = post.get(f"note-{key}", "")
                if not row.editable or (not value and row.observation is None):
                    continue
                try:
                    saved[indicator.pk] = services.save_observation(
                        indicator=indicator,
                        year=data.year,
                        value=value,
                        source=source,
                        note=note,
                        by=request.user,
                        version=post.get(f"version-{key}") or None,
                    )
                except (ValidationError, WorkflowError, PermissionDenied) as error:
                    errors[indicator.pk] = error_messages(error)
            if errors:
                raise _Rollback
            to_submit = []
            if action == "submit_year":
                to_submit = [o for o in saved.values() if o.status in services.EDITABLE]
                if not to_submit:
                    general.append(
                        _("There is no draft or returned value in %(year)s to submit.")
                        % {"year": data.year}
                    )
            elif action.startswith("submit:"):
                observation = saved.get(int(action.split(":", 1)[1] or 0))
                if observation is None:
                    general.append(_("Enter the value before submitting it."))
                else:
                    to_submit = [observation]
            if general:
                raise _Rollback
            if to_submit:
                try:
                    services.submit_observations(observations=to_submit, by=request.user)
                except (ValidationError, WorkflowError) as error:
                    general.extend(error_messages(error))
                    raise _Rollback from None
    except _Rollback:
        general.insert(0, _("Nothing was saved. Correct the highlighted rows and try again."))
        return errors, general
    if action == "save" and not saved:
        messages.info(request, _("Nothing was saved: the form held no values to save."))
    elif action == "save":
        messages.success(request, _("Saved as draft."))
    else:
        messages.success(request, _("Submitted for review. The ministry has been notified."))
    return {}, []


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def value_form(request, indicator_id: int, year: int):
    """One KPI's value for one year: enter or edit it, submit it, delete a draft, withdraw a
    submission not yet reviewed. The same rulebook as the grid, the API and the import."""
    require_workspace(request.user)
    page = queries.value_page(request.user, indicator_id, year)
    if page.year_refused:
        # No value can be entered for this year: the page says why (and nothing is saved).
        return render(
            request,
            "indicators/value_form.html",
            {"page": page, "general_errors": [page.year_refused.message], "editable": False},
            status=404,
        )
    errors: dict[str, list[str]] = {}
    general: list[str] = []
    if request.method == "POST":
        try:
            return _act_on_value(request, page)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                errors = error.message_dict
            else:
                general.extend(error.messages)
        except (WorkflowError, PermissionDenied) as error:
            general.extend(error_messages(error))
        # After a refusal the form shows what the user typed, so nothing is lost.
        form = {name: request.POST.get(name, "") for name in ("value", "source", "note")}
    else:
        o = page.observation
        form = {
            "value": plain_number(o.value) if o else "",
            "source": o.source if o else "",
            "note": o.note if o else "",
        }
    return render(
        request,
        "indicators/value_form.html",
        {
            "page": page,
            "form": form,
            "errors": errors,
            "general_errors": general,
            "editable": page.observation is None or page.observation.status in services.EDITABLE,
        },
    )


def _act_on_value(request, page):
    """The form's action (save, submit, delete, withdraw), and where to go after it; the
    services' refusals propagate to the form."""
    post, action = request.POST, request.POST.get("action", "save")
    indicator, observation, year = page.indicator, page.observation, page.year
    here = reverse("value_form", args=[indicator.pk, year])
    version = post.get("version") or None
    if action in ("save", "submit"):
        with transaction.atomic():
            saved = services.save_observation(
                indicator=indicator,
                year=year,
                value=post.get("value", ""),
                source=post.get("source", ""),
                note=post.get("note", ""),
                by=request.user,
                version=version,
            )
            if action == "submit":
                services.submit_observations(observations=[saved], by=request.user)
        if action == "submit":
            messages.success(request, _("Submitted for review. The ministry has been notified."))
        else:
            messages.success(request, _("Saved as draft."))
        return redirect(here)
    if action == "delete" and observation is not None:
        services.delete_observation(observation=observation, by=request.user, version=version)
        messages.success(request, _("The draft was deleted. Its history is kept."))
        return redirect(f"{reverse('workspace')}?year={year}")
    if action == "withdraw" and observation is not None:
        services.withdraw_observation(observation=observation, by=request.user, version=version)
        messages.success(request, _("The value was withdrawn: it is a draft again."))
        return redirect(here)
    raise WorkflowError(_("Nothing was done: there is no value to do this with."))


class _Rollback(Exception):
    """Undo the whole grid when any row fails: a partial save would surprise the user."""


@login_required
def review_queue(request):
    """Ministry officers: submitted values to approve or return."""
    if not may(request.user, "indicators.review_values"):
        raise PermissionDenied(_("Only ministry officers review values."))
    if request.method == "POST":
        _review_action(request)
        return redirect(request.get_full_path())
    filters = {k: request.GET.get(k, "") for k in ("region", "plan", "year")}
    return render(
        request,
        "indicators/review_queue.html",
        {
            "observations": queries.review_queue(**filters),
            "filters": filters,
            "regions": Region.objects.all(),
            "plans": Plan.objects.order_by("key"),
        },
    )


def _review_action(request) -> None:
    post = request.POST
    try:
        if "bulk_approve" in post:
            ids = [int(pk) for pk in post.getlist("selected") if pk.isdigit()]
            if not ids:
                messages.error(request, _("Select the values to approve."))
                return
            count = services.approve_observations(
                observations=Observation.objects.filter(pk__in=ids), by=request.user
            )
            messages.success(request, _("%(count)s values approved.") % {"count": count})
        elif "approve" in post:
            observation = get_object_or_404(Observation, pk=post["approve"])
            services.approve_observation(
                observation=observation,
                by=request.user,
                version=post.get(f"version-{observation.pk}"),
            )
            messages.success(request, _("Approved."))
        elif "return" in post:
            observation = get_object_or_404(Observation, pk=post["return"])
            services.return_observation(
                observation=observation,
                by=request.user,
                comment=post.get(f"comment-{observation.pk}", ""),
                version=post.get(f"version-{observation.pk}"),
            )
            messages.success(request, _("Returned to the secretariat with your comment."))
    except (ValidationError, WorkflowError, PermissionDenied) as error:
        for message in error_messages(error):
            messages.error(request, message)


@login_required
@require_safe
def review_board(request):
    """Ministry officers: regions × years, how far each return has come."""
    if not may(request.user, "indicators.view_board"):
        raise PermissionDenied(_("Only ministry officers see the submission board."))
    years, lines = queries.submission_board()
    return render(
        request,
        "indicators/review_board.html",
        {
            "years": years,
            "lines": lines,
            "columns": queries.STATUS_COLUMNS,
            "labels": dict(WorkflowStatus.choices) | {"missing": _("Missing")},
        },
    )


@login_required
@require_POST
def reopen(request, pk):
    observation = get_object_or_404(Observation.objects.select_related("indicator__plan"), pk=pk)
    try:
        services.reopen_observation(
            observation=observation,
            by=request.user,
            reason=request.POST.get("reason", ""),
            version=request.POST.get("version"),
        )
        messages.success(request, _("The value is reopened and back with the secretariat."))
    except (ValidationError, WorkflowError, PermissionDenied) as error:
        for message in error_messages(error):
            messages.error(request, message)
    return redirect(observation.indicator.get_absolute_url())


@login_required
@require_POST
def revise_target(request, key, kpi):
    indicator = get_object_or_404(
        Indicator.objects.select_related("plan", "unit"), plan__key=key, key=kpi
    )
    year = request.POST.get("target_year", "")
    try:
        if not year.isdigit():
            raise ValidationError(_("Enter the target year."))
        services.revise_target(
            indicator=indicator,
            target_year=int(year),
            target_value=request.POST.get("target_value", ""),
            reason=request.POST.get("reason", ""),
            by=request.user,
        )
        messages.success(request, _("Target revised. The original stays on the chart."))
    except (ValidationError, WorkflowError, PermissionDenied) as error:
        for message in error_messages(error):
            messages.error(request, message)
    return redirect(indicator.get_absolute_url())


class _Echo:
    """A file-like object whose write returns the line: csv.writer then yields text."""

    def write(self, value):
        return value


@require_safe
def export_observations(request):
    """Every approved KPI value as one streamed CSV (UTF-8 with BOM), however many there are."""
    rows = (
        Observation.objects.approved()
        .order_by("indicator_id", "year")
        .values_list(
            "indicator__plan__key",
            "indicator__plan__region_id",
            "indicator__key",
            "year",
            "value",
            "source",
        )
        .iterator(chunk_size=5000)
    )
    writer = csv.writer(_Echo())

    def chunks():
        # A thousand lines per write: one socket write per line would dominate the time.
        buffer = ["\ufeff" + writer.writerow(["plan", "region", "kpi", "year", "value", "source"])]
        for plan, region, kpi, year, value, source in rows:
            buffer.append(
                writer.writerow(
                    [
                        safe_cell(plan),
                        safe_cell(region or ""),
                        safe_cell(kpi),
                        year,
                        plain_number(value),
                        safe_cell(source),
                    ]
                )
            )
            if len(buffer) >= 1000:
                yield "".join(buffer)
                buffer = []
        if buffer:
            yield "".join(buffer)

    response = StreamingHttpResponse(chunks(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="kpi-values.csv"'
    return response
