"""export_all / import_all: every row of every table comes back with its id and its history,
into an empty database (the "restore" alias of config/settings_test.py); a damaged, foreign or
newer archive, or a database that holds data, is refused with a clear message and nothing
written."""

import datetime as dt
import hashlib
import json
import zipfile
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.utils import timezone, translation
from rest_framework.authtoken.models import Token

from datatools import backup
from imports.models import ImportBatch
from indicators import services
from indicators.models import Indicator, Observation, ReminderLog, WorkflowStatus
from plans.models import Plan, Task
from reports import services as reports
from reports.models import Report

pytestmark = pytest.mark.django_db(databases=["default", "restore"])

OBSERVATIONS = "data/indicators.observation.jsonl"
# The only tables a backup may leave out (datatools/backup/__init__.py says why); every other
# one, in every installed app, must come back.
LEFT_OUT = {"sessions.session", "contenttypes.contenttype", "auth.permission"}
# A note that needs escaping in every format on the way: newline, tab, backslash, quotes.
TRICKY_NOTE = '첫 줄\n둘째\t줄 \\ "따옴표" 끝'


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def world(busan, ministry):
    """The seed plus a season of work, done through the services: a value drafted, submitted
    and approved; one returned with a comment; a draft; a target revision; a report; an
    upload; a reminder; a token; a group with a permission; an admin log entry."""
    rnd = Indicator.objects.select_related("plan", "unit").get(
        plan__key="busan-2", key="rnd_to_grdp_pct"
    )
    rank = Indicator.objects.select_related("plan", "unit").get(
        plan__key="busan-2", key="rcostii_rank"
    )
    approved = services.save_observation(
        indicator=rnd, year=2025, value="2.05", by=busan.user, source="https://bistep.re.kr/a"
    )
    services.submit_observation(observation=approved, by=busan.user)
    services.approve_observation(observation=approved, by=ministry.user)
    returned = services.save_observation(indicator=rank, year=2026, value="6", by=busan.user)
    services.submit_observation(observation=returned, by=busan.user)
    services.return_observation(
        observation=returned, by=ministry.user, comment="출처를 밝혀 주세요 (source?)"
    )
    services.save_observation(
        indicator=rnd, year=2024, value="2.1", by=busan.user, note=TRICKY_NOTE
    )
    services.revise_target(
        indicator=rnd,
        target_year=2027,
        target_value="2.4",
        reason="2025년 시행계획에서 상향",
        by=ministry.user,
    )
    report = reports.request_report(plan=rnd.plan, year=2025, by=ministry.user)
    reports.build_report(report_id=report.pk)
    ImportBatch.objects.create(
        user=busan.user, file_name="부산 실적.xlsx", content=bytes(range(256)) * 3
    )
    ReminderLog.objects.create(
        sent_on=dt.date(2026, 3, 2),
        kind=ReminderLog.Kind.SECRETARIAT,
        recipient="bistep@example.com",
        region_id="26",
        year=2025,
        missing=2,
    )
    Token.objects.create(user=busan.user)
    reviewers = Group.objects.create(name="검토자")
    permission = Permission.objects.get(codename="change_observation")
    reviewers.permissions.add(permission)
    ministry.user.groups.add(reviewers)
    busan.user.user_permissions.add(Permission.objects.get(codename="view_plan"))
    LogEntry.objects.create(
        user=ministry.user,
        content_type=ContentType.objects.get_for_model(Plan),
        object_id=str(rnd.plan.pk),
        object_repr=str(rnd.plan),
        action_flag=CHANGE,
        change_message='[{"changed": {"fields": ["Vision (Korean)"]}}]',
    )
    task = Task.objects.filter(strategy__plan__key="busan-2").order_by("pk").first()
    task.aligns_with.add(Task.objects.filter(strategy__plan__key="national-6").last())
    return {"rnd": rnd, "rank": rank, "approved": approved, "returned": returned}


