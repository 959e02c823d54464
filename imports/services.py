"""A spreadsheet of KPI values, uploaded, checked and written all at once.

The upload is kept as an `ImportBatch` (`start_import`), parsed and every row checked
(`check_import`, a job); the result is kept in the batch so that the preview and the final
write see the same rows. `apply_import` then writes every row through
`indicators.services.save_observations` in one transaction: all rows or none. All take plain
arguments and ids, so a Celery task can run them later.
"""

import os
from decimal import Decimal

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.errors import WorkflowError
from imports.checks import RowCheck, check_rows
from imports.models import ImportBatch
from imports.reading import ImportFileError, parse_upload
from indicators.models import Indicator, Observation
from indicators.services import (
    EntryError,
    save_observations,
)


def start_import(*, user, file_name: str, content: bytes) -> ImportBatch:
    """Keep an uploaded file as a batch waiting to be checked (by `check_import`, a job)."""
    name = os.path.basename((file_name or "").replace("\\", "/"))[:255] or "upload"
    return ImportBatch.objects.create(
        user=user, file_name=name, state=ImportBatch.State.CHECKING, content=content
    )


def check_import(*, batch_id: int) -> ImportBatch:
    """Parse and check a waiting batch and keep every row's result for the preview.

    Safe to run twice: a batch that is no longer waiting is returned untouched. A file that
    cannot be read gives a batch in state `failed` with the reason.
    """
    batch = ImportBatch.objects.get(pk=batch_id)
    if batch.state != ImportBatch.State.CHECKING or batch.content is None:
        return batch
    try:
        rows = parse_upload(file_name=batch.file_name, content=bytes(batch.content))
    except ImportFileError as error:
        ImportBatch.objects.filter(pk=batch.pk).update(
            state=ImportBatch.State.FAILED, message=error.message, content=None
        )
        return ImportBatch.objects.get(pk=batch.pk)
    ImportBatch.objects.filter(pk=batch.pk).update(rows_total=len(rows))

    def report(count: int) -> None:
        ImportBatch.objects.filter(pk=batch.pk).update(rows_checked=count)

    try:
        checks = check_rows(rows=rows, user=batch.user, progress=report)
    except Exception:
        # Never leave a batch "checking" forever: the page would wait for nothing.
        ImportBatch.objects.filter(pk=batch.pk).update(
            state=ImportBatch.State.FAILED,
            message=_("The file could not be checked because of an internal error."),
        )
        raise
    rows = [check.to_json() for check in checks]
    ImportBatch.objects.filter(pk=batch.pk, state=ImportBatch.State.CHECKING).update(
        rows_data=ImportBatch.pack_rows(rows),
        writes_data=ImportBatch.pack_rows(
            [
                [
                    d["line"],
                    d["indicator_id"],
                    d["year"],
                    d["value"],
                    d["source"],
                    d["note"],
                    d["version"],
                ]
                for d, check in zip(rows, checks, strict=True)
                if check.writes
            ]
        ),
        rows_checked=len(checks),
        problem_count=sum(1 for check in checks if check.problems),
        state=ImportBatch.State.CHECKED,
        content=None,  # the rows are kept; the file is not needed any more
    )
    return ImportBatch.objects.get(pk=batch.pk)


def create_import(*, user, file_name: str, content: bytes) -> ImportBatch:
    """Keep and check an upload at once (what the job does, without a queue)."""
    batch = start_import(user=user, file_name=file_name, content=content)
    return check_import(batch_id=batch.pk)


def request_apply(*, batch_id: int, by) -> ImportBatch:
    """Mark a checked batch as being written (before queueing `apply_import`), or refuse."""
    with transaction.atomic():
        # The checked rows are not needed here: decoding 100,000 of them takes a second.
        batch = ImportBatch.objects.select_for_update().defer("rows_data").get(pk=batch_id)
        _refuse_unless_applicable(batch, by)
        batch.state = ImportBatch.State.APPLYING
        batch.save(update_fields=["state"])
    return batch


def written_so_far(batch_id: int) -> int:
    """Rows written by a running import (kept in the cache: the write is one transaction,
    invisible to other connections until it commits)."""
    return cache.get(f"import-written:{batch_id}", 0)


