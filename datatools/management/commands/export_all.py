from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext as _

from datatools.backup import BackupError, export_all


class Command(BaseCommand):
    help = (
        "Write every row of the database (plans, KPIs, values and their history, accounts, "
        "reports) to one archive that import_all restores on SQLite or PostgreSQL. "
        "See datatools/backup/__init__.py for what is kept and what is left out."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="The archive to write, e.g. backup.zip.")
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="Database alias (default: default)."
        )
        parser.add_argument(
            "--overwrite", action="store_true", help="Replace the file if it exists."
        )

    def handle(self, *args, path, database, overwrite, **options):
        def progress(part):
            if options["verbosity"] >= 2:
                self.stdout.write(f"  {part.model}: {part.rows:,} ({part.seconds:.1f} s)")

        try:
            report = export_all(path=path, using=database, overwrite=overwrite, progress=progress)
        except BackupError as error:
            raise CommandError(str(error)) from None
        if options["verbosity"] == 0:
            return
        self.stdout.write(
            self.style.SUCCESS(
                _("%(rows)s rows of %(tables)s tables written to %(path)s (%(size)s) in %(s)s s.")
                % {
                    "rows": f"{report.rows:,}",
                    "tables": len(report.parts),
                    "path": report.path,
                    "size": f"{report.size / 1e6:.1f} MB",
                    "s": f"{report.seconds:.1f}",
                }
            )
        )
