"""A worker killed with SIGKILL while it writes an import leaves no partial data.

As in test_worker.py, real processes on a SQLite file of their own and a real Redis, but on
Redis database 12 and a queue of its own, so that these jobs never meet another run's. The
moment to kill is taken from the import's progress counter (kept in the cache while the rows
are still uncommitted). `make chaos` does the same on PostgreSQL under load.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import require_redis

BASE_DIR = Path(__file__).resolve().parents[2]
REDIS_HOST, REDIS_PORT, REDIS_DB = "127.0.0.1", 6379, 12
REDIS_URL = f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}"
PASSWORD = "chaos-test-password"
YEARS, KPIS = 20, 2000
ROWS = YEARS * KPIS
PLANS = [f"chaos-{test}{attempt}" for test in "ab" for attempt in (1, 2, 3)]


class Site:
    """A migrated, seeded site on a SQLite file, and its worker processes."""

    def __init__(self, tmp: Path, queue: str):
        self.tmp, self.queue = tmp, queue
        self.database = tmp / "chaos.sqlite3"
        self.workers: list[subprocess.Popen] = []
        self.progress_keys: list[str] = []
        self.env = {
            k: v
            for k, v in os.environ.items()
            if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "CELERY_QUEUE"}
        }
        self.env.update(
            DJANGO_SETTINGS_MODULE="config.settings",
            DEBUG="true",
            VAR_DIR=str(tmp),
            DATABASE_URL=f"sqlite:///{self.database}",
            CELERY_QUEUE=queue,
            CHAOS_PASSWORD=PASSWORD,
        )
        # Set-up runs without Redis (jobs in-process, local cache); the workers and the
        # confirmation use it: the queue, and the cache where the import counts its progress.
        self.redis_env = {**self.env, "CELERY_BROKER_URL": REDIS_URL, "REDIS_URL": REDIS_URL}
        import redis

        self.redis = redis.Redis.from_url(REDIS_URL)

    def manage(self, *args: str, redis: bool = False) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env=self.redis_env if redis else self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def shell(self, code: str, redis: bool = False) -> str:
        return self.manage("shell", "-c", code, redis=redis).strip().splitlines()[-1]

    def start_worker(self, name: str) -> tuple[subprocess.Popen, Path]:
        path = self.tmp / f"{name}.log"
        log = open(path, "wb")  # noqa: SIM115 - the worker writes to it until it ends
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--concurrency=1",  # prefork: a main process and a child that runs the job
                "--loglevel=INFO",
                "-Q",
                self.queue,
                "-n",
                f"{name}@{self.queue}",
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
            ],
            cwd=BASE_DIR,
            env=self.redis_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so kill -9 reaches every process
        )
        log.close()
        self.workers.append(worker)
        deadline = time.monotonic() + 60
        while b"ready." not in path.read_bytes():
            if worker.poll() is not None or time.monotonic() > deadline:
                pytest.fail("The worker did not start:\n" + path.read_text(errors="replace"))
            time.sleep(0.2)
        return worker, path

    def stop_workers(self) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)  # a warm shutdown of an idle worker
                try:
                    worker.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(worker.pid, signal.SIGKILL)
                    worker.wait(timeout=20)
        self.workers.clear()

    def query(self, sql: str, params=()) -> tuple:
        # Opening the file after a kill rolls back what the dead process left half-written,
        # as any SQLite reader does with a hot journal.
        connection = sqlite3.connect(self.database, timeout=30)
        try:
            return connection.execute(sql, params).fetchone()
        finally:
            connection.close()

    def counts(self) -> tuple[int, int]:
        return self.query(
            "SELECT (SELECT count(*) FROM indicators_observation),"
            " (SELECT count(*) FROM indicators_historicalobservation)"
        )

    def batch(self, batch_id: int) -> tuple[str, int]:
        return self.query(
            "SELECT state, rows_written FROM imports_importbatch WHERE id = ?", [batch_id]
        )

    def check_import(self, plan_key: str) -> int:
        """A checked import of ROWS rows for `plan_key`, ready to be confirmed."""
        upload = self.tmp / f"{plan_key}.csv"
        lines = ["plan,kpi,year,value,source,note"]
        lines += [
            f"{plan_key},k{i},{year},{1 + (i + year) % 97 / 100:.2f},,"
            for i in range(KPIS)
            for year in range(2001, 2001 + YEARS)
        ]
        upload.write_text("\n".join(lines) + "\n", encoding="utf-8")
        batch_id = int(
            self.shell(
                "from django.contrib.auth import get_user_model;"
                "from imports import services as import_services;"
                "u = get_user_model().objects.get(username='chaos');"
                f"b = import_services.create_import(user=u, file_name='{upload.name}',"
                f" content=open({str(upload)!r}, 'rb').read());"
                "print(b.pk if b.state == 'checked' and not b.problem_count else -1)"
            )
        )
        assert batch_id > 0, "the import did not check cleanly"
        # Batch ids restart with each SQLite file; a count left by an earlier run must go.
        key = f":1:import-written:{batch_id}"
        self.redis.delete(key)
        self.progress_keys.append(key)
        return batch_id

    def confirm(self, batch_id: int) -> None:
        """What the import page's confirm button does: mark the batch writing, queue the job."""
        self.shell(
            "from django.contrib.auth import get_user_model; from core.jobs import enqueue;"
            "from imports import services as import_services, tasks;"
            "u = get_user_model().objects.get(username='chaos');"
            f"import_services.request_apply(batch_id={batch_id}, by=u);"
            f"enqueue(tasks.apply_import, {batch_id}, u.pk); print('queued')",
            redis=True,
        )

    def wait_for_progress(self, batch_id: int) -> int:
        """Rows written so far, as soon as the first chunk is written (and not committed)."""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            value = self.redis.get(f":1:import-written:{batch_id}")
            if value and int(value) > 0:
                return int(value)
            time.sleep(0.005)
        pytest.fail(f"Import {batch_id} showed no progress within 120 s.")

    def start_import_and_catch_it(self, plan_keys: list[str]) -> tuple[int, tuple, int]:
        """Confirm an import and return once its write is under way: (batch, counts before,
        rows written so far). On a busy machine the write may finish before this process
        looks; then the next plan's import is tried."""
        for plan_key in plan_keys:
            batch_id = self.check_import(plan_key)
            before = self.counts()
            self.confirm(batch_id)
            written = self.wait_for_progress(batch_id)
            if written < ROWS:
                return batch_id, before, written
            self.wait_for_state(batch_id, "applied")
        pytest.fail(f"{len(plan_keys)} imports were all written before they could be caught.")

    def wait_for_state(self, batch_id: int, state: str) -> tuple[str, int]:
        deadline = time.monotonic() + 180
        while (row := self.batch(batch_id))[0] != state:
            if time.monotonic() > deadline:
                pytest.fail(f"Import {batch_id} stayed {row[0]!r}, not {state!r}.")
            time.sleep(0.2)
        return row

    def forget_queue(self) -> None:
        """Leave nothing of this run in the shared Redis: the queue, its bindings, and the
        message the killed worker never acknowledged (it would come back in an hour)."""
        for tag, payload in self.redis.hgetall("unacked").items():
            if self.queue.encode() in payload:
                self.redis.hdel("unacked", tag)
                self.redis.zrem("unacked_index", tag)
        for key in self.redis.scan_iter(match=f"*{self.queue}*"):
            self.redis.delete(key)
        if self.progress_keys:
            self.redis.delete(*self.progress_keys)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    require_redis(REDIS_HOST, REDIS_PORT)
    site = Site(tmp_path_factory.mktemp("chaos"), f"rstplan-chaos-test-{os.getpid()}")
    site.manage("migrate", "--noinput", "-v0")
    site.manage("load_seed", "-v0")
    site.manage(
        "create_account",
        "chaos",
        "--role",
        "secretariat",
        "--region",
        "26",
        "--password-env",
        "CHAOS_PASSWORD",
    )
    site.shell(
        "from decimal import Decimal; from indicators.models import Indicator, Unit;"
        "from plans.models import Plan; from regions.models import Region;"
        "unit = Unit.objects.get(key='index'); busan = Region.objects.get(code='26');"
        "plans = [Plan.objects.create(key=key, level='regional', region=busan,"
        " name_ko='장애 시험', name_en='Chaos test', start_year=2001,"
        f" end_year={2000 + YEARS}, provisional=True) for key in {PLANS!r}];"
        "[Indicator.objects.bulk_create(Indicator(plan=plan, key=f'k{i}', name_ko=f'지표 {i}',"
        " name_en=f'KPI {i}', unit=unit, direction='increase', baseline_year=2000,"
        f" baseline_value=Decimal(1), target_year={2000 + YEARS}, target_value=Decimal(2))"
        f" for i in range({KPIS})) for plan in plans]; print('ok')"
    )
    try:
        yield site
    finally:
        site.stop_workers()
        site.forget_queue()


