"""Models that moved between apps keep their tables and rows (SeparateDatabaseAndState).

Each test migrates the empty "restore" database (config/settings_test.py) back to before the
move, writes rows as the old code did (through the historical models), migrates forward and
reads them through today's models.
"""

import zlib

import orjson
import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connections
from django.db.migrations.executor import MigrationExecutor

from imports.models import ImportBatch
from reports.models import Report

pytestmark = pytest.mark.django_db(databases=["restore"], transaction=True)
DB = "restore"


def migrate(*target: str) -> None:
    call_command("migrate", *target, database=DB, verbosity=0)


def old_models(app: str, migration: str):
    """The models as they were at `app`'s `migration`."""
    executor = MigrationExecutor(connections[DB])
    return executor.loader.project_state((app, migration)).apps


def old_busan_kpi(old):
    """Busan's R&D KPI as the old code stored it (the historical models of `old`)."""
    region = old.get_model("regions", "Region").objects.using(DB).create(
        code="26", kostat_code="21", name_ko="부산광역시", name_en="Busan", short_ko="부산",
        short_en="Busan",
    )  # fmt: skip
    plan = (
        old.get_model("plans", "Plan")
        .objects.using(DB)
        .create(key="busan-2", level="regional", region=region, name_ko="부산", name_en="Busan")
    )
    unit = old.get_model("indicators", "Unit").objects.using(DB).create(key="pct", label_en="%")
    return old.get_model("indicators", "Indicator").objects.using(DB).create(
        plan=plan, key="rnd_to_grdp_pct", name_ko="R&D", name_en="R&D", unit=unit,
        direction="increase", baseline_year=2021, baseline_value="1.85", target_year=2027,
        target_value="2.3",
    )  # fmt: skip


def checked_row(kpi, line: int, year: int, value: str, action: str, **fields) -> dict:
    """A row of a checked batch, as the import kept it."""
    row = {
        "line": line, "plan": "busan-2", "kpi": "rnd_to_grdp_pct", "kpi_name": "R&D",
        "year": year, "value": value, "source": "", "note": "", "action": action,
        "problems": [], "warnings": [], "version": None, "indicator_id": kpi.pk,
    }  # fmt: skip
    return {**row, **fields}


def test_import_batches_waiting_before_the_move_are_kept_and_still_apply():
    # Before indicators 0005 a checked batch had its rows but no compact write list.
    migrate("indicators", "0004_compact_import_rows_fewer_indexes")
    old = old_models("indicators", "0004_compact_import_rows_fewer_indexes")
    user = old.get_model("auth", "User").objects.using(DB).create(username="bistep")
    kpi = old_busan_kpi(old)
    rows = [
        checked_row(kpi, 2, 2025, "2.05", "create", note="old batch"),
        checked_row(kpi, 3, 2024, "2.01", "unchanged", version=1),
    ]
    batch = old.get_model("indicators", "ImportBatch").objects.using(DB).create(
        user=user, file_name="kpi.csv", state="checked", rows_total=2, rows_checked=2,
        rows_data=zlib.compress(orjson.dumps(rows)),
    )  # fmt: skip
    content_types = ContentType.objects.using(DB)  # the same table before and after
    content_types.filter(app_label="imports").delete()  # as on a database of the old code
    old_type, _ = content_types.get_or_create(app_label="indicators", model="importbatch")

    migrate()

    moved = ImportBatch.objects.using(DB).get(pk=batch.pk)
    assert (moved.user_id, moved.file_name, moved.state) == (user.pk, "kpi.csv", "checked")
    assert moved.rows == rows
    # indicators 0005 gave it the write list that confirming reads: only the row to create.
    assert moved.writes == [[2, kpi.pk, 2025, "2.05", "", "old batch", None]]
    assert ImportBatch._meta.db_table == "imports_importbatch"
    # The content type moved, so permissions and admin history attached to it stay attached.
    moved_type = content_types.get(pk=old_type.pk)
    assert (moved_type.app_label, moved_type.model) == ("imports", "importbatch")
    # New batches get fresh ids after the old ones.
    newer = ImportBatch.objects.using(DB).create(user_id=user.pk, file_name="new.csv")
    assert newer.pk > batch.pk


def test_reports_built_before_the_move_are_kept_with_their_workbooks():
    migrate("reports", "zero")  # the reports app before it existed: its table back in plans
    migrate("plans", "0002_background_jobs")
    old = old_models("plans", "0002_background_jobs")
    user = old.get_model("auth", "User").objects.using(DB).create(username="officer")
    plan = (
        old.get_model("plans", "Plan")
        .objects.using(DB)
        .create(key="national-6", level="national", name_ko="제6차", name_en="6th")
    )
    report = (
        old.get_model("plans", "Report")
        .objects.using(DB)
        .create(plan=plan, year=2024, state="ready", requested_by=user, workbook=b"PK\x03\x04 xlsx")
    )
    content_types = ContentType.objects.using(DB)
    content_types.filter(app_label="reports").delete()
    old_type, _ = content_types.get_or_create(app_label="plans", model="report")

    migrate()

    moved = Report.objects.using(DB).get(pk=report.pk)
    assert (moved.plan_id, moved.year, moved.state) == (plan.pk, 2024, "ready")
    assert (moved.requested_by_id, bytes(moved.workbook)) == (user.pk, b"PK\x03\x04 xlsx")
    assert Report._meta.db_table == "reports_report"
    moved_type = content_types.get(pk=old_type.pk)
    assert (moved_type.app_label, moved_type.model) == ("reports", "report")
