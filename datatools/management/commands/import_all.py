from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext as _

from datatools.backup import BackupError, import_all


class Command(BaseCommand):
    help = (
        "Restore an archive written by export_all into an empty, migrated database, with the "
        "same ids, in one transaction (all or nothing). The archive's version, row counts and "
        "checksums are checked before anything is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="The archive written by export_all.")
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="Database alias (default: default)."
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete every row the backup would restore (and every session) first, in the "
            "same transaction. Without it a database that holds data is refused.",
        )
        parser.add_argument(
            "--check", action="store_true", help="Check the archive and the target; write nothing."
        )

    def handle(self, *args, path, database, replace, check, **options):
        def progress(part):
            if options["verbosity"] >= 2:
                self.stdout.write(f"  {part.model}: {part.rows:,} ({part.seconds:.1f} s)")

        try:
            report = import_all(
                path=path, using=database, replace=replace, check_only=check, progress=progress
            )
        except BackupError as error:
            raise CommandError(str(error)) from None
        if options["verbosity"] == 0:
            return
        manifest = report.manifest
        self.stdout.write(
            _("Backup of %(created)s, app version %(version)s, %(vendor)s.")
            % {
                "created": manifest.get("created_at", "?"),
                "version": manifest.get("app_version", "?"),
                "vendor": manifest.get("database_vendor", "?"),
            }
        )
        for label in report.not_in_backup:
            self.stdout.write(
                self.style.WARNING(
                    _("%(model)s is not in the backup (made by an older version): left empty.")
                    % {"model": label}
                )
            )
        if check:
            message = _("The archive is whole (%(rows)s rows) and fits this database.")
        else:
            message = _("%(rows)s rows restored in %(s)s s.")
        self.stdout.write(
            self.style.SUCCESS(message % {"rows": f"{report.rows:,}", "s": f"{report.seconds:.1f}"})
        )
