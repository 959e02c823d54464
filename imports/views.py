"""Pages of the spreadsheet round trip (thin: the work is in imports/services.py)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_safe

from core.errors import WorkflowError
from core.jobs import JobsUnavailable, enqueue
from imports import queries as import_queries
from imports import reading, tasks, uploads
from imports import services as import_services
from imports import template as value_template
from imports.models import ImportBatch
from indicators.permissions import require_workspace

# A preview of a 100,000-row file would be a page nobody can use; the counts tell the rest.
ROWS_SHOWN = 500


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet file (.xlsx or .csv)"),
        error_messages={"required": gettext_lazy("Choose a file to upload.")},
    )

    def clean_file(self):
        """Size, type and shape (imports/uploads.py), before anything is kept."""
        upload = self.cleaned_data["file"]
        if upload.size > reading.MAX_BYTES:  # settings.IMPORT_MAX_BYTES; refused unread
            raise forms.ValidationError(
                _("The file is larger than %(size)s MB. Split it into smaller files.")
                % {"size": max_megabytes()}
            )
        content = upload.read()
        try:
            uploads.check_upload(file_name=upload.name, content=content)
        except reading.ImportFileError as error:
            raise forms.ValidationError(error.message) from None
        self.content = content
        return upload


def max_megabytes() -> str:
    return f"{reading.MAX_BYTES / (1024 * 1024):g}"


@login_required
@require_safe
def template(request, fmt):
    """The values template (.xlsx or .csv) of every KPI the user enters, pre-filled."""
    if fmt not in ("xlsx", "csv"):
        raise Http404
    require_workspace(request.user)
    rows = value_template.template_rows(user=request.user, plan_key=request.GET.get("plan") or None)
    if fmt == "csv":
        content, content_type = value_template.template_csv(rows), "text/csv; charset=utf-8"
    else:
        content, content_type = value_template.template_xlsx(rows), value_template.XLSX_CONTENT_TYPE
    name = f"kpi-values-{timezone.localdate():%Y%m%d}.{fmt}"
    return HttpResponse(
        content,
        content_type=content_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@login_required
def upload(request):
    """Upload a filled-in template; it is checked and shown before anything is saved."""
    require_workspace(request.user)
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        # Read into memory (at most IMPORT_MAX_BYTES; never a temporary file, see settings)
        # and kept in the database, never on a disk the web server serves, until the check
        # job has read it.
        batch = import_services.start_import(
            user=request.user, file_name=upload.name, content=form.content
        )
        try:
            enqueue(tasks.check_import, batch.pk)
        except JobsUnavailable as error:
            ImportBatch.objects.filter(pk=batch.pk).update(
                state=ImportBatch.State.FAILED, message=error.message, content=None
            )
        return redirect("import_preview", batch_id=batch.pk)
    return render(
        request,
        "imports/upload.html",
        {"form": form, "max_mb": max_megabytes()},
        status=400 if form.errors else 200,
    )


@login_required
def preview(request, batch_id):
    """What an upload would write, every problem first; confirm to save all rows as drafts."""
    batch = get_object_or_404(ImportBatch, pk=batch_id, user=request.user)
    if request.method == "POST":
        try:
            import_services.request_apply(batch_id=batch.pk, by=request.user)
            enqueue(tasks.apply_import, batch.pk, request.user.pk)
        except WorkflowError as error:
            messages.error(request, error.message)
            return redirect("import_preview", batch_id=batch.pk)
        except JobsUnavailable as error:
            # Back to checked: the user can confirm again once the queue is back.
            ImportBatch.objects.filter(pk=batch.pk).update(state=ImportBatch.State.CHECKED)
            messages.error(request, error.message)
            return redirect("import_preview", batch_id=batch.pk)
        batch.refresh_from_db()
        if batch.state == ImportBatch.State.APPLIED:
            summary = import_queries.summarize_batch(batch)
            messages.success(
                request,
                ngettext(
                    "%(count)d value saved as a draft.",
                    "%(count)d values saved as drafts.",
                    batch.rows_written,
                )
                % {"count": batch.rows_written},
            )
            url = reverse("workspace")
            if summary.main_year:
                url += f"?year={summary.main_year}"
            return redirect(url)
        return redirect("import_preview", batch_id=batch.pk)
    if batch.state in (ImportBatch.State.CHECKING, ImportBatch.State.APPLYING):
        return render(
            request,
            "imports/progress.html",
            {"batch": batch, "written": import_services.written_so_far(batch.pk)},
        )
    summary = import_queries.summarize_batch(batch)
    return render(
        request,
        "imports/preview.html",
        {"batch": batch, "summary": summary, "rows_shown": ROWS_SHOWN},
    )
