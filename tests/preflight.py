"""Pytest plugin (-p tests.preflight in pyproject.toml): before any test, one connection to the
PostgreSQL server the tests will use. A missing role or an unreachable server would otherwise
fail every test, thousands of errors over minutes, with the cause at the very end; this stops
the run at once with one line saying what is wrong and how to fix it. SQLite: nothing to check."""

import re

import pytest

# libpq's own settings that may come with DATABASE_URL (?sslmode=require); the rest of OPTIONS
# (isolation_level, pool, ...) is Django's.
LIBPQ_OPTIONS = ("sslmode", "sslrootcert", "sslcert", "sslkey", "options", "passfile", "service")


def check_database(db: dict, need_createdb: bool = True) -> str | None:
    """None when the database in `db` (a settings.DATABASES entry) is not PostgreSQL, or takes
    a connection from a role that may create the test database (need_createdb: not when
    --reuse-db keeps it); otherwise the one line to stop the test run with."""
    if not db.get("ENGINE", "").endswith("postgresql"):
        return None
    import psycopg2

    host, port, user = db.get("HOST") or "", db.get("PORT") or 5432, db.get("USER") or ""
    where = f"{host}:{port}" if host else f"the local socket (port {port})"
    params = {k: v for k, v in (db.get("OPTIONS") or {}).items() if k in LIBPQ_OPTIONS}
    params.update(host=host, port=port, user=user, password=db.get("PASSWORD") or "")
    # Like Django creating the test database: the maintenance database, else the configured one.
    for dbname in ("postgres", db.get("NAME") or "postgres"):
        try:
            connection = psycopg2.connect(dbname=dbname, connect_timeout=3, **params)
        except psycopg2.Error as error:
            first = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
            if 'database "postgres" does not exist' not in first:
                break
        else:
            return _createdb_problem(connection, db, user) if need_createdb else None
    reason = re.sub(r"\s+", " ", re.sub(r"^connection to server .*? failed: ", "", first))
    if "FATAL" in first:  # the server answered and said no
        return (
            f'PostgreSQL refused the test connection as role "{user}" on {where}: {reason}. '
            "Create the role (it needs CREATEDB) or fix the user/password in DATABASE_URL."
        )
    return (
        f"PostgreSQL is unreachable at {where}: {reason}. "
        "Start the server, or fix the host/port in DATABASE_URL (unset it to test on SQLite)."
    )


def _createdb_problem(connection, db: dict, user: str) -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user"
            )
            (allowed,) = cursor.fetchone()
    finally:
        connection.close()
    if allowed:
        return None
    test_name = (db.get("TEST") or {}).get("NAME") or f"test_{db.get('NAME')}"
    return (
        f'PostgreSQL role "{user}" may not create databases, and the tests create {test_name}. '
        f'Run ALTER ROLE "{user}" CREATEDB as a superuser, or fix DATABASE_URL.'
    )


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    # tryfirst: before the terminal reporter starts, so that the line is all that is printed.
    if config.option.help or config.option.collectonly:
        return
    from django.conf import settings

    if not settings.configured:
        return
    need_createdb = not config.getoption("reuse_db", False)
    problem = check_database(settings.DATABASES.get("default", {}), need_createdb)
    if problem:
        pytest.exit(problem, returncode=pytest.ExitCode.USAGE_ERROR)