@pytest.fixture
def workers(site):
    # Each test has its own workers: one left running would take the next test's job.
    yield site
    site.stop_workers()


def child_pids(pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command name is in parentheses and may hold spaces; the parent pid follows.
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if parent == pid:
            children.append(int(stat.parent.name))
    return children


def test_a_worker_killed_while_writing_an_import_leaves_no_partial_data(workers):
    site = workers
    worker, _ = site.start_worker("first")
    batch_id, before, written = site.start_import_and_catch_it(PLANS[:3])
    os.killpg(worker.pid, signal.SIGKILL)  # the whole worker: main process and child
    worker.wait(timeout=20)

    assert site.counts() == before, f"{written} rows were written, and some were kept"
    assert site.batch(batch_id) == ("applying", 0)

    # The message waits unacknowledged in Redis for an hour; the user confirms again.
    site.start_worker("second")
    site.confirm(batch_id)
    assert site.wait_for_state(batch_id, "applied") == ("applied", ROWS)
    assert site.counts() == (before[0] + ROWS, before[1] + ROWS)


def test_a_job_whose_process_is_killed_is_redelivered_and_written_once(workers):
    site = workers
    worker, log = site.start_worker("third")
    batch_id, before, written = site.start_import_and_catch_it(PLANS[3:])
    children = child_pids(worker.pid)
    assert children, "the worker has no pool process"
    for pid in children:
        os.kill(pid, signal.SIGKILL)  # only the process running the job, as the OOM killer

    # acks_late + reject_on_worker_lost: the main process puts the job back and runs it again.
    assert site.wait_for_state(batch_id, "applied") == ("applied", ROWS)
    assert site.counts() == (before[0] + ROWS, before[1] + ROWS)
    assert "WorkerLostError" in log.read_text(errors="replace")
