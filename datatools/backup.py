"""A whole-database backup that any later version of the app, on SQLite or PostgreSQL, restores
(``manage.py export_all`` / ``import_all``).

What is kept: every row of every model of our apps (regions, plans, indicators, dashboard) —
the history tables of django-simple-history included (history_date, history_user,
history_type, history_change_reason: the audit trail) and the many-to-many tables (a task's
``aligns_with`` links, and their history) — plus the accounts: users (password hashes, not
passwords), groups, their permissions, API tokens and the admin's change log. Primary keys are
kept, so links, URLs and history stay as they were. Report workbooks and uploaded spreadsheets
are stored in the database (BinaryField), so they are in the backup too: there are no media
files to copy.

What is left out, and why:

- ``contenttypes.ContentType`` and ``auth.Permission``: ``migrate`` creates them, and their ids
  differ from one database to another. The rows that refer to them (group and user permissions,
  admin log entries) carry natural keys instead (``[app_label, model]``,
  ``[app_label, model, codename]``), resolved against the target database on import.
- ``sessions.Session``: logins, not data. They expire, and a session names its user by id, so
  restoring them into another database could sign someone in as someone else; after a restore
  everybody signs in again. ``import_all --replace`` deletes the old sessions for that reason.
- ``authtoken.TokenProxy``: a proxy of ``authtoken.Token`` (the same table, backed up once).
- ``django_migrations``: the schema comes from ``migrate``. The manifest lists the migrations
  the source had applied; an import refuses a backup made by a newer schema.
- The cache (Redis or local memory): derived data. An import makes every cached page stale.

Any other model (a new app, a new third-party package) makes the export refuse until it is
listed here as kept or left out: a backup that silently misses a table is worse than none.

The file is a zip archive: ``manifest.json`` and one ``data/<app>.<model>.jsonl`` per table,
one JSON array per row (the columns are listed in the manifest). The manifest holds the format
name and version, the app and Django versions, the source database, its applied migrations and,
for every part, its columns, row count and the SHA-256 of its bytes. Dates are ISO 8601 in UTC,
decimals strings, binary data base64. Export streams each table in primary-key order; on
PostgreSQL inside one REPEATABLE READ transaction, so the tables are one consistent snapshot.
The file holds password hashes and API tokens: it is created readable by its owner only.

Tables are read and written as the database's applied migrations define them, not as the
current code does. So an older backup is restored by migrating an empty database only as far
as the backup's migrations, importing, then migrating forward (the data migrations then run on
the restored rows); import_all prints these commands when a backup does not fit. A backup whose
table lacks a column that has a default (or may be null) gets the default; a backup made by a
newer schema is refused.

Import checks everything first — format and version, the schema, every part's row count and
checksum, an empty target (unless ``replace``) — then writes all rows in one transaction (COPY
on PostgreSQL, multi-row INSERTs elsewhere), checks the foreign keys and the row counts, resets
PostgreSQL's sequences so new rows get fresh ids, and commits; any problem rolls everything
back.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import tempfile
import time
import tomllib
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from importlib import metadata
from pathlib import Path

import django
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.db import DatabaseError, connections, models, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django.utils.translation import gettext as _

from core.bulk import COPY_NULL, copy_escape, write_rows
from core.cache import public_data_changed

FORMAT = "rstplan-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CHUNK = 2000

# Apps whose every model is kept (the many-to-many and history tables included).
KEPT_APPS = (
    "auth",
    "authtoken",
    "admin",
    "regions",
    "plans",
    "indicators",
    "imports",
    "dashboard",
    "reports",
)
# Models deliberately left out, with the reason (see the module docstring).
LEFT_OUT = {
    "contenttypes.contenttype": "created by migrate; referred to by natural key",
    "auth.permission": "created by migrate; referred to by natural key",
    "sessions.session": "logins expire and name users by id; everybody signs in again",
}
# Rows that point at these carry a natural key, not the source database's id.
NATURAL_KEYS = {
    "contenttypes.contenttype": ("app_label", "model"),
    "auth.permission": ("content_type__app_label", "content_type__model", "codename"),
}
# Column types written to JSON as they are (strings, numbers, booleans, JSON values).
PLAIN_TYPES = {
    "AutoField",
    "BigAutoField",
    "SmallAutoField",
    "BigIntegerField",
    "IntegerField",
    "SmallIntegerField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "BooleanField",
    "CharField",
    "TextField",
    "SlugField",
    "EmailField",
    "URLField",
    "GenericIPAddressField",
    "JSONField",
}


class BackupError(Exception):
    """The backup could not be written or restored; nothing was changed."""

    def __init__(self, message: str, problems: list[str] | None = None):
        self.message = message
        self.problems = problems or []
        super().__init__(message)

    def __str__(self) -> str:
        return "\n".join([self.message, *(f"  - {p}" for p in self.problems)])


def app_version() -> str:
    """The version of this app (pyproject.toml), as installed."""
    try:
        return metadata.version("rstplan")
    except metadata.PackageNotFoundError:
        with open(Path(settings.BASE_DIR) / "pyproject.toml", "rb") as file:
            return tomllib.load(file)["project"]["version"]


def kept_models(registry=apps) -> list[type[models.Model]]:
    """Every model whose rows the backup holds, each after the models it refers to."""
    kept, undecided = {}, []
    for model in registry.get_models(include_auto_created=True):
        opts = model._meta
        if opts.proxy or not opts.managed or opts.label_lower in LEFT_OUT:
            continue
        if opts.app_label in KEPT_APPS:
            kept[opts.label_lower] = model
        else:
            undecided.append(opts.label_lower)
    if undecided:
        raise BackupError(
            _(
                "These models are neither kept nor left out by the backup; decide in "
                "datatools/backup.py (KEPT_APPS or LEFT_OUT):"
            ),
            sorted(undecided),
        )
    # Foreign keys are checked at commit, so the order only makes the file read naturally:
    # accounts, then regions, plans, KPIs; a table after the tables it refers to.
    ordered: list[type[models.Model]] = []
    placed: set[str] = set()
    by_app = sorted(kept, key=lambda label: (KEPT_APPS.index(kept[label]._meta.app_label), label))
    while len(ordered) < len(kept):
        for label in by_app:
            if label in placed:
                continue
            needs = {
                f.related_model._meta.label_lower
                for f in kept[label]._meta.concrete_fields
                if f.is_relation and f.related_model is not kept[label]
            } & (set(kept) - {label})
            if needs <= placed:
                ordered.append(kept[label])
                placed.add(label)
                break
        else:  # a cycle between models: place the rest alphabetically
            rest = sorted(set(kept) - placed)
            ordered.extend(kept[label] for label in rest)
            placed.update(rest)
    return ordered


@dataclass
class Schema:
    """The kept models as a database's applied migrations define them."""

    models: list[type[models.Model]]
    applied: set[tuple[str, str]]

    def migrations(self) -> dict[str, list[str]]:
        by_app: dict[str, list[str]] = {}
        for app_label, name in sorted(self.applied):
            by_app.setdefault(app_label, []).append(name)
        return by_app