def every_row(using: str) -> dict[str, list[tuple]]:
    """Every kept table's rows in primary-key order, content types and permissions as
    natural keys (their ids belong to each database)."""
    natural = {
        ContentType: {
            ct.pk: (ct.app_label, ct.model) for ct in ContentType.objects.using(using).all()
        },
        Permission: {
            p.pk: (p.content_type.app_label, p.content_type.model, p.codename)
            for p in Permission.objects.using(using).select_related("content_type")
        },
    }
    tables = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or model._meta.label_lower in LEFT_OUT:
            continue
        fields = model._meta.concrete_fields
        rows = []
        query = model._base_manager.using(using).order_by(model._meta.pk.attname)
        for row in query.values_list(*[f.attname for f in fields]):
            row = list(row)
            for i, f in enumerate(fields):
                if f.is_relation and f.related_model in natural and row[i] is not None:
                    row[i] = natural[f.related_model][row[i]]
                elif isinstance(row[i], memoryview):
                    row[i] = bytes(row[i])
            rows.append(tuple(row))
        tables[model._meta.label_lower] = rows
    return tables


def export(path, using="default"):
    call_command("export_all", str(path), "--database", using, verbosity=0)
    return path


def restore(path, *options):
    call_command("import_all", str(path), "--database", "restore", *options, verbosity=0)


def rewrite(source, target, *, manifest=None, part=None, fix_checksum=False, fix_count=False):
    """A copy of the archive with the manifest changed by `manifest(dict)` and/or the
    observation part's lines changed by `part(lines, columns)`."""
    with zipfile.ZipFile(source) as old:
        data = {name: old.read(name) for name in old.namelist()}
    meta = json.loads(data["manifest.json"])
    if part:
        columns = next(p["columns"] for p in meta["parts"] if p["file"] == OBSERVATIONS)
        lines = part(data[OBSERVATIONS].splitlines(keepends=True), columns)
        data[OBSERVATIONS] = b"".join(lines)
        entry = next(p for p in meta["parts"] if p["file"] == OBSERVATIONS)
        if fix_checksum:
            entry["sha256"] = hashlib.sha256(data[OBSERVATIONS]).hexdigest()
        if fix_count:
            entry["rows"] = len(lines)
    if manifest:
        manifest(meta)
    data["manifest.json"] = json.dumps(meta).encode()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for name, content in data.items():
            new.writestr(name, content)
    return target


def assert_restore_is_empty():
    assert backup.nonempty_tables(backup.database_schema("restore"), "restore") == []


def test_every_table_comes_back_row_for_row_with_ids_and_history(world, tmp_path):
    # Ids of permissions differ between databases: the backup must name them, not number them.
    Permission.objects.using("restore").filter(codename="change_observation").delete()
    Permission.objects.using("restore").create(
        codename="change_observation",
        name="Can change observation",
        content_type=ContentType.objects.db_manager("restore").get_for_model(Observation),
    )
    before = every_row("default")
    # Every table holds rows, so a table the backup dropped could not pass unnoticed.
    assert [label for label, rows in before.items() if not rows] == []

    restore(export(tmp_path / "backup.zip"))

    after = every_row("restore")
    assert after.keys() == before.keys()
    for label in before:
        assert after[label] == before[label], label


def test_the_restored_history_keeps_who_when_and_why(world, tmp_path, busan, ministry):
    restore(export(tmp_path / "backup.zip"))

    approved = Observation.objects.using("restore").get(pk=world["approved"].pk)
    assert approved.status == WorkflowStatus.APPROVED and approved.value == Decimal("2.05")
    history = list(approved.history.using("restore").order_by("history_id"))
    assert [h.history_change_reason for h in history] == ["entered", "submitted", "approved"]
    assert [h.history_user_id for h in history] == [busan.user.pk, busan.user.pk, ministry.user.pk]
    assert [h.history_date for h in history] == [
        h.history_date for h in world["approved"].history.order_by("history_id")
    ]
    returned = Observation.objects.using("restore").get(pk=world["returned"].pk)
    assert returned.review_comment == "출처를 밝혀 주세요 (source?)"
    draft = Observation.objects.using("restore").get(indicator=world["rnd"], year=2024)
    assert draft.note == TRICKY_NOTE
    revision = Indicator.history.using("restore").filter(id=world["rnd"].pk).first()
    assert revision.history_change_reason == "2025년 시행계획에서 상향"
    assert revision.target_value == Decimal("2.4")
    original = Report.objects.get()
    assert bytes(Report.objects.using("restore").get().workbook) == bytes(original.workbook)
    user = type(busan.user).objects.using("restore").get(pk=busan.user.pk)
    assert user.password == busan.user.password and user.check_password(
        "correct-horse-battery-staple"
    )
    assert Token.objects.using("restore").get().key == Token.objects.get().key


