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
listed in format.py as kept or left out (KEPT_APPS or LEFT_OUT): a backup that silently misses
a table is worse than none.

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

The package: format.py holds what both directions share (the format's name and version, what
is kept and left out, the schema as the migrations made it, how a column is written to JSON);
export.py writes the archive; restore.py checks an archive and restores it.
"""

from datatools.backup.export import CHUNK, ExportReport, export_all
from datatools.backup.format import (
    FORMAT,
    FORMAT_VERSION,
    KEPT_APPS,
    LEFT_OUT,
    MANIFEST,
    NATURAL_KEYS,
    PLAIN_TYPES,
    BackupError,
    PartReport,
    Schema,
    app_version,
    database_schema,
    kept_models,
)
from datatools.backup.restore import (
    ImportReport,
    import_all,
    nonempty_tables,
    read_manifest,
    verify_parts,
)

__all__ = [
    "CHUNK",
    "FORMAT",
    "FORMAT_VERSION",
    "KEPT_APPS",
    "LEFT_OUT",
    "MANIFEST",
    "NATURAL_KEYS",
    "PLAIN_TYPES",
    "BackupError",
    "ExportReport",
    "ImportReport",
    "PartReport",
    "Schema",
    "app_version",
    "database_schema",
    "export_all",
    "import_all",
    "kept_models",
    "nonempty_tables",
    "read_manifest",
    "verify_parts",
]