def database_schema(using: str) -> Schema:
    """The tables of database `using` as its applied migrations made them, not as the code
    describes them: the two differ while a migration is pending, and an old backup is restored
    into an empty database migrated only as far as the backup's schema."""
    loader = MigrationLoader(connections[using], ignore_no_migrations=True)
    applied = set(loader.applied_migrations)
    nodes = [node for node in applied if node in loader.graph.nodes]
    state = loader.project_state(nodes=nodes, at_end=True)
    kept = kept_models(state.apps)
    if not any(m._meta.app_label == "regions" for m in kept):
        raise BackupError(
            _("The database %(alias)s is not migrated: run `manage.py migrate` first.")
            % {"alias": using}
        )
    return Schema(models=kept, applied=applied)


def _base_type(field: models.Field) -> str:
    while field.is_relation:
        field = field.target_field
    return field.get_internal_type()


def _natural_target(field: models.Field) -> str | None:
    if field.is_relation and field.related_model._meta.label_lower in NATURAL_KEYS:
        return field.related_model._meta.label_lower
    return None


def _natural_keys(label: str, using: str) -> dict[int, list[str]]:
    """Ids of content types or permissions in database `using` → their natural keys."""
    model = ContentType if label == "contenttypes.contenttype" else Permission
    return {
        pk: list(key)
        for pk, *key in model._base_manager.using(using).values_list("pk", *NATURAL_KEYS[label])
    }


def _iso(value) -> str:
    return value.isoformat()


def _b64(value) -> str:
    return base64.b64encode(bytes(value)).decode("ascii")


def _encoder(field: models.Field, natural: dict[str, dict]) -> Callable | None:
    """How to write one column's value as JSON (None: as it is)."""
    target = _natural_target(field)
    if target:
        keys = natural[target]
        return keys.__getitem__
    kind = _base_type(field)
    if kind in PLAIN_TYPES:
        return None
    if kind in ("DateTimeField", "DateField", "TimeField"):
        return _iso
    if kind == "DecimalField":
        return str
    if kind == "BinaryField":
        return _b64
    if kind == "UUIDField":
        return str
    raise BackupError(
        _("The backup cannot write the column %(column)s (%(kind)s) yet.")
        % {"column": f"{field.model._meta.label}.{field.attname}", "kind": kind}
    )