def test_new_rows_after_a_restore_get_fresh_ids(world, tmp_path):
    restore(export(tmp_path / "backup.zip"))

    values = Observation.objects.using("restore")
    history = Observation.history.model.objects.using("restore")
    last_value, last_history = values.order_by("-pk").first(), history.order_by("-pk").first()
    new = values.create(indicator_id=world["rnd"].pk, year=2099, value=Decimal("1"))
    new_history = history.create(
        id=new.pk,
        indicator_id=new.indicator_id,
        year=new.year,
        value=new.value,
        updated_at=new.updated_at,
        history_date=timezone.now(),
        history_type="+",
    )
    assert new.pk > last_value.pk
    assert new_history.pk > last_history.pk
    assert (
        Group.objects.using("restore").create(name="new").pk
        > Group.objects.order_by("-pk").first().pk
    )


def test_a_restore_into_a_database_that_holds_data_is_refused(world, tmp_path):
    archive = export(tmp_path / "backup.zip")
    plans = Plan.objects.count()

    with pytest.raises(CommandError, match="already holds data") as refused:
        call_command("import_all", str(archive), verbosity=0)

    assert "plans_plan" in str(refused.value)
    assert Plan.objects.count() == plans


def test_replace_restores_over_existing_data_and_signs_everyone_out(world, tmp_path):
    archive = export(tmp_path / "backup.zip")
    restore(archive)
    Plan.objects.using("restore").filter(key="busan-2").update(name_ko="바뀐 이름")
    with pytest.raises(CommandError, match="already holds data"):
        restore(archive)

    Session.objects.using("restore").create(
        session_key="k" * 32, session_data="", expire_date=timezone.now() + dt.timedelta(days=1)
    )

    restore(archive, "--replace")

    assert every_row("restore") == every_row("default")
    assert not Session.objects.using("restore").exists()


def test_a_damaged_part_is_refused_by_its_checksum_and_nothing_is_written(world, tmp_path):
    def change_one_value(lines, columns):
        lines[0] = lines[0].replace(b'"2', b'"3', 1)
        return lines

    damaged = rewrite(
        export(tmp_path / "backup.zip"), tmp_path / "damaged.zip", part=change_one_value
    )

    with pytest.raises(CommandError, match="SHA-256") as refused:
        restore(damaged)

    assert OBSERVATIONS in str(refused.value) and "nothing was written" in str(refused.value)
    assert_restore_is_empty()


def test_a_missing_row_is_refused_by_the_row_count(world, tmp_path):
    def drop_last_row(lines, columns):
        return lines[:-1]

    short = rewrite(
        export(tmp_path / "backup.zip"),
        tmp_path / "short.zip",
        part=drop_last_row,
        fix_checksum=True,
    )

    with pytest.raises(CommandError, match="the manifest says"):
        restore(short)
    assert_restore_is_empty()


def test_another_format_version_is_refused_before_anything_is_read(world, tmp_path):
    def future(meta):
        meta["format_version"] = 2

    newer = rewrite(export(tmp_path / "backup.zip"), tmp_path / "newer.zip", manifest=future)

    with pytest.raises(CommandError, match="format version 2"):
        restore(newer)
    assert_restore_is_empty()


def test_a_backup_from_a_newer_schema_is_refused(world, tmp_path):
    def newer_schema(meta):
        meta["migrations"]["indicators"].append("9999_from_the_future")

    newer = rewrite(export(tmp_path / "backup.zip"), tmp_path / "newer.zip", manifest=newer_schema)

    with pytest.raises(CommandError, match="newer version") as refused:
        restore(newer)
    assert "indicators.9999_from_the_future" in str(refused.value)
    assert_restore_is_empty()


def test_a_file_that_is_not_a_backup_is_refused(tmp_path):
    text = tmp_path / "notes.zip"
    text.write_text("hello")
    with pytest.raises(CommandError, match="not a zip archive"):
        restore(text)
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(CommandError, match="no manifest.json"):
        restore(other)
    with pytest.raises(CommandError, match="There is no file"):
        restore(tmp_path / "missing.zip")
    assert_restore_is_empty()


