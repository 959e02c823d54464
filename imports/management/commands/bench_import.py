import csv
import io
import time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from imports import services as import_services
from imports.models import ImportBatch
from indicators import entry
from indicators.models import Indicator, Observation, Unit
from plans.models import Level, Plan
from regions.models import Membership, Region, Role


class Command(BaseCommand):
    help = (
        "Benchmark: time checking and writing an import of N rows through the real import "
        "service, on a throwaway plan that is removed afterwards."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=100_000)
        parser.add_argument("--years", type=int, default=50)
        parser.add_argument("--region", default="26")

    def handle(self, *args, rows, years, region, **options):
        place = Region.objects.filter(code=region).first()
        if place is None:
            raise CommandError(f"No region {region}; load the seed first.")
        kpis = -(-rows // years)
        # The years end with this one: a value for a year still to come is refused.
        last = entry.this_year()
        first = last - years + 1
        user, _ = get_user_model().objects.get_or_create(username="bench-import")
        Membership.objects.update_or_create(
            user=user, defaults={"role": Role.SECRETARIAT, "region": place}
        )
        _remove_bench_plan()
        unit = Unit.objects.get(key="index")
        with transaction.atomic():
            plan = Plan.objects.create(
                key="bench-import",
                level=Level.REGIONAL,
                region=place,
                name_ko="벤치마크",
                name_en="Benchmark",
                start_year=first,
                end_year=last,
                provisional=True,
            )
            Indicator.objects.bulk_create(
                Indicator(
                    plan=plan,
                    key=f"k{i}",
                    name_ko=f"지표 {i}",
                    name_en=f"KPI {i}",
                    unit=unit,
                    direction="increase",
                    baseline_year=first - 1,
                    baseline_value=Decimal(1),
                    target_year=last,
                    target_value=Decimal(2),
                )
                for i in range(kpis)
            )
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["plan", "kpi", "year", "value", "source", "note"])
        written = 0
        for i in range(kpis):
            for year in range(first, last + 1):
                if written == rows:
                    break
                writer.writerow(
                    ["bench-import", f"k{i}", year, f"{1 + (i + year) % 97 / 100:.2f}", "", ""]
                )
                written += 1
        content = out.getvalue().encode()
        try:
            started = time.perf_counter()
            batch = import_services.create_import(user=user, file_name="bench.csv", content=content)
            checked = time.perf_counter()
            if batch.state != ImportBatch.State.CHECKED or batch.problem_count:
                first = next((r for r in batch.rows if r.get("problems")), {})
                raise CommandError(f"The check failed: {batch.state} {batch.message} {first}")
            import_services.request_apply(batch_id=batch.pk, by=user)
            batch = import_services.apply_import(batch_id=batch.pk, by=user)
            applied = time.perf_counter()
            if batch.state != ImportBatch.State.APPLIED:
                raise CommandError(f"The write failed: {batch.message}")
        finally:
            _remove_bench_plan()
            ImportBatch.objects.filter(user=user).delete()
        total = applied - started
        self.stdout.write(
            f"import rows={rows} check_s={checked - started:.2f} write_s={applied - checked:.2f} "
            f"total_s={total:.2f} rows_per_s={rows / total:.0f}"
        )


def _remove_bench_plan() -> None:
    """Drop the throwaway plan fast: plain SQL deletes, no per-row history on the way out."""
    with transaction.atomic():
        kpis = Indicator.objects.filter(plan__key="bench-import")
        ids = list(kpis.values_list("id", flat=True))
        for model in (Observation, Observation.history.model):
            queryset = model.objects.filter(indicator_id__in=ids)
            queryset._raw_delete(queryset.db)
        history = Indicator.history.model.objects.filter(id__in=ids)
        history._raw_delete(history.db)
        kpis._raw_delete(kpis.db)
        Plan.objects.filter(key="bench-import").delete()
