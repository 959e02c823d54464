"""import_all: check an archive against the target database, then restore every row with its
id in one transaction, or nothing. Reading the manifest and the parts, fitting the backup's
columns to the target's schema, decoding values and writing them (core.bulk.write_rows)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.db import DatabaseError, connections, models, transaction
from django.utils.translation import gettext as _

from core.bulk import COPY_NULL, copy_escape, write_rows
from core.cache import public_data_changed
from datatools.backup.format import (
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    NATURAL_KEYS,
    PLAIN_TYPES,
    BackupError,
    PartReport,
    Schema,
    base_type,
    column_encoder,
    database_schema,
    natural_keys_by_id,
    natural_target,
)


@dataclass
class ImportReport:
    """What import_all checked and wrote: the archive's manifest, its tables and the time."""

    path: Path
    manifest: dict
    parts: list[PartReport] = field(default_factory=list)
    not_in_backup: list[str] = field(default_factory=list)
    replaced: bool = False
    written: bool = False
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(p["rows"] for p in self.manifest["parts"])


def read_manifest(path: Path) -> dict:
    """The archive's manifest, once its format, version and shape are checked."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(_("There is no file %(path)s.") % {"path": path})
    try:
        with zipfile.ZipFile(path) as archive:
            raw = archive.read(MANIFEST)
    except zipfile.BadZipFile:
        raise BackupError(
            _("%(path)s is not a backup made by export_all (not a zip archive).") % {"path": path}
        ) from None
    except KeyError:
        raise BackupError(
            _("%(path)s is not a backup made by export_all (it has no manifest.json).")
            % {"path": path}
        ) from None
    except (OSError, zlib.error) as error:
        raise BackupError(
            _("%(path)s cannot be read: %(error)s") % {"path": path, "error": error}
        ) from None
    try:
        manifest = json.loads(raw)
    except ValueError:
        raise BackupError(_("The backup's manifest.json is not valid JSON.")) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(
            _("%(path)s is not a backup made by export_all (unknown format).") % {"path": path}
        )
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise BackupError(
            _(
                "The backup has format version %(theirs)s; this version of the app reads "
                "format version %(ours)s only. Restore it with the app version that made it "
                "(%(app)s)."
            )
            % {
                "theirs": version,
                "ours": FORMAT_VERSION,
                "app": manifest.get("app_version", "?"),
            }
        )
    parts = manifest.get("parts")
    shape_ok = (
        isinstance(parts, list)
        and isinstance(manifest.get("migrations"), dict)
        and all(
            isinstance(p, dict)
            and isinstance(p.get("model"), str)
            and isinstance(p.get("file"), str)
            and isinstance(p.get("columns"), list)
            and all(isinstance(c, str) for c in p["columns"])
            and isinstance(p.get("rows"), int)
            and isinstance(p.get("sha256"), str)
            and isinstance(p.get("natural_keys", {}), dict)
            for p in parts
        )
    )
    if not shape_ok:
        raise BackupError(_("The backup's manifest.json is incomplete or damaged."))
    labels = [p["model"] for p in parts]
    if len(set(labels)) != len(labels):
        raise BackupError(_("The backup's manifest.json lists a table twice."))
    return manifest


def verify_parts(path: Path, manifest: dict) -> None:
    """Every part is present, with the row count and SHA-256 the manifest says."""
    problems = []
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        for part in manifest["parts"]:
            if part["file"] not in names:
                problems.append(_("%(file)s is missing.") % {"file": part["file"]})
                continue
            digest, lines = hashlib.sha256(), 0
            try:
                with archive.open(part["file"]) as data:
                    while block := data.read(1 << 20):
                        digest.update(block)
                        lines += block.count(b"\n")
            except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as error:
                problems.append(
                    _("%(file)s is damaged: %(error)s") % {"file": part["file"], "error": error}
                )
                continue
            if digest.hexdigest() != part["sha256"]:
                problems.append(
                    _("%(file)s does not match its SHA-256 checksum: the file is damaged.")
                    % {"file": part["file"]}
                )
            elif lines != part["rows"]:
                problems.append(
                    _("%(file)s has %(found)s rows; the manifest says %(expected)s.")
                    % {"file": part["file"], "found": lines, "expected": part["rows"]}
                )
    if problems:
        raise BackupError(_("The backup is damaged; nothing was written."), problems)


@dataclass
class _Plan:
    """How one part goes into one table of the target database."""

    model: type[models.Model]
    part: dict | None
    fields: list[models.Field]  # the backup's columns, in the backup's order
    defaults: dict[models.Field, object]  # target columns the backup lacks


def _plan_import(manifest: dict, schema: Schema, path: Path) -> tuple[list[_Plan], list[str]]:
    """How every kept table is restored, and the tables an older backup does not have; raise
    BackupError, with every problem, when the backup does not fit the schema."""
    kept = schema.models
    parts = {p["model"]: p for p in manifest["parts"]}
    problems: list[str] = []
    backup_migrations = {
        (app_label, name) for app_label, names in manifest["migrations"].items() for name in names
    }
    newer = sorted(f"{app}.{name}" for app, name in backup_migrations - schema.applied)
    if newer:
        raise BackupError(
            _(
                "The backup was made by a newer version of the app (%(app)s): this database "
                "lacks these migrations. Upgrade the app and migrate, then import."
            )
            % {"app": manifest.get("app_version", "?")},
            newer,
        )
    same_schema = backup_migrations == schema.applied
    by_label = {m._meta.label_lower: m for m in kept}
    for label in parts:
        if label not in by_label:
            problems.append(
                _("The backup holds %(model)s, which this database does not have.")
                % {"model": label}
            )
    plans, not_in_backup = [], []
    for model in kept:
        label = model._meta.label_lower
        part = parts.get(label)
        if part is None:
            if same_schema:
                problems.append(_("The backup has no part for %(model)s.") % {"model": label})
            else:
                not_in_backup.append(label)
            plans.append(_Plan(model=model, part=None, fields=[], defaults={}))
            continue
        plan = _plan_part(model, part, problems)
        if plan is not None:
            plans.append(plan)
    if problems:
        raise BackupError(
            _(
                "The backup does not fit this database's schema; nothing was written. Restore "
                "it into an empty database migrated as far as the backup's schema, then migrate "
                "it forward: %(commands)s"
            )
            % {"commands": _migrate_commands(manifest, schema, path)},
            problems,
        )
    return plans, not_in_backup


def _plan_part(model: type[models.Model], part: dict, problems: list[str]) -> _Plan | None:
    """Fit one part's columns to the model's table: a column the backup lacks takes its
    default (or null); what does not fit goes to `problems` (None: nothing can be written)."""
    label = model._meta.label_lower
    columns = {f.attname: f for f in model._meta.concrete_fields}
    unknown = [c for c in part["columns"] if c not in columns]
    for column in unknown:
        problems.append(
            _("The backup's %(model)s has a column %(column)s that this database lacks.")
            % {"model": label, "column": column}
        )
    defaults = {}
    for attname, f in columns.items():
        if attname in part["columns"]:
            continue
        if f.has_default():
            defaults[f] = f.get_default()
        elif f.null:
            defaults[f] = None
        else:
            problems.append(
                _("The backup's %(model)s lacks the column %(column)s, which this database needs.")
                % {"model": label, "column": attname}
            )
    for attname, target in part.get("natural_keys", {}).items():
        f = columns.get(attname)
        if f is None or natural_target(f) != target:
            problems.append(
                _("The backup's %(model)s.%(column)s does not fit this database.")
                % {"model": label, "column": attname}
            )
    if unknown:
        return None
    fields = [columns[c] for c in part["columns"]]
    return _Plan(model=model, part=part, fields=fields, defaults=defaults)


def _migrate_commands(manifest: dict, schema: Schema, path: Path) -> str:
    """The commands that restore an older backup: migrate to its schema, import, migrate on."""
    ours = schema.migrations()
    back = [
        f"manage.py migrate {app} {max(names)}"
        for app, names in sorted(manifest["migrations"].items())
        if names and sorted(names) != ours.get(app)
    ]
    return "; ".join(
        ["manage.py migrate", *back, f"manage.py import_all {path}", "manage.py migrate"]
    )


def nonempty_tables(schema: Schema, using: str) -> list[str]:
    """Tables of kept models that hold rows in database `using`."""
    return [m._meta.db_table for m in schema.models if m._base_manager.using(using).exists()]


def import_all(
    *,
    path: Path,
    using: str = "default",
    replace: bool = False,
    check_only: bool = False,
    progress: Callable[[PartReport], None] | None = None,
) -> ImportReport:
    """Restore the archive `path` into database `using`: all rows with their ids, or nothing.

    The target must be migrated and hold no data, unless `replace` (its data are deleted first,
    in the same transaction). With `check_only`, everything is checked and nothing written."""
    started = time.monotonic()
    path = Path(path)
    manifest = read_manifest(path)
    schema = database_schema(using)
    plans, not_in_backup = _plan_import(manifest, schema, path)
    if not replace:
        occupied = nonempty_tables(schema, using)
        if occupied:
            raise BackupError(
                _(
                    "The target database already holds data; nothing was written. Import into "
                    "an empty, migrated database, or replace everything in it (--replace). "
                    "Tables with rows:"
                ),
                occupied,
            )
    verify_parts(path, manifest)
    report = ImportReport(
        path=path, manifest=manifest, not_in_backup=not_in_backup, replaced=replace
    )
    if check_only:
        report.seconds = time.monotonic() - started
        return report
    connection = connections[using]
    try:
        with transaction.atomic(using=using), zipfile.ZipFile(path) as archive:
            if replace:
                _delete_everything(plans, connection)
            natural = _target_natural_keys(using)
            for plan in plans:
                if plan.part is not None:
                    report.parts.append(_load_part(archive, plan, connection, natural, progress))
            _check_counts(plans, connection)
            try:
                connection.check_constraints(table_names=[p.model._meta.db_table for p in plans])
            except DatabaseError as error:
                raise BackupError(
                    _("The backup's rows refer to rows that are not in it; nothing was written."),
                    [str(error).strip()],
                ) from None
            statements = connection.ops.sequence_reset_sql(no_style(), [p.model for p in plans])
            if connection.vendor == "postgresql":
                # Fresh statistics: without them the planner takes the big tables for empty.
                quote = connection.ops.quote_name
                statements += [f"ANALYZE {quote(p.model._meta.db_table)}" for p in plans]
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
    except DatabaseError as error:
        raise BackupError(
            _("The database refused the backup's rows; nothing was written."),
            [str(error).strip()],
        ) from None
    report.written = True
    report.seconds = time.monotonic() - started
    public_data_changed()  # cached pages show the old data: make them stale
    return report


def _delete_everything(plans: list[_Plan], connection) -> None:
    quote = connection.ops.quote_name

    with connection.cursor() as cursor:
        for model in [*(p.model for p in reversed(plans)), Session]:
            cursor.execute(f"DELETE FROM {quote(model._meta.db_table)}")


def _target_natural_keys(using: str) -> dict[str, dict[tuple, int]]:
    return {
        label: {tuple(key): pk for pk, key in natural_keys_by_id(label, using).items()}
        for label in NATURAL_KEYS
    }


def _resolver(target: str, natural: dict) -> Callable[[list], int]:
    ids = natural[target]

    def resolve(key):
        try:
            return ids[tuple(key)]
        except KeyError:
            raise BackupError(
                _(
                    "%(what)s %(key)s is not in this database; run `manage.py migrate` "
                    "so that it exists, then import again."
                )
                % {"what": target, "key": ".".join(map(str, key))}
            ) from None

    return resolve


def _decoder(field: models.Field, connection, natural: dict) -> Callable | None:
    """How to turn one column's JSON value into what the database driver takes."""
    target = natural_target(field)
    if target:
        return _resolver(target, natural)
    kind = base_type(field)
    prepare = field.get_db_prep_save
    if kind in PLAIN_TYPES and kind != "JSONField":
        return None
    if kind == "JSONField":
        return lambda value: prepare(value, connection)
    if kind == "DateTimeField":
        return lambda value: prepare(dt.datetime.fromisoformat(value), connection)
    if kind == "DateField":
        return lambda value: prepare(dt.date.fromisoformat(value), connection)
    if kind == "TimeField":
        return lambda value: prepare(dt.time.fromisoformat(value), connection)
    if kind == "DecimalField":
        return lambda value: prepare(Decimal(value), connection)
    if kind == "BinaryField":
        return lambda value: prepare(base64.b64decode(value), connection)
    return lambda value: prepare(field.to_python(value), connection)