def test_rows_that_refer_to_missing_rows_roll_everything_back(world, tmp_path):
    # Checksums only show damage; a backup edited by hand, with fresh checksums, whose value
    # points at a KPI that does not exist must still leave nothing behind.
    def orphan(lines, columns):
        row = json.loads(lines[-1])
        row[columns.index("indicator_id")] = 999999
        lines[-1] = json.dumps(row).encode() + b"\n"
        return lines

    edited = rewrite(
        export(tmp_path / "backup.zip"), tmp_path / "edited.zip", part=orphan, fix_checksum=True
    )

    with pytest.raises(CommandError, match="nothing was written"):
        restore(edited)
    assert_restore_is_empty()


def test_an_unknown_column_is_refused_with_the_way_to_restore_it(world, tmp_path):
    def legacy_column(meta):
        entry = next(p for p in meta["parts"] if p["file"] == OBSERVATIONS)
        entry["columns"].append("legacy")

    def legacy_value(lines, columns):
        return [line.rstrip(b"]\n") + b',"x"]\n' for line in lines]

    legacy = rewrite(
        export(tmp_path / "backup.zip"),
        tmp_path / "legacy.zip",
        manifest=legacy_column,
        part=legacy_value,
        fix_checksum=True,
    )

    with pytest.raises(CommandError, match="column legacy that this database lacks") as refused:
        restore(legacy)
    assert "manage.py migrate" in str(refused.value)
    assert_restore_is_empty()


def test_a_column_the_backup_lacks_gets_its_default(world, tmp_path):
    # An older backup, made before a column with a default was added, still restores.
    def without_version(meta):
        entry = next(p for p in meta["parts"] if p["file"] == OBSERVATIONS)
        entry["columns"].remove("version")

    def drop_version(lines, columns):
        at = columns.index("version")
        rows = [json.loads(line) for line in lines]
        return [json.dumps(row[:at] + row[at + 1 :]).encode() + b"\n" for row in rows]

    older = rewrite(
        export(tmp_path / "backup.zip"),
        tmp_path / "older.zip",
        manifest=without_version,
        part=drop_version,
        fix_checksum=True,
    )

    restore(older)

    restored = Observation.objects.using("restore")
    assert restored.count() == Observation.objects.count()
    assert set(restored.values_list("version", flat=True)) == {1}
    assert restored.get(pk=world["approved"].pk).value == Decimal("2.05")


def test_check_reads_everything_and_writes_nothing(world, tmp_path):
    archive = export(tmp_path / "backup.zip")
    call_command("import_all", str(archive), "--database", "restore", "--check", verbosity=0)
    assert_restore_is_empty()


def test_an_export_never_overwrites_a_file_unless_told(world, tmp_path):
    archive = tmp_path / "backup.zip"
    archive.write_text("an older backup")
    with pytest.raises(CommandError, match="already exists"):
        export(archive)
    assert archive.read_text() == "an older backup"
    call_command("export_all", str(archive), "--overwrite", verbosity=0)
    assert backup.read_manifest(archive)["format_version"] == backup.FORMAT_VERSION


def test_the_manifest_counts_and_checksums_every_part(world, tmp_path):
    archive = export(tmp_path / "backup.zip")
    manifest = backup.read_manifest(archive)
    assert manifest["app_version"] == backup.app_version()
    with zipfile.ZipFile(archive) as opened:
        for part in manifest["parts"]:
            content = opened.read(part["file"])
            assert hashlib.sha256(content).hexdigest() == part["sha256"]
            assert content.count(b"\n") == part["rows"]
    counts = {p["model"]: p["rows"] for p in manifest["parts"]}
    assert counts["indicators.observation"] == Observation.objects.count()
    assert counts["indicators.historicalobservation"] == Observation.history.count()


def test_every_model_is_either_kept_or_left_out_for_a_reason():
    kept = {m._meta.label_lower for m in backup.kept_models()}
    every = {
        m._meta.label_lower for m in apps.get_models(include_auto_created=True) if not m._meta.proxy
    }
    assert every - kept == set(backup.LEFT_OUT) == LEFT_OUT
    assert {
        "indicators.historicalobservation",
        "plans.task_aligns_with",
        "plans.historicaltask_aligns_with",
        "authtoken.token",
        "auth.user",
    } <= kept
