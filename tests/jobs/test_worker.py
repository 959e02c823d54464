"""A real Redis and a real Celery worker process running an import job end to end.

Everything runs in separate processes on a SQLite file of its own (the suite's test database
lives inside this process and a worker could not see it): migrate, seed, an account, the
worker, and `manage.py import_values --queue`, which queues the check and the write as jobs
and waits for the worker to finish them.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import require_redis

BASE_DIR = Path(__file__).resolve().parents[2]
REDIS = ("127.0.0.1", 6379)
PASSWORD = "worker-test-password"


@pytest.fixture(scope="module")
def worker_site(tmp_path_factory):
    require_redis(*REDIS)
    tmp = tmp_path_factory.mktemp("worker")
    queue = f"rstplan-test-{os.getpid()}"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="true",
        VAR_DIR=str(tmp),
        DATABASE_URL=f"sqlite:///{tmp / 'worker.sqlite3'}",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/15",
        CELERY_QUEUE=queue,
        WORKER_PASSWORD=PASSWORD,
    )

    def manage(*args, timeout=300):
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return result

    for args in (
        ("migrate", "--noinput"),
        ("load_seed",),
        (
            "create_account",
            "bistep",
            "--role",
            "secretariat",
            "--region",
            "26",
            "--password-env",
            "WORKER_PASSWORD",
        ),
    ):
        result = manage(*args)
        assert result.returncode == 0, result.stdout + result.stderr
    log = open(tmp / "worker.log", "wb")  # noqa: SIM115 - closed below
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "-Q",
            queue,
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while b"ready." not in (tmp / "worker.log").read_bytes():
            if worker.poll() is not None or time.monotonic() > deadline:
                pytest.fail(
                    "The worker did not start:\n" + (tmp / "worker.log").read_text(errors="replace")
                )
            time.sleep(0.3)
        yield manage, tmp
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        log.close()


def test_a_real_worker_checks_and_writes_an_import(worker_site):
    manage, tmp = worker_site
    upload = tmp / "values.csv"
    upload.write_text(
        "plan,kpi,year,value,source,note\n"
        "busan-2,rnd_to_grdp_pct,2025,2.05,https://www.bistep.re.kr/2025,워커\n"
        "busan-2,se_talent_flow_index,2025,0.27,,\n",
        encoding="cp949",
    )
    result = manage(
        "import_values",
        str(upload),
        "--user",
        "bistep",
        "--apply",
        "--queue",
        "--timeout",
        "90",
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 values saved as drafts" in result.stdout
    check = manage(
        "shell",
        "-c",
        (
            "from indicators.models import Observation as O;"
            "print(sorted((o.indicator.key, str(o.value.normalize()), o.status, o.note, "
            "o.entered_by.username) for o in O.objects.filter(year=2025)))"
        ),
    )
    assert check.returncode == 0, check.stderr
    assert check.stdout.strip().splitlines()[-1] == (
        "[('rnd_to_grdp_pct', '2.05', 'draft', '워커', 'bistep'), "
        "('se_talent_flow_index', '0.27', 'draft', '', 'bistep')]"
    )
    assert b"imports.tasks.apply_import" in (tmp / "worker.log").read_bytes()


def test_a_bad_file_run_by_the_worker_writes_nothing(worker_site):
    manage, tmp = worker_site
    upload = tmp / "bad.csv"
    upload.write_text("plan,kpi,year,value\nbusan-2,rcostii_rank,2026,2.5\n", encoding="utf-8")
    result = manage(
        "import_values",
        str(upload),
        "--user",
        "bistep",
        "--apply",
        "--queue",
        "--timeout",
        "90",
        timeout=180,
    )
    assert result.returncode != 0
    assert "line 2" in result.stdout
    check = manage(
        "shell",
        "-c",
        "from indicators.models import Observation as O;print(O.objects.filter(year=2026).count())",
    )
    assert check.stdout.strip().splitlines()[-1] == "0"