def _load_part(archive, plan: _Plan, connection, natural, progress) -> PartReport:
    started = time.monotonic()
    part = plan.part
    with archive.open(part["file"]) as data:
        written = write_rows(
            connection,
            table=plan.model._meta.db_table,
            columns=[f.column for f in [*plan.fields, *plan.defaults]],
            rows=_read_rows(data, part),
            params=_params(plan, connection, natural),
            copy_line=_copy_line(plan, natural),
        )
    part_report = PartReport(model=part["model"], rows=written, seconds=time.monotonic() - started)
    if progress:
        progress(part_report)
    return part_report


def _read_rows(data, part: dict) -> Iterator[tuple[int, list]]:
    width = len(part["columns"])
    for number, line in enumerate(data, start=1):
        try:
            row = json.loads(line)
        except ValueError:
            row = None
        if not isinstance(row, list) or len(row) != width:
            raise _unreadable(number, part)
        yield number, row


def _unreadable(number: int, part: dict) -> BackupError:
    return BackupError(
        _("Row %(line)s of %(file)s cannot be read; nothing was written.")
        % {"line": number, "file": part["file"]}
    )


# What a damaged value raises while it is converted (the checksums make these rare).
ROW_ERRORS = (
    ValueError,
    TypeError,
    AttributeError,
    KeyError,
    InvalidOperation,
    ValidationError,
)


