import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from core.errors import WorkflowError
from core.jobs import JobsUnavailable, enqueue
from imports import services as import_services
from imports import tasks
from imports.models import ImportBatch


class Command(BaseCommand):
    help = (
        "Import KPI values from an xlsx or csv file as a user (the upload page's job): check "
        "every row, and with --apply write them all as drafts, or none."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", required=True, help="Username the values are entered as.")
        parser.add_argument("--apply", action="store_true", help="Write the rows when clean.")
        parser.add_argument(
            "--queue",
            action="store_true",
            help="Run the check and the write as background jobs on the workers.",
        )
        parser.add_argument(
            "--timeout",
            type=float,
            default=600,
            help="Seconds to wait for queued jobs (default 600).",
        )

    def handle(self, *args, file, user, apply, queue, timeout, **options):
        account = get_user_model().objects.filter(username=user).first()
        if account is None:
            raise CommandError(f"No user {user!r}.")
        if not file.is_file():
            raise CommandError(f"{file} is not a file.")
        batch = import_services.start_import(
            user=account, file_name=file.name, content=file.read_bytes()
        )
        self._run(tasks.check_import, queue, timeout, batch.pk)
        batch.refresh_from_db()
        self.stdout.write(
            f"Import {batch.pk}: {batch.get_state_display()}, "
            f"{batch.rows_checked} rows checked, {batch.problem_count} with "
            "problems."
        )
        if batch.state == ImportBatch.State.FAILED:
            raise CommandError(batch.message)
        for data in batch.rows:
            for problem in data.get("problems", []):
                self.stdout.write(f"  line {data['line']}: {problem}")
        if not apply:
            return
        try:
            import_services.request_apply(batch_id=batch.pk, by=account)
        except WorkflowError as error:
            raise CommandError(error.message) from None
        self._run(tasks.apply_import, queue, timeout, batch.pk, account.pk)
        batch.refresh_from_db()
        if batch.state != ImportBatch.State.APPLIED:
            raise CommandError(batch.message or f"The import is {batch.get_state_display()}.")
        self.stdout.write(self.style.SUCCESS(f"{batch.rows_written} values saved as drafts."))

    def _run(self, task, queue: bool, timeout: float, batch_id: int, *args) -> None:
        if not queue:
            task(batch_id, *args)
            return
        try:
            enqueue(task, batch_id, *args)
        except JobsUnavailable as error:
            raise CommandError(error.message) from None
        waiting = {ImportBatch.State.CHECKING, ImportBatch.State.APPLYING}
        deadline = time.monotonic() + timeout
        while ImportBatch.objects.filter(pk=batch_id, state__in=waiting).exists():
            if time.monotonic() > deadline:
                raise CommandError(
                    f"The job did not finish within {timeout:.0f} s; is a worker "
                    "running (make worker)?"
                )
            time.sleep(0.2)
