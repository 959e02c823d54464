"""The site of `make chaos` on its private PostgreSQL and Redis: gunicorn, Celery workers,
manage.py commands, look-ups straight in the database, signing in, set-up and clean-up."""

import os
import secrets
import shutil
import signal
import subprocess
import time
from pathlib import Path

import psycopg2
import requests

from scripts.chaos_drill.common import (
    ANON_RATE,
    BASE_DIR,
    OUT,
    PYTHON,
    QUEUE,
    REGION,
    SCALE_ARGS,
    STATIC,
    Outcome,
    csrf_token,
    free_port,
    say,
)
from scripts.chaos_drill.private_postgres import PrivatePostgres
from scripts.chaos_drill.private_redis import PrivateRedis


class Chaos:
    """The private services, the site on top of them, and what the scenarios found."""

    def __init__(self):
        self.pg_port = free_port(55432)
        self.redis_port = free_port(56379)
        self.web_port = free_port(58000)
        self.app_password = secrets.token_urlsafe(24)
        self.postgres = PrivatePostgres(self.pg_port, secrets.token_urlsafe(24), self.app_password)
        self.redis = PrivateRedis(self.redis_port)
        self.user_password = "chaos-" + secrets.token_urlsafe(12)
        self.secret_key = secrets.token_urlsafe(50)
        self.database_url = (
            f"postgres://rstplan:{self.app_password}@127.0.0.1:{self.pg_port}/rstplan_chaos"
            # A database that does not answer must not hold a request for long.
            "?connect_timeout=3"
        )
        self.cache_url = f"redis://127.0.0.1:{self.redis_port}/0"
        self.broker_url = f"redis://127.0.0.1:{self.redis_port}/1"
        self.base = f"http://127.0.0.1:{self.web_port}"
        self.gunicorn = None
        self.workers: list[subprocess.Popen] = []
        self.logs = []
        self.outcomes: list[Outcome] = []
        self.facts: dict[str, str] = {}

    # --- The site's environment and manage.py ---------------------------------------------

    def env(self, *, broker: bool = True) -> dict:
        values = {
            k: v
            for k, v in os.environ.items()
            if k
            not in {
                "CELERY_BROKER_URL",
                "CELERY_QUEUE",
                "REDIS_URL",
                "DATABASE_URL",
                "DJANGO_SETTINGS_MODULE",
            }
        }
        values.update(
            DJANGO_SETTINGS_MODULE="config.settings",
            DATABASE_URL=self.database_url,
            REDIS_URL=self.cache_url,
            CELERY_QUEUE=QUEUE,
            DEBUG="false",
            SECRET_KEY=self.secret_key,
            ALLOWED_HOSTS="127.0.0.1,localhost",
            CONN_MAX_AGE="600",
            API_ANON_RATE=ANON_RATE,
            VAR_DIR=str(OUT),
            SECURE_SSL_REDIRECT="false",
            SESSION_COOKIE_SECURE="false",
            CSRF_COOKIE_SECURE="false",
            SECURE_HSTS_SECONDS="0",
            LOG_LEVEL="WARNING",
            CHAOS_PASSWORD=self.user_password,
        )
        if broker:
            values["CELERY_BROKER_URL"] = self.broker_url
        return values

    def manage(self, *args: str) -> str:
        # Set-up commands run their jobs in-process (no broker), as `make seed` does.
        result = subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=BASE_DIR,
            env=self.env(broker=False),
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {args[0]} failed:\n{result.stdout}{result.stderr}")
        return result.stdout

    def shell(self, code: str) -> str:
        return self.manage("shell", "-c", code).strip().splitlines()[-1]

    # --- Processes ----------------------------------------------------------------------

    def start_gunicorn(self) -> None:
        log = open(OUT / "gunicorn.log", "ab")  # noqa: SIM115 - closed in cleanup
        self.logs.append(log)
        self.gunicorn = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--workers",
                "2",
                "--worker-class",
                "sync",
                # Connections wait in the listen queue while both workers are busy; wrk's 64
                # fit many times over. A request is never near this timeout, a job runs in
                # Celery, not here.
                "--backlog",
                "2048",
                "--timeout",
                "60",
                "--bind",
                f"127.0.0.1:{self.web_port}",
                "--log-level",
                "warning",
            ],
            cwd=BASE_DIR,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(self.base + "/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if self.gunicorn.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start; see var/chaos/gunicorn.log")
            time.sleep(0.3)

    def start_worker(self, name: str) -> tuple[subprocess.Popen, Path]:
        path = OUT / f"{name}.log"
        log = open(path, "wb")  # noqa: SIM115 - closed in cleanup
        self.logs.append(log)
        worker = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--concurrency=1",  # prefork: a main process and one child that runs jobs
                "--loglevel=INFO",
                "-Q",
                QUEUE,
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
                "-n",
                f"{name}@chaos",
            ],
            cwd=BASE_DIR,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: kill -9 reaches main and child
        )
        self.workers.append(worker)
        deadline = time.monotonic() + 60
        while b"ready." not in path.read_bytes():
            if worker.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"The worker did not start; see {path}")
            time.sleep(0.2)
        return worker, path

    def cleanup(self) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                try:
                    os.killpg(worker.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                worker.wait(timeout=10)
        if self.gunicorn and self.gunicorn.poll() is None:
            self.gunicorn.terminate()
            try:
                self.gunicorn.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.gunicorn.kill()
        self.redis.stop()
        self.postgres.remove()
        shutil.rmtree(STATIC, ignore_errors=True)
        self.redis.close_logs()
        for log in self.logs:
            log.close()

    # --- Database look-ups (straight to the private PostgreSQL) ------------------------

    def query(self, sql: str, params=()) -> list[tuple]:
        connection = psycopg2.connect(self.database_url)
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall()
        finally:
            connection.close()

    def counts(self) -> tuple[int, int]:
        (row,) = self.query(
            "SELECT (SELECT count(*) FROM indicators_observation),"
            " (SELECT count(*) FROM indicators_historicalobservation)"
        )
        return row

    def batch(self, batch_id: int) -> tuple[str, int, str]:
        (row,) = self.query(
            "SELECT state, rows_written, message FROM imports_importbatch WHERE id = %s",
            [batch_id],
        )
        return row

    # --- Web sessions -----------------------------------------------------------------

    def login(self, username: str) -> requests.Session:
        session = requests.Session()
        page = session.get(self.base + "/en/login/", timeout=30)
        response = session.post(
            self.base + "/en/login/",
            data={
                "username": username,
                "password": self.user_password,
                "csrfmiddlewaretoken": csrf_token(page.text),
            },
            timeout=30,
            allow_redirects=False,
        )
        if response.status_code != 302:
            raise RuntimeError(f"Could not log in as {username}: {response.status_code}")
        return session

    # --- Setting up -------------------------------------------------------------------

    def set_up(self) -> None:
        OUT.mkdir(parents=True, exist_ok=True)
        say(f"Private PostgreSQL on port {self.pg_port}, Redis on {self.redis_port}…")
        version = self.postgres.start()
        self.facts["postgres"] = f"{version}, port {self.pg_port}"
        self.redis.start()
        started = time.monotonic()
        self.load_data()
        self.create_accounts()
        plans, kpis, observations = self.shell(
            "from plans.models import Plan; from indicators.models import Indicator, Observation;"
            "print(Plan.objects.count(), Indicator.objects.count(), Observation.objects.count())"
        ).split()
        self.facts["data"] = (
            f"{int(plans):,} plans, {int(kpis):,} KPIs, {int(observations):,} observations"
        )
        self.facts["setup_s"] = f"{time.monotonic() - started:.0f}"
        say(f"Data: {self.facts['data']} (set up in {self.facts['setup_s']} s)")
        self.start_gunicorn()

    def load_data(self) -> None:
        """Migrate, the seed, the national-scale data, fresh statistics, static files."""
        self.manage("migrate", "--noinput", "-v0")
        self.manage("load_seed", "-v0")
        say("Generating the national-scale data (about a minute)…")
        scale = self.manage("generate_scale_data", *SCALE_ARGS)
        self.facts["scale"] = scale.strip().splitlines()[-1]
        self.shell(
            "from django.db import connection; c = connection.cursor();"
            "[c.execute('ANALYZE \"%s\"' % t) for t in ('plans_plan', 'indicators_indicator',"
            " 'indicators_observation', 'indicators_historicalobservation', 'plans_budget')];"
            "print('ok')"
        )
        self.manage("collectstatic", "--noinput", "-v0")

    def create_accounts(self) -> None:
        """Busan's secretariat and a ministry officer, with the run's password."""
        for username, role, region in (
            ("chaos-busan", "secretariat", REGION),
            ("chaos-officer", "ministry", None),
        ):
            self.manage(
                "create_account",
                username,
                "--role",
                role,
                *(["--region", region] if region else []),
                "--password-env",
                "CHAOS_PASSWORD",
            )