def _params(plan: _Plan, connection, natural) -> Callable[[tuple[int, list]], list]:
    """A numbered JSON row as the INSERT's parameters (SQLite, or PostgreSQL without COPY)."""
    convert = [
        (i, dec) for i, f in enumerate(plan.fields) if (dec := _decoder(f, connection, natural))
    ]
    fixed = [f.get_db_prep_save(value, connection) for f, value in plan.defaults.items()]

    def params(numbered: tuple[int, list]) -> list:
        number, row = numbered
        try:
            for i, dec in convert:
                if row[i] is not None:
                    row[i] = dec(row[i])
        except ROW_ERRORS:
            raise _unreadable(number, plan.part) from None
        return row + fixed

    return params


def _copy_encoder(field: models.Field, natural: dict) -> Callable[[object], str]:
    """One column's JSON value as PostgreSQL's COPY text: ISO dates and decimal strings pass
    as they are, and PostgreSQL itself refuses a malformed one."""
    target = natural_target(field)
    if target:
        resolve = _resolver(target, natural)
        return lambda key: str(resolve(key))
    kind = base_type(field)
    if kind == "BooleanField":
        return {True: "t", False: "f"}.__getitem__
    if kind == "JSONField":
        return lambda value: copy_escape(json.dumps(value, ensure_ascii=False))
    if kind == "BinaryField":
        return lambda value: "\\\\x" + base64.b64decode(value, validate=True).hex()
    if kind.endswith(("IntegerField", "AutoField")):
        return lambda value: str(value.__index__())  # a number, never text that parses as one
    return copy_escape


