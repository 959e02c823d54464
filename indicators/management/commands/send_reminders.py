import datetime
import re

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from indicators import reminders


class Command(BaseCommand):
    help = (
        "E-mail each secretariat its KPIs missing last year's value and the ministry a digest of "
        "the submission board (the periodic job; never twice to anyone on the same day)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            help="Run as if today were this day, YYYY-MM-DD (default: today in TIME_ZONE).",
        )

    def handle(self, *args, date=None, **options):
        today = None
        if date:
            try:
                if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
                    raise ValueError(date)
                today = datetime.date.fromisoformat(date)
            except ValueError:
                raise CommandError(f"--date {date!r} is not a day written YYYY-MM-DD.") from None
        try:
            result = reminders.send_reminders(today=today)
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from None
        for line in result.details:
            self.stdout.write(line)
        summary = (
            f"Sent {result.sent} reminder(s); skipped {result.skipped_already_sent} already sent "
            f"today; {result.failed} failed."
        )
        if result.failed:
            self.stdout.write(self.style.WARNING(summary))
        else:
            self.stdout.write(self.style.SUCCESS(summary))
        if result.reason:
            self.stdout.write(str(result.reason))
