from django.core.management.base import BaseCommand, CommandError

from plans.models import Plan
from reports import services
from reports.models import Report


class Command(BaseCommand):
    help = "Build a plan's annual report (Excel workbook) now, as the report job does."

    def add_arguments(self, parser):
        parser.add_argument("plan", help="Plan key, e.g. busan-2.")
        parser.add_argument("year", type=int)
        parser.add_argument("--output", help="Also write the workbook to this file.")

    def handle(self, *args, plan, year, output, **options):
        found = Plan.objects.filter(key=plan).first()
        if found is None:
            raise CommandError(f"No plan {plan!r}.")
        report = Report.objects.create(plan=found, year=year)
        report = services.build_report(report_id=report.pk)
        if report.state != Report.State.READY:
            raise CommandError(report.message or "The report could not be built.")
        if output:
            with open(output, "wb") as handle:
                handle.write(bytes(report.workbook))
        self.stdout.write(
            self.style.SUCCESS(
                f"Report {report.pk} for {plan} {year} is ready ({len(report.workbook)} bytes)."
            )
        )
