import os
import subprocess
import sys
from pathlib import Path

from tests.preflight import check_database

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = {"ENGINE": "django.db.backends.postgresql", "NAME": "nothing", "PASSWORD": "x"}


def test_a_closed_port_is_reported_as_an_unreachable_server():
    problem = check_database({**POSTGRES, "USER": "nobody", "HOST": "127.0.0.1", "PORT": "1"})
    assert problem.startswith("PostgreSQL is unreachable at 127.0.0.1:1: Connection refused.")
    assert "DATABASE_URL" in problem and "\n" not in problem


def test_a_missing_role_is_named_with_the_fix():
    # A PostgreSQL server may or may not run on this machine: either answer is a clear line.
    db = {**POSTGRES, "USER": "preflight_no_such_role", "HOST": "127.0.0.1", "PORT": "5432"}
    problem = check_database(db)
    assert "\n" not in problem
    if problem.startswith("PostgreSQL is unreachable"):
        assert "127.0.0.1:5432" in problem
    else:
        assert problem.startswith(
            'PostgreSQL refused the test connection as role "preflight_no_such_role" '
            "on 127.0.0.1:5432: "
        )
        assert 'role "preflight_no_such_role" does not exist' in problem
        assert "Create the role (it needs CREATEDB)" in problem


def test_sqlite_needs_no_check():
    assert check_database({"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}) is None


def test_a_run_against_an_unreachable_server_stops_at_once_with_one_line():
    env = {**os.environ, "DATABASE_URL": "postgres://nobody:x@127.0.0.1:1/nothing"}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "tests/test_i18n.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 4
    assert run.stdout == ""
    assert run.stderr.splitlines() == [
        "Exit: PostgreSQL is unreachable at 127.0.0.1:1: Connection refused. Start the server, "
        "or fix the host/port in DATABASE_URL (unset it to test on SQLite)."
    ]