def _copy_line(plan: _Plan, natural) -> Callable[[tuple[int, list]], str]:
    """A numbered JSON row as one line of COPY text, straight from JSON (PostgreSQL)."""
    encoders = [_copy_encoder(f, natural) for f in plan.fields]
    fixed = ""
    for f, value in plan.defaults.items():
        json_form = value
        encode = column_encoder(f, {})
        if value is not None and encode:
            json_form = encode(value)
        fixed += "\t" + (COPY_NULL if json_form is None else _copy_encoder(f, natural)(json_form))
    fixed += "\n"

    def copy_line(numbered: tuple[int, list]) -> str:
        number, row = numbered
        try:
            return (
                "\t".join(
                    [
                        COPY_NULL if v is None else enc(v)
                        for enc, v in zip(encoders, row, strict=True)
                    ]
                )
                + fixed
            )
        except ROW_ERRORS:
            raise _unreadable(number, plan.part) from None

    return copy_line


def _check_counts(plans: list[_Plan], connection) -> None:
    problems = []
    for plan in plans:
        expected = plan.part["rows"] if plan.part else 0
        found = plan.model._base_manager.using(connection.alias).count()
        if found != expected:
            problems.append(
                _("%(model)s: %(found)s rows written, %(expected)s expected.")
                % {"model": plan.model._meta.label_lower, "found": found, "expected": expected}
            )
    if problems:
        raise BackupError(_("The restore is incomplete; nothing was written."), problems)
