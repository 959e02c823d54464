"""export_all: every kept row of the database into one checksummed zip archive."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import django
from django.db import connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from datatools.backup.format import (
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    NATURAL_KEYS,
    BackupError,
    PartReport,
    Schema,
    app_version,
    column_encoder,
    database_schema,
    natural_keys_by_id,
    natural_target,
)

CHUNK = 2000


@dataclass
class ExportReport:
    """What export_all wrote: the archive, its tables, size and the seconds it took."""

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
        natural = {label: natural_keys_by_id(label, using) for label in NATURAL_KEYS}
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
    convert = [(i, enc) for i, f in enumerate(fields) if (enc := column_encoder(f, natural))]
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
    natural_columns = {f.attname: t for f in fields if (t := natural_target(f))}
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
