from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from datatools.seed import SeedError, load_seed


class Command(BaseCommand):
    help = "Load seed/plans.yaml and seed/indicator_history.csv in one transaction (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--path",
            type=Path,
            default=settings.SEED_DIR,
            help="Folder holding plans.yaml and indicator_history.csv (default: the project's "
            "seed/ copy).",
        )

    def handle(self, *args, path, **options):
        try:
            report = load_seed(path=path)
        except SeedError as error:
            raise CommandError(
                f"The seed in {path} was not loaded; nothing was written. "
                f"{len(error.problems)} problem(s):\n"
                + "\n".join(f"  - {p}" for p in error.problems)
            ) from None
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(
            self.style.SUCCESS(
                "Seed loaded." if report.changed else "Seed already up to date; nothing changed."
            )
        )