class _RowFailed(Exception):
    def __init__(self, check: RowCheck, reason: str):
        self.check, self.reason = check, reason
        super().__init__(reason)


def apply_import(*, batch_id: int, by) -> ImportBatch:
    """Write a checked batch's rows as drafts, all or none.

    Refuses (WorkflowError, nothing changed) a batch of another user, one not `checked` or one
    with problems. When a row fails while writing (changed by someone since the preview, locked,
    invalid), everything is rolled back and the batch is returned `failed` with the reason.
    """
    try:
        with transaction.atomic():
            # The preview's rows are read only to explain a failure.
            batch = ImportBatch.objects.select_for_update().defer("rows_data").get(pk=batch_id)
            _refuse_unless_applicable(batch, by)
            written = _write(batch, by)
            batch.state, batch.rows_written, batch.message = ImportBatch.State.APPLIED, written, ""
            batch.save(update_fields=["state", "rows_written", "message"])
            return batch
    except _RowFailed as failure:
        check = failure.check
        message = _(
            "Nothing was saved. Line %(line)s (%(plan)s / %(kpi)s, %(year)s): %(reason)s"
        ) % {
            "line": check.line,
            "plan": check.plan,
            "kpi": check.kpi,
            "year": check.year,
            "reason": failure.reason,
        }
        # After the rollback: the only thing this attempt leaves behind is why it failed.
        ImportBatch.objects.filter(pk=batch_id).update(
            state=ImportBatch.State.FAILED, message=message, rows_written=0
        )
        return ImportBatch.objects.get(pk=batch_id)


def _refuse_unless_applicable(batch: ImportBatch, by) -> None:
    if batch.user_id != by.pk:
        raise WorkflowError(_("This import belongs to another user."))
    if batch.state == ImportBatch.State.APPLIED:
        raise WorkflowError(_("This import has already been saved."))
    if batch.state not in (ImportBatch.State.CHECKED, ImportBatch.State.APPLYING):
        raise WorkflowError(
            _("This import cannot be saved (it is %(state)s). Upload the file again.")
            % {"state": batch.get_state_display()}
        )
    if batch.problem_count:
        raise WorkflowError(_problems_message())


def _problems_message() -> str:
    return _("This import has rows with problems. Correct the file and upload it again.")


def _write(batch: ImportBatch, by) -> int:
    """Write the batch's rows that create or update a value (`ImportBatch.writes`)."""
    writes = batch.writes
    indicators = Indicator.objects.select_related("plan", "plan__region", "unit").in_bulk(
        {write[1] for write in writes if write[1] is not None}
    )
    entries = []
    for line, indicator_id, year, value, source, note, version in writes:
        indicator = indicators.get(indicator_id)
        if indicator is None:
            raise _RowFailed(_row_check(batch, line), _("This KPI no longer exists."))
        entries.append(
            {
                "indicator": indicator,
                "year": year,
                "value": Decimal(value),
                "source": source,
                "note": note,
                "version": version,
            }
        )

    def progress(count: int) -> None:
        # The write is one transaction, invisible to other connections until it commits.
        cache.set(f"import-written:{batch.pk}", count, timeout=3600)

    try:
        return save_observations(entries=entries, by=by, progress=progress)
    except EntryError as error:
        raise _RowFailed(_row_check(batch, writes[error.position][0]), error.message) from error
    except IntegrityError as error:
        # save_observations ran in a savepoint, so the transaction can still look: the first
        # new value whose KPI and year exist now is the one someone else entered.
        taken = set(
            Observation.objects.filter(
                indicator_id__in={w[1] for w in writes}, year__in={w[2] for w in writes}
            ).values_list("indicator_id", "year")
        )
        line = next((w[0] for w in writes if w[6] is None and (w[1], w[2]) in taken), writes[0][0])
        raise _RowFailed(
            _row_check(batch, line),
            _("Someone else entered a value for this KPI and year after your preview."),
        ) from error


def _row_check(batch: ImportBatch, line: int) -> RowCheck:
    """The preview's row of a spreadsheet line (to explain a failure)."""
    rows = ImportBatch.objects.get(pk=batch.pk).rows
    return RowCheck.from_json(next(data for data in rows if data["line"] == line))
