"""Writing many rows at once: the one bulk writer of the spreadsheet import and the restore.

At 100,000 rows Django's `bulk_create` spends most of its time compiling SQL and building
model instances, which plain rows do not need. `write_rows` sends them with PostgreSQL's
`COPY … FROM STDIN` (several times faster than INSERTs), and elsewhere (SQLite) with one
prepared INSERT executed for many rows. The caller says how one row becomes the statement's
parameters and how it becomes a line of COPY's text format; `copy_value` is that format for
plain Python values. `copy_to_history` adds the django-simple-history rows of rows just
written, inside the database.
"""

import datetime
import io
from collections.abc import Callable, Iterable, Sequence

from django.db import connections, router

COPY_NULL = "\\N"
COPY_CHUNK = 10_000
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_escape(text: str) -> str:
    """Text as a column of PostgreSQL's COPY text format (backslash, tab and newlines escaped)."""
    return text.translate(_COPY_ESCAPES)


def copy_value(value) -> str:
    """A plain Python value (None, text, bool, date and time, number) in COPY text format."""
    if value is None:
        return COPY_NULL
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value)


def uses_copy(connection) -> bool:
    return connection.vendor == "postgresql" and connection.Database.__name__ == "psycopg2"


def write_rows(
    connection,
    *,
    table: str,
    columns: Sequence[str],
    rows: Iterable,
    params: Callable[[object], Sequence],
    copy_line: Callable[[object], str],
    chunk: int = COPY_CHUNK,
) -> int:
    """INSERT `rows` into `table`'s `columns` (database column names); the number written.

    `copy_line(row)` gives the row as one line of COPY text, newline included (PostgreSQL);
    `params(row)` gives its values for the driver (elsewhere). Either may raise for a row it
    cannot convert; nothing is caught here (the caller's transaction then writes nothing)."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in columns)
    written = 0
    with connection.cursor() as cursor:
        if uses_copy(connection):
            sql = f"COPY {quote(table)} ({names}) FROM STDIN"
            lines: list[str] = []

            def send():
                with connection.wrap_database_errors:  # psycopg2's errors as Django's
                    cursor.cursor.copy_expert(sql, io.StringIO("".join(lines)), size=1 << 20)

            for row in rows:
                lines.append(copy_line(row))
                if len(lines) == chunk:
                    send()
                    written += len(lines)
                    lines = []
            if lines:
                send()
                written += len(lines)
        else:
            sql = (
                f"INSERT INTO {quote(table)} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
            )
            batch: list[Sequence] = []
            for row in rows:
                batch.append(params(row))
                if len(batch) == chunk:
                    cursor.executemany(sql, batch)
                    written += len(batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
                written += len(batch)
    return written


def insert_rows(model, rows: list[dict], shared: dict) -> int:
    """INSERT plain rows of `model` at once. `rows` hold the per-row columns (by attname:
    integers, decimals and text, already validated); `shared` the columns every row has in
    common; other columns get their field's default."""
    connection = connections[router.db_for_write(model)]
    per_row = list(rows[0])
    constant = {
        name: model._meta.get_field(name).get_db_prep_save(value, connection)
        for name, value in shared.items()
    }
    defaults = {
        f.attname: f.get_db_prep_save(f.get_default(), connection)
        for f in model._meta.concrete_fields
        if f.attname not in per_row and f.attname not in shared and not f.primary_key
    }
    names = per_row + list(constant) + list(defaults)
    fixed = list(constant.values()) + list(defaults.values())
    tail = "".join("\t" + copy_value(value) for value in fixed) + "\n"
    return write_rows(
        connection,
        table=model._meta.db_table,
        columns=[model._meta.get_field(name).column for name in names],
        rows=rows,
        params=lambda row: [row[name] for name in per_row] + fixed,
        copy_line=lambda row: "\t".join([copy_value(row[name]) for name in per_row]) + tail,
    )


def copy_to_history(queryset, *, by, when, reason: str, kind: str) -> None:
    """History rows (django-simple-history) for rows just bulk-written, one per row, as
    `save()` would have added them, copied inside the database by one INSERT … SELECT:
    nothing travels back and forth. `queryset` selects the rows just written; `kind` is the
    history type ("+" created, "~" changed)."""
    model = queryset.model
    history = model.history.model
    connection = connections[router.db_for_write(history)]
    quote = connection.ops.quote_name
    copied = [f.column for f in model._meta.concrete_fields]
    shared = {
        "history_date": when,
        "history_change_reason": reason,
        "history_type": kind,
        "history_user_id": by.pk,
    }
    missing = (
        {f.column for f in history._meta.concrete_fields if not f.primary_key}
        - set(copied)
        - {history._meta.get_field(name).column for name in shared}
    )
    if missing:  # a field added to the history only: this function must learn it
        raise RuntimeError(f"No value for history columns {sorted(missing)}")
    columns = ", ".join(
        quote(c) for c in copied + [history._meta.get_field(n).column for n in shared]
    )
    constants = [
        history._meta.get_field(name).get_db_prep_save(v, connection) for name, v in shared.items()
    ]
    fields = [f.attname for f in model._meta.concrete_fields]
    select, params = queryset.order_by().values_list(*fields).query.sql_with_params()
    # The subquery's columns keep their names (one table), so the outer SELECT names them and
    # adds the history columns as parameters.
    names = ", ".join(quote(c) for c in copied)
    marks = ", ".join(["%s"] * len(constants))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(history._meta.db_table)} ({columns}) "
            f"SELECT {names}, {marks} FROM ({select}) AS written ORDER BY {quote('id')}",
            [*constants, *params],
        )
