import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from datatools.scale import ScaleError, ScaleSize, generate_scale_data
from indicators.models import Indicator, Observation
from plans.models import Budget, Plan

DEFAULT = ScaleSize()


class Command(BaseCommand):
    help = (
        "Write synthetic plans for every 시·도 and 시·군·구 (KPIs, values, budgets) to the "
        "database, for benchmarking; about 280,000 observations at the default size. "
        "Needs the seed (load_seed) first; one transaction."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--regions",
            type=int,
            default=DEFAULT.regions,
            help=f"시·도 plans (scale-<code>), 0..17 (default {DEFAULT.regions}).",
        )
        parser.add_argument(
            "--municipalities",
            type=int,
            default=DEFAULT.municipalities,
            help="시·군·구 plans (muni-<KOSTAT code>) from korea-municipalities-2018.geojson, "
            f"0..250 (default {DEFAULT.municipalities}).",
        )
        parser.add_argument(
            "--kpis",
            type=int,
            default=DEFAULT.kpis,
            help=f"KPIs per plan (default {DEFAULT.kpis}).",
        )
        parser.add_argument(
            "--years",
            type=int,
            default=DEFAULT.years,
            help=f"Years of values per KPI, ending with --last-year (default {DEFAULT.years}).",
        )
        parser.add_argument(
            "--last-year",
            type=int,
            default=None,
            help="Last year of values, the one under review (default: last calendar year, "
            "the year the app's reminders ask for).",
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="Seed of the random numbers (default 1)."
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete earlier synthetic plans (keys scale-… / muni-…) and their data first.",
        )

    def handle(self, *args, regions, municipalities, kpis, years, last_year, seed, replace, **o):
        size = ScaleSize(regions=regions, municipalities=municipalities, kpis=kpis, years=years)
        started = time.monotonic()
        try:
            report = generate_scale_data(size=size, seed=seed, last_year=last_year, replace=replace)
        except ScaleError as error:
            raise CommandError(str(error)) from None
        if connection.vendor == "postgresql":
            # After a bulk load the planner's statistics are stale: without this, PostgreSQL
            # planned the full export as if the table had 400 rows and took minutes.
            with connection.cursor() as cursor:
                for model in (Plan, Indicator, Observation, Observation.history.model, Budget):
                    cursor.execute(f'ANALYZE "{model._meta.db_table}"')
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(
            self.style.SUCCESS(
                f"Synthetic data for {report.first_year}–{report.last_year} written in "
                f"{time.monotonic() - started:.1f} s."
            )
        )