# --------------------------------------------------------------------------- export


@dataclass
class PartReport:
    model: str
    rows: int
    seconds: float


@dataclass
class ExportReport:
    path: Path
    parts: list[PartReport] = field(default_factory=list)
    size: int = 0
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(p.rows for p in self.parts)


def export_all(
    *,
    path: Path,
    using: str = "default",
    overwrite: bool = False,
    progress: Callable[[PartReport], None] | None = None,
) -> ExportReport:
    """Write every kept row of database `using` to the archive `path` (made whole or not at all)."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise BackupError(
            _("%(path)s already exists; choose another name or overwrite it (--overwrite).")
            % {"path": path}
        )
    if not path.parent.is_dir():
        raise BackupError(_("The folder %(folder)s does not exist.") % {"folder": path.parent})
    started = time.monotonic()
    schema = database_schema(using)
    report = ExportReport(path=path)
    # A temporary file beside the target, renamed at the end: an interrupted export never
    # leaves a half-written backup under the real name.
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            manifest = _write_parts(archive, schema, using, report, progress)
            archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    report.size = path.stat().st_size
    report.seconds = time.monotonic() - started
    return report


def _write_parts(archive, schema: Schema, using, report, progress) -> dict:
    connection = connections[using]
    outer = connection.in_atomic_block
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql" and not outer:
            # One snapshot for every table: rows written while the export runs are either
            # wholly in it or wholly out (with their history).
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        natural = {label: _natural_keys(label, using) for label in NATURAL_KEYS}
        parts = [
            _write_part(archive, model, using, natural, report, progress) for model in schema.models
        ]
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "app_version": app_version(),
        "django_version": django.get_version(),
        "created_at": timezone.now().isoformat(),
        "database_vendor": connection.vendor,
        "migrations": schema.migrations(),
        "parts": parts,
    }


def _write_part(archive, model, using, natural, report, progress) -> dict:
    started = time.monotonic()
    opts = model._meta
    fields = list(opts.concrete_fields)
    convert = [(i, enc) for i, f in enumerate(fields) if (enc := _encoder(f, natural))]
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)
    digest = hashlib.sha256()
    name = f"data/{opts.label_lower}.jsonl"
    rows = 0
    rows_query = (
        model._base_manager.using(using)
        .order_by(opts.pk.attname)
        .values_list(*[f.attname for f in fields])
        .iterator(chunk_size=CHUNK)
    )
    info = zipfile.ZipInfo(name, date_time=timezone.localtime().timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    with archive.open(info, "w", force_zip64=True) as out:
        lines = []
        for row in rows_query:
            if convert:
                row = list(row)
                for i, enc in convert:
                    if row[i] is not None:
                        row[i] = enc(row[i])
            lines.append(encode.encode(row))
            if len(lines) == CHUNK:
                rows += _flush(out, digest, lines)
        rows += _flush(out, digest, lines)
    part_report = PartReport(model=opts.label_lower, rows=rows, seconds=time.monotonic() - started)
    report.parts.append(part_report)
    if progress:
        progress(part_report)
    part = {
        "model": opts.label_lower,
        "table": opts.db_table,
        "file": name,
        "columns": [f.attname for f in fields],
        "rows": rows,
        "sha256": digest.hexdigest(),
    }
    natural_columns = {f.attname: t for f in fields if (t := _natural_target(f))}
    if natural_columns:
        part["natural_keys"] = natural_columns
    return part


def _flush(out, digest, lines: list[str]) -> int:
    if not lines:
        return 0
    data = ("\n".join(lines) + "\n").encode("utf-8")
    digest.update(data)
    out.write(data)
    count = len(lines)
    lines.clear()
    return count


# --------------------------------------------------------------------------- import


@dataclass
class ImportReport:
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
                    _(
                        "The backup's %(model)s lacks the column %(column)s, which this "
                        "database needs."
                    )
                    % {"model": label, "column": attname}
                )
        for attname, target in part.get("natural_keys", {}).items():
            f = columns.get(attname)
            if f is None or _natural_target(f) != target:
                problems.append(
                    _("The backup's %(model)s.%(column)s does not fit this database.")
                    % {"model": label, "column": attname}
                )
        if not unknown:
            fields = [columns[c] for c in part["columns"]]
            plans.append(_Plan(model=model, part=part, fields=fields, defaults=defaults))
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
        label: {tuple(key): pk for pk, key in _natural_keys(label, using).items()}
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
    target = _natural_target(field)
    if target:
        return _resolver(target, natural)
    kind = _base_type(field)
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
    target = _natural_target(field)
    if target:
        resolve = _resolver(target, natural)
        return lambda key: str(resolve(key))
    kind = _base_type(field)
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
        encode = _encoder(f, {})
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
