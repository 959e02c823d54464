#!/usr/bin/env python
"""`make chaos`: the site under 60 seconds of load, then with its database, its Redis and a
job worker taken away, on a PostgreSQL and a Redis of its own.

Nothing shared is touched: the script starts a private PostgreSQL cluster (initdb into
var/chaos/pg, on a free port from 55432, as the `postgres` OS user when run as root) and a
private Redis (a free port from 56379, no persistence), and stops and deletes both at the end,
also when a step fails or the run is interrupted. The site runs as in production: gunicorn with
2 sync workers, DEBUG off, CONN_MAX_AGE=600, the Redis cache, Celery on Redis.

Scenarios (each prints its figures and PASS or FAIL; the report is var/chaos/latest.md and the
exit status is non-zero when any fails):

1. Load: national-scale data (generate_scale_data at its full default size), then
   `wrk -t2 -c64 -d60s` on a region dashboard and on two API reads: no error may occur.
2. PostgreSQL stopped for 5 seconds under load and started again: requests that need the
   database fail fast with the plain 503 page (or the API's JSON error), cached pages keep being
   served, and the site recovers by itself.
3. Redis stopped: public pages and the API still answer 200 (cache misses); an import upload,
   an import confirmation and a report request answer that jobs are unavailable, and nothing is
   half-done.
4. A Celery worker killed with SIGKILL in the middle of writing a 100,000-row import, twice:
   the process running the job (the job is redelivered) and the whole worker (the user confirms
   again): no partial data, and the import is written exactly once.

Environment: CHAOS_LOAD_SECONDS (default 60) per URL of scenario 1, CHAOS_ROWS (default
100000) rows per import of scenario 4, CHAOS_SCALE_ARGS (e.g. "--municipalities 10") to
generate less data for a quick rehearsal.
"""

import datetime
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2
import redis
import requests

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
OUT = BASE_DIR / "var" / "chaos"
PGDATA = OUT / "pg"
PGSOCKET = OUT / "pg-socket"
STATIC = OUT / "static"

LOAD_SECONDS = int(os.environ.get("CHAOS_LOAD_SECONDS", "60"))
CONNECTIONS = 64
ROWS = int(os.environ.get("CHAOS_ROWS", "100000"))
# Extra options of generate_scale_data for a quicker rehearsal (default: the full size).
SCALE_ARGS = os.environ.get("CHAOS_SCALE_ARGS", "").split()
QUEUE = "rstplan-chaos"
REGION = "26"
PLAN = "busan-2"

# Requirements checked by the scenarios.
FAILED_MAX_MS = 5000.0  # a request the outage makes fail must be answered within this
RECOVERY_MAX_S = 10.0  # the site serves again by itself within this after the DB is back
ANON_RATE = "1000000000/minute"  # wrk is one client: the anonymous API throttle is lifted


def say(text: str = "") -> None:
    print(text, flush=True)


def free_port(start: int) -> int:
    for port in range(start, start + 500):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    sys.exit(f"No free port from {start}.")


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def postgres_bin() -> Path:
    root = Path("/usr/lib/postgresql")
    versions = sorted(
        (p for p in root.glob("*") if p.name.isdigit() and (p / "bin" / "initdb").exists()),
        key=lambda p: int(p.name),
    )
    if not versions:
        sys.exit("Needs the PostgreSQL server binaries (/usr/lib/postgresql/<version>/bin).")
    return versions[-1] / "bin"


def to_ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@dataclass
class Outcome:
    name: str
    ok: bool
    summary: str
    lines: list[str] = field(default_factory=list)


class Chaos:
    """The private services, the site on top of them, and the scenarios."""

    def __init__(self):
        self.bin = postgres_bin()
        self.root = os.geteuid() == 0
        self.pg_port = free_port(55432)
        self.redis_port = free_port(56379)
        self.web_port = free_port(58000)
        self.pg_password = secrets.token_urlsafe(24)
        self.app_password = secrets.token_urlsafe(24)
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
        self.redis_process = None
        self.gunicorn = None
        self.workers: list[subprocess.Popen] = []
        self.logs = []
        self.pg_running = False
        self.outcomes: list[Outcome] = []
        self.facts: dict[str, str] = {}

    # --- Processes ---------------------------------------------------------------------

    def as_postgres(self, *command) -> list[str]:
        command = [str(part) for part in command]
        return ["runuser", "-u", "postgres", "--", *command] if self.root else command

    def pg_ctl(self, *args, check=True) -> subprocess.CompletedProcess:
        return subprocess.run(
            self.as_postgres(self.bin / "pg_ctl", "-D", PGDATA, *args),
            capture_output=True,
            text=True,
            check=check,
        )

    def chown(self, path: Path) -> None:
        if self.root:
            shutil.chown(path, "postgres", "postgres")

    def start_postgres(self) -> None:
        self.remove_postgres()  # what an interrupted earlier run may have left
        PGDATA.mkdir(parents=True)
        PGSOCKET.mkdir(parents=True, exist_ok=True)
        password_file = OUT / "pg-password"
        password_file.write_text(self.pg_password)
        log = OUT / "postgres.log"
        log.write_text("")
        for path in (PGDATA, PGSOCKET, password_file, log):
            self.chown(path)
        subprocess.run(
            self.as_postgres(
                self.bin / "initdb",
                "-D",
                PGDATA,
                "-U",
                "postgres",
                f"--pwfile={password_file}",
                "--auth-local=peer",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ),
            capture_output=True,
            text=True,
            check=True,
        )
        password_file.unlink()
        with (PGDATA / "postgresql.conf").open("a") as conf:
            conf.write(
                f"\n# make chaos: a private cluster on loopback only\n"
                f"port = {self.pg_port}\n"
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{PGSOCKET}'\n"
                "max_connections = 50\n"
                "shared_buffers = 256MB\n"
            )
        self.pg_ctl("-l", log, "-w", "-t", "60", "start")
        self.pg_running = True
        connection = psycopg2.connect(
            host="127.0.0.1",
            port=self.pg_port,
            user="postgres",
            password=self.pg_password,
            dbname="postgres",
        )
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("CREATE ROLE rstplan LOGIN PASSWORD %s CREATEDB", [self.app_password])
            cursor.execute("CREATE DATABASE rstplan_chaos OWNER rstplan")
        connection.close()
        version = subprocess.run(
            [self.bin / "postgres", "--version"], capture_output=True, text=True
        ).stdout.strip()
        self.facts["postgres"] = f"{version}, port {self.pg_port}"

    def remove_postgres(self) -> None:
        if (PGDATA / "postmaster.pid").exists():
            self.pg_ctl("-m", "immediate", "-w", "stop", check=False)
        self.pg_running = False
        for path in (PGDATA, PGSOCKET):
            shutil.rmtree(path, ignore_errors=True)

    def start_redis(self) -> None:
        log = open(OUT / "redis.log", "ab")  # noqa: SIM115 - closed in cleanup
        self.logs.append(log)
        self.redis_process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--dir",
                str(OUT),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                if redis.Redis(port=self.redis_port, socket_timeout=1).ping():
                    return
            except redis.RedisError:
                pass
            if self.redis_process.poll() is not None or time.monotonic() > deadline:
                sys.exit("The private Redis did not start; see var/chaos/redis.log")
            time.sleep(0.1)

    def stop_redis(self) -> None:
        if self.redis_process and self.redis_process.poll() is None:
            self.redis_process.terminate()
            self.redis_process.wait(timeout=20)
        self.redis_process = None

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
        self.stop_redis()
        self.remove_postgres()
        shutil.rmtree(STATIC, ignore_errors=True)
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
        self.start_postgres()
        self.start_redis()
        started = time.monotonic()
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

    # --- 1. Load ----------------------------------------------------------------------

    def scenario_load(self) -> Outcome:
        urls = [
            ("region dashboard", f"/dashboard/regions/{REGION}/"),
            ("API indicator list", "/api/v1/indicators/"),
            ("API 1,000 observations", "/api/v1/observations/?page_size=1000&page=2"),
        ]
        lines = [
            f"`wrk -t2 -c{CONNECTIONS} -d{LOAD_SECONDS}s --latency --timeout 10s` per URL; "
            f"gunicorn 2 sync workers (--backlog 2048), Redis cache on, API_ANON_RATE="
            f"{ANON_RATE} for the run (wrk is one client; the production default is "
            "600/minute per address).",
            "",
            "| URL | requests | req/s | p50 ms | p99 ms | max ms | non-2xx/3xx | socket errors |",
            "|---|---|---|---|---|---|---|---|",
        ]
        ok = True
        figures = []
        for name, path in urls:
            for _ in range(4):  # warm both workers' local copies and the shared cache
                requests.get(self.base + path, timeout=60)
            say(f"  wrk {LOAD_SECONDS} s on {path} …")
            row = wrk(self.base + path, name)
            clean = row["non_2xx"] == 0 and row["socket_total"] == 0
            ok = ok and clean and row["requests"] > 0
            lines.append(
                f"| {name} `{path}` | {row['requests']:,} | {row['rps']:.0f} | "
                f"{row['p50_ms']:.1f} | {row['p99_ms']:.1f} | {row['max_ms']:.0f} | "
                f"{row['non_2xx']} | {row['socket']} |"
            )
            figures.append(f"{name} {row['rps']:.0f} req/s p99 {row['p99_ms']:.0f} ms")
            say(
                f"  {name:24} {row['rps']:8.0f} req/s  p50 {row['p50_ms']:7.1f} ms  "
                f"p99 {row['p99_ms']:7.1f} ms  non-2xx {row['non_2xx']}  "
                f"socket errors {row['socket']}"
            )
        summary = "; ".join(figures) + ("; no errors" if ok else "; ERRORS (see below)")
        return Outcome(f"1. {LOAD_SECONDS} s load", ok, summary, lines)

    # --- 2. PostgreSQL restarted under load ----------------------------------------------

    def scenario_postgres(self) -> Outcome:
        secretariat = self.login("chaos-busan")
        started = time.monotonic()
        alone = secretariat.get(self.base + "/en/workspace/", timeout=60)
        workspace_ms = (time.monotonic() - started) * 1000
        if alone.status_code != 200:
            raise RuntimeError(f"The workspace answered {alone.status_code}")
        # A cache-busting query string skips the page cache (keyed by the full path), so the
        # view runs; whether it then needs the database is what the outage shows.
        probes = [
            Probe(
                "region dashboard (page cache)",
                lambda n: f"/dashboard/regions/{REGION}/",
                html,
                needs_db=False,
            ),
            Probe(
                "region dashboard, page cache skipped",
                lambda n: f"/dashboard/regions/{REGION}/?chaos={n}",
                html,
                needs_db=False,  # its figures are cached apart, by data version
            ),
            Probe("plan page, page cache skipped", lambda n: f"/plans/{PLAN}/?chaos={n}", html),
            Probe("API list, cache skipped", lambda n: f"/api/v1/indicators/?chaos={n}", api_json),
            Probe("signed-in workspace", lambda n: "/en/workspace/", html, secretariat),
            Probe("/readyz", lambda n: "/readyz", ready),
        ]
        stop = threading.Event()
        threads = [
            threading.Thread(target=probe.run, args=(self.base, stop), daemon=True)
            for probe in probes
        ]
        for thread in threads:
            thread.start()
        time.sleep(10)
        say("  stopping PostgreSQL (pg_ctl stop -m fast) for 5 s under load…")
        down = time.monotonic()
        self.pg_ctl("-m", "fast", "-w", "stop")
        time.sleep(5)
        self.pg_ctl("-l", OUT / "postgres.log", "-w", "-t", "60", "start")
        up = time.monotonic()
        say(f"  PostgreSQL accepting connections again after {up - down:.1f} s")
        time.sleep(10)
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        with (OUT / "postgres-restart-samples.csv").open("w") as out:
            out.write("url,sent_s_after_stop,ms,status\n")
            for probe in probes:
                for sample in probe.samples:
                    out.write(
                        f"{probe.label},{sample.start - down:.3f},{sample.ms:.0f},"
                        f"{sample.status or sample.error}\n"
                    )

        lines = [
            f"{len(probes)} client threads, one per URL, each request after the last (timeout "
            "30 s). "
            f"PostgreSQL was stopped (`pg_ctl stop -m fast`), left down 5 s, started again: "
            f"outage {up - down:.1f} s.",
            "",
            "| URL | median ms before | requests in outage | answered 200 in outage | failed "
            "in outage (status) | failed: max ms | plain error page | failed, sent after DB "
            "back | last failure sent (s after DB back) | every later request 200 |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        ok = True
        worst_ms, worst_recovery, late_total = 0.0, float("-inf"), 0
        for probe in probes:
            during = [s for s in probe.samples if down <= s.start <= up]
            failed = [s for s in during if not s.ok]
            failed_ms = max((s.ms for s in failed), default=0.0)
            plain = all(s.plain for s in probe.samples if not s.ok)
            normal = percentile([s.ms for s in probe.samples if s.end < down and s.ok], 0.5)
            # Recovered: no request sent later than this failed. (A client waits for each
            # answer, so "the first success after the DB is back" would measure the page's own
            # time; the signed-in workspace takes seconds.)
            failures = [s for s in probe.samples if not s.ok]
            last_failure = (failures[-1].start - up) if failures else float("-inf")
            late = [s for s in probe.samples if s.start >= up and not s.ok]
            later = [s for s in probe.samples if failures and s.start > failures[-1].start]
            recovered = bool(later) and all(s.ok for s in later)
            exceptions = [s for s in probe.samples if s.status is None]
            statuses = Counter(s.status for s in failed)
            probe_ok = (
                plain
                and not exceptions
                and failed_ms < FAILED_MAX_MS
                and last_failure <= RECOVERY_MAX_S
                and (recovered or not failures)
                and (failed or not probe.needs_db)  # the outage must show on the DB path
            )
            ok = ok and probe_ok
            worst_ms = max(worst_ms, failed_ms)
            worst_recovery = max(worst_recovery, last_failure)
            late_total += len(late)
            status_text = ", ".join(f"{n}× {status}" for status, n in sorted(statuses.items()))
            lines.append(
                f"| {probe.label} | {normal:.0f} | {len(during)} | "
                f"{sum(1 for s in during if s.ok)} | {len(failed)} ({status_text or '—'}) | "
                f"{failed_ms:.0f} | {'yes' if plain else 'NO'} | {len(late)} | "
                f"{f'{last_failure:+.2f}' if failures else '—'} | "
                f"{'yes' if recovered else ('—' if not failures else 'NO')} ({len(later)}) |"
            )
            if exceptions:
                lines.append(
                    f"|  ↳ {len(exceptions)} client errors: "
                    f"{Counter(s.error for s in exceptions).most_common(3)} |"
                )
        served = sum(
            1 for probe in probes[:2] for s in probe.samples if down <= s.start <= up and s.ok
        )
        lines += [
            "",
            f"The region dashboard was served from Redis throughout the outage ({served} "
            "answers), also with the page cache skipped: its figures are cached by data "
            "version. Pages and API reads that need the database answered 503 with the plain "
            "bilingual page (`templates/503.html`, `Retry-After: 10`) or the API's "
            '`{"error": {"code": "unavailable"}}`; `/readyz` answered 503. After the start, '
            "CONN_HEALTH_CHECKS replaced the broken persistent connections on the next "
            "request, with no restart of gunicorn.",
            "",
            f"The signed-in workspace (Busan's secretariat, national-scale data) takes "
            f"{workspace_ms:.0f} ms alone, before the test (its median above is under "
            "load, 0 when no request finished before the stop). Every request and its answer: "
            "var/chaos/postgres-restart-samples.csv.",
        ]
        summary = (
            f"outage {up - down:.1f} s; failed requests answered in ≤ {worst_ms:.0f} ms "
            f"(503 page); cached dashboard served {served}×; recovered by itself: "
            f"{late_total} requests sent after the DB was back failed (last failure sent "
            f"{worst_recovery:+.2f} s from then), all later ones 200"
        )
        return Outcome("2. PostgreSQL restart", ok, summary, lines)

    # --- 3. Redis down ------------------------------------------------------------------

    def scenario_redis(self) -> Outcome:
        secretariat = self.login("chaos-busan")
        officer = self.login("chaos-officer")
        # A checked upload, ready to confirm, made while everything is up (the check is a job).
        checked_id = int(
            self.shell(
                "from django.contrib.auth import get_user_model;"
                "from imports import services as import_services;"
                "u = get_user_model().objects.get(username='chaos-busan');"
                "b = import_services.create_import(user=u, file_name='confirm.csv', content="
                f"{small_csv()!r}.encode());"
                "print(b.pk if b.state == 'checked' and not b.problem_count else -1)"
            )
        )
        if checked_id < 0:
            raise RuntimeError("The small import for scenario 3 did not check cleanly.")
        before = self.counts()
        say("  stopping Redis…")
        self.stop_redis()
        lines = [
            "Redis (cache and Celery broker) stopped while gunicorn runs with REDIS_URL and "
            "CELERY_BROKER_URL pointing at it.",
            "",
            "| Request | statuses | median ms | max ms |",
            "|---|---|---|---|",
        ]
        ok = True
        for path in (
            "/",
            f"/dashboard/regions/{REGION}/",
            "/en/dashboard/compare/",
            "/api/v1/indicators/",
            "/api/v1/observations/?page_size=100",
            "/healthz",
            "/readyz",
        ):
            times, statuses = [], Counter()
            for _ in range(5):
                started = time.monotonic()
                response = requests.get(self.base + path, timeout=30)
                times.append((time.monotonic() - started) * 1000)
                statuses[response.status_code] += 1
            ok = ok and set(statuses) == {200}
            lines.append(
                f"| GET `{path}` | {dict(statuses)} | {percentile(times, 0.5):.0f} | "
                f"{max(times):.0f} |"
            )

        message = "Background jobs are unavailable right now"
        job_lines = []

        # Upload: the file is refused as a whole (not kept), and the page says why.
        page = secretariat.get(self.base + "/en/workspace/import/", timeout=30)
        started = time.monotonic()
        response = secretariat.post(
            self.base + "/en/workspace/import/",
            data={"csrfmiddlewaretoken": csrf_token(page.text)},
            files={"file": ("values.csv", small_csv().encode(), "text/csv")},
            timeout=30,
        )
        upload_ms = (time.monotonic() - started) * 1000
        (upload_row,) = self.query(
            "SELECT b.state, b.content IS NULL, b.message FROM imports_importbatch b"
            " JOIN auth_user u ON u.id = b.user_id WHERE u.username = 'chaos-busan'"
            " ORDER BY b.id DESC LIMIT 1"
        )
        upload_ok = (
            response.status_code == 200
            and message in response.text
            and upload_row[0] == "failed"
            and upload_row[1]
        )
        job_lines.append(
            f"| Import upload (secretariat) | {response.status_code} after redirect, "
            f"message shown: {'yes' if message in response.text else 'NO'} | {upload_ms:.0f} | "
            f"batch `{upload_row[0]}`, file not kept ({'yes' if upload_row[1] else 'NO'}): "
            "the upload is clearly not accepted; upload again later |"
        )

        # Confirming a checked import: refused, the batch stays checked to confirm later.
        url = f"{self.base}/en/workspace/import/{checked_id}/"
        page = secretariat.get(url, timeout=30)
        started = time.monotonic()
        response = secretariat.post(
            url, data={"csrfmiddlewaretoken": csrf_token(page.text)}, timeout=30
        )
        confirm_ms = (time.monotonic() - started) * 1000
        state = self.batch(checked_id)[0]
        confirm_ok = response.status_code == 200 and message in response.text
        confirm_ok = confirm_ok and state == "checked"
        job_lines.append(
            f"| Import confirmation (secretariat) | {response.status_code} after redirect, "
            f"message shown: {'yes' if message in response.text else 'NO'} | "
            f"{confirm_ms:.0f} | batch back to `{state}`: confirm again once the queue is "
            "back; nothing written |"
        )

        # Report request (ministry): the report is marked failed with the reason.
        url = f"{self.base}/en/plans/{PLAN}/reports/"
        page = officer.get(url, timeout=30)
        year = re.search(r'<option value="(\d{4})"[^>]*selected', page.text) or re.search(
            r'<option value="(\d{4})"', page.text
        )
        started = time.monotonic()
        response = officer.post(
            url,
            data={"csrfmiddlewaretoken": csrf_token(page.text), "year": year.group(1)},
            timeout=30,
        )
        report_ms = (time.monotonic() - started) * 1000
        (report_row,) = self.query(
            "SELECT r.state, r.message FROM reports_report r JOIN plans_plan p ON p.id = r.plan_id"
            " WHERE p.key = %s ORDER BY r.id DESC LIMIT 1",
            [PLAN],
        )
        report_ok = response.status_code == 200 and message in response.text
        report_ok = report_ok and report_row[0] == "failed"
        job_lines.append(
            f"| Report request (ministry) | {response.status_code} after redirect, message "
            f"shown: {'yes' if message in response.text else 'NO'} | {report_ms:.0f} | report "
            f"`{report_row[0]}` with the reason; request it again later |"
        )
        after = self.counts()
        unchanged = after == before
        ok = ok and upload_ok and confirm_ok and report_ok and unchanged
        lines += [
            "",
            "| Job action while Redis is down | answer | ms | what is kept |",
            "|---|---|---|---|",
            *job_lines,
            "",
            f"Observations / history rows before and after: {before} → {after} "
            f"({'unchanged' if unchanged else 'CHANGED'}).",
            "",
            "Pages rebuild on every request without the cache (see the region dashboard). A "
            "job action takes about 2 s to answer: Celery spends its broker connection "
            "timeout (CELERY_BROKER_CONNECTION_TIMEOUT = 2 s) retrying the refused "
            "connection before core.jobs raises JobsUnavailable.",
        ]
        say("  starting Redis again…")
        self.start_redis()
        back = requests.get(self.base + f"/dashboard/regions/{REGION}/", timeout=30)
        ok = ok and back.status_code == 200
        worst = max(upload_ms, confirm_ms, report_ms)
        summary = (
            "public pages and API 200 without Redis; upload, confirmation and report "
            f"request say jobs are unavailable (≤ {worst:.0f} ms); nothing written"
        )
        return Outcome("3. Redis down", ok, summary, lines)

    # --- 4. A worker killed mid-import ----------------------------------------------------

    def scenario_worker(self) -> Outcome:
        years = 50
        kpis = -(-ROWS // years)
        self.shell(
            "from decimal import Decimal; from django.db import transaction;"
            "from indicators.models import Indicator, Unit; from plans.models import Plan;"
            "from regions.models import Region;"
            "unit = Unit.objects.get(key='index'); region = Region.objects.get(code='26');\n"
            "with transaction.atomic():\n"
            "    for key in ('chaos-a', 'chaos-b'):\n"
            "        plan = Plan.objects.create(key=key, level='regional', region=region,"
            " name_ko='장애 시험', name_en='Chaos test', start_year=2001,"
            f" end_year={2000 + years}, provisional=True)\n"
            "        Indicator.objects.bulk_create(Indicator(plan=plan, key=f'k{i}',"
            " name_ko=f'지표 {i}', name_en=f'KPI {i}', unit=unit, direction='increase',"
            " baseline_year=2000, baseline_value=Decimal(1),"
            f" target_year={2000 + years}, target_value=Decimal(2)) for i in range({kpis}))\n"
            "print('ok')"
        )
        secretariat = self.login("chaos-busan")
        cache = redis.Redis.from_url(self.cache_url)
        worker, worker_log = self.start_worker("worker-1")
        lines = [
            f"A real `celery -A config worker` (prefork, concurrency 1) on the private Redis "
            f"and PostgreSQL; imports of {ROWS:,} rows uploaded through the web page; the "
            "moment to kill is picked from the import's progress counter (written to the "
            "cache after each chunk of rows, while the rows themselves are still "
            "uncommitted).",
            "",
        ]
        ok = True

        # 4a: kill -9 the pool process that runs the job; the main process stays.
        batch_id = self.upload_and_check(secretariat, "chaos-a")
        before = self.counts()
        self.confirm(secretariat, batch_id)
        written = self.wait_for_progress(cache, batch_id)
        children = child_pids(worker.pid)
        for pid in children:
            os.kill(pid, signal.SIGKILL)
        killed_at = time.monotonic()
        right_after = self.counts()
        state = self.wait_for_state(batch_id, {"applied", "failed"}, timeout=300)
        after = self.counts()
        redelivered_s = time.monotonic() - killed_at
        expected = (before[0] + ROWS, before[1] + ROWS)
        log = worker_log.read_text(errors="replace")
        lost = "WorkerLostError" in log or "SIGKILL" in log
        a_ok = (
            bool(children)
            and right_after == before
            and state[0] == "applied"
            and state[1] == ROWS
            and after == expected
            and lost
        )
        ok = ok and a_ok
        lines += [
            "**4a. kill -9 of the process running the job** (the worker's pool child; the "
            "main process stays, as when the kernel's OOM killer picks the child):",
            "",
            f"- killed at {written:,} of {ROWS:,} rows written (uncommitted); observations / "
            f"history rows right after the kill: {right_after} = before {before}: "
            f"{'no partial data' if right_after == before else 'PARTIAL DATA'}",
            f"- the worker saw the loss ({'WorkerLostError' if lost else 'NOT logged'}); "
            "acks_late + reject_on_worker_lost put the job back on the queue and a new "
            f"child ran it again: batch `{state[0]}` with {state[1]:,} rows written, "
            f"{redelivered_s:.1f} s after the kill",
            f"- counts after: {after}, expected {expected}: "
            f"{'written exactly once' if after == expected else 'WRONG'}",
            "",
        ]
        say(f"  4a: killed the job's process at {written:,} rows; redelivered → {state[0]}")

        # 4b: kill -9 the whole worker (main and child), as a machine or container loss.
        batch_id = self.upload_and_check(secretariat, "chaos-b")
        before = self.counts()
        self.confirm(secretariat, batch_id)
        written = self.wait_for_progress(cache, batch_id)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        time.sleep(1)
        right_after = self.counts()
        state_after_kill = self.batch(batch_id)
        leftovers = self.wait_for_no_open_transactions(timeout=15)
        worker2, worker2_log = self.start_worker("worker-2")
        waited = 12
        time.sleep(waited)
        state_waiting = self.batch(batch_id)
        # The user confirms again: the page accepts a batch that is still "writing".
        started = time.monotonic()
        self.confirm(secretariat, batch_id)
        state = self.wait_for_state(batch_id, {"applied", "failed"}, timeout=300)
        reapplied_s = time.monotonic() - started
        after = self.counts()
        expected = (before[0] + ROWS, before[1] + ROWS)
        # The killed worker's message is still unacknowledged in Redis; the transport gives it
        # back after the visibility timeout (1 hour by default). Give it back now, as then: the
        # job must see the batch already applied and write nothing.
        lost_task = re.findall(r"apply_import\[([^\]]+)\] received", worker_log.read_text())[-1]
        restore_unacked(self.broker_url)
        done = re.compile(rf"apply_import\[{lost_task}\] succeeded in [\d.]+s: '(\w+)'")
        deadline = time.monotonic() + 60
        while not (rerun := done.search(worker2_log.read_text(errors="replace"))):
            if time.monotonic() > deadline:
                break
            time.sleep(0.3)
        rerun_result = rerun.group(1) if rerun else "not run"
        final = self.counts()
        b_ok = (
            right_after == before
            and state_after_kill[0] == "applying"
            and state_after_kill[1] == 0
            and leftovers == 0
            and state[0] == "applied"
            and state[1] == ROWS
            and after == expected
            and final == expected
            and rerun_result == "applied"
        )
        ok = ok and b_ok
        lines += [
            "**4b. kill -9 of the whole worker** (main process and child, as when the "
            "machine or container is lost):",
            "",
            f"- killed at {written:,} of {ROWS:,} rows written (uncommitted); counts right "
            f"after: {right_after} = before {before}: "
            f"{'no partial data' if right_after == before else 'PARTIAL DATA'}; batch "
            f"`{state_after_kill[0]}` (not applied), rows_written {state_after_kill[1]}; "
            f"open transactions left in PostgreSQL: {leftovers}",
            f"- a new worker started; {waited} s later the batch was still "
            f"`{state_waiting[0]}`: the Redis transport returns a message whose worker died "
            "only after its visibility timeout (1 hour by default), so the job is NOT "
            'redelivered at once; meanwhile the import page shows "Saving the values…" '
            "and offers no button to confirm again",
            f"- the user confirmed again (POST on the import page, which accepts a batch "
            f"still writing): batch `{state[0]}` with {state[1]:,} rows in "
            f"{reapplied_s:.1f} s; counts {after}, expected {expected}: "
            f"{'written exactly once' if after == expected else 'WRONG'}",
            f"- the dead worker's message (task {lost_task[:8]}…) given back to the queue now, "
            "as the transport does after the visibility timeout: the new worker ran it, it "
            f"found the batch done and returned `{rerun_result}`, writing nothing: counts "
            f"{final}",
            "",
        ]
        say(f"  4b: killed the whole worker at {written:,} rows; re-confirmed → {state[0]}")
        worker2.terminate()
        worker2.wait(timeout=30)
        summary = (
            "no partial data after either kill; job process killed → redelivered at once; "
            "whole worker killed → confirmed again by the user; each import written exactly "
            "once"
        )
        return Outcome("4. Worker killed mid-import", ok, summary, lines)

    def upload_and_check(self, session: requests.Session, plan_key: str) -> int:
        content = import_csv(plan_key, ROWS)
        page = session.get(self.base + "/en/workspace/import/", timeout=30)
        response = session.post(
            self.base + "/en/workspace/import/",
            data={"csrfmiddlewaretoken": csrf_token(page.text)},
            files={"file": (f"{plan_key}.csv", content, "text/csv")},
            timeout=120,
            allow_redirects=False,
        )
        match = re.search(r"/workspace/import/(\d+)/", response.headers.get("Location", ""))
        if response.status_code != 302 or not match:
            raise RuntimeError(f"The upload was not accepted: {response.status_code}")
        batch_id = int(match.group(1))
        state = self.wait_for_state(batch_id, {"checked", "failed"}, timeout=300)
        if state[0] != "checked":
            raise RuntimeError(f"The check of {plan_key} failed: {state}")
        return batch_id

    def confirm(self, session: requests.Session, batch_id: int) -> None:
        url = f"{self.base}/en/workspace/import/{batch_id}/"
        token = session.cookies.get("csrftoken") or csrf_token(session.get(url, timeout=30).text)
        response = session.post(
            url,
            data={"csrfmiddlewaretoken": token},
            headers={"Referer": url},
            timeout=60,
            allow_redirects=False,
        )
        if response.status_code != 302:
            raise RuntimeError(f"Confirming import {batch_id} failed: {response.status_code}")

    def wait_for_state(self, batch_id: int, states: set[str], timeout: float) -> tuple:
        deadline = time.monotonic() + timeout
        while True:
            row = self.batch(batch_id)
            if row[0] in states:
                return row
            if time.monotonic() > deadline:
                raise RuntimeError(f"Import {batch_id} stayed {row[0]} for {timeout:.0f} s")
            time.sleep(0.2)

    def wait_for_progress(self, cache: redis.Redis, batch_id: int) -> int:
        """Rows written so far once a third of the import is written (and not committed)."""
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            value = cache.get(f":1:import-written:{batch_id}")
            written = int(value) if value and value.isdigit() else 0
            if written >= ROWS // 3:
                return written
            time.sleep(0.02)
        raise RuntimeError(f"Import {batch_id} showed no progress; is the worker running?")

    def wait_for_no_open_transactions(self, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while True:
            ((count,),) = self.query(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = 'rstplan_chaos'"
                " AND pid <> pg_backend_pid() AND state <> 'idle'"
            )
            if count == 0 or time.monotonic() > deadline:
                return count
            time.sleep(0.2)

    # --- Report -----------------------------------------------------------------------

    def report(self) -> str:
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
        lines = [
            f"# make chaos — {stamp}",
            "",
            f"Private PostgreSQL ({self.facts.get('postgres', '?')}) and Redis (port "
            f"{self.redis_port}), deleted after the run. Data: {self.facts.get('data', '?')}. "
            f"gunicorn 2 sync workers, DEBUG off, CONN_MAX_AGE=600, Redis cache, Celery on "
            f"Redis. Set-up (migrate, seed, national-scale data, ANALYZE): "
            f"{self.facts.get('setup_s', '?')} s.",
            "",
            "| Scenario | Result | Figures |",
            "|---|---|---|",
        ]
        lines += [
            f"| {o.name} | {'PASS' if o.ok else 'FAIL'} | {o.summary} |" for o in self.outcomes
        ]
        for outcome in self.outcomes:
            lines += ["", f"## {outcome.name}: {'PASS' if outcome.ok else 'FAIL'}", ""]
            lines += outcome.lines
        return "\n".join(lines) + "\n"


# --- Helpers used by the scenarios -----------------------------------------------------


def csrf_token(page: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if not match:
        raise RuntimeError("No CSRF token on the page.")
    return match.group(1)


def small_csv() -> str:
    return (
        "plan,kpi,year,value,source,note\n"
        f"{PLAN},rnd_to_grdp_pct,2026,2.10,https://www.bistep.re.kr/chaos,chaos\n"
    )


def import_csv(plan_key: str, rows: int, years: int = 50) -> bytes:
    lines = ["plan,kpi,year,value,source,note"]
    for i in range(-(-rows // years)):
        for year in range(2001, 2001 + years):
            if len(lines) > rows:
                break
            lines.append(f"{plan_key},k{i},{year},{1 + (i + year) % 97 / 100:.2f},,")
    return ("\n".join(lines) + "\n").encode()


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


def restore_unacked(broker_url: str) -> None:
    """Give back every unacknowledged message now (what the visibility timeout does later)."""
    from kombu import Connection

    with Connection(broker_url, transport_options={"visibility_timeout": 0}) as connection:
        connection.default_channel.qos.restore_visible(num=100)


def wrk(url: str, name: str) -> dict:
    output = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{CONNECTIONS}",
            f"-d{LOAD_SECONDS}s",
            "--latency",
            # wrk's default of 2 s counts a slow answer as a socket error; 64 clients queued
            # on 2 workers wait their turn, and a browser waits far longer than 2 s.
            "--timeout",
            "10s",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    (OUT / f"wrk-{re.sub(r'[^a-z0-9]+', '-', name.lower())}.txt").write_text(output)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    socket_counts = [int(n) for n in socket_errors.groups()] if socket_errors else [0, 0, 0, 0]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": to_ms(re.search(r"\s50%\s+(\S+)", output).group(1)),
        "p99_ms": to_ms(re.search(r"\s99%\s+(\S+)", output).group(1)),
        "max_ms": to_ms(re.search(r"Latency\s+\S+\s+\S+\s+(\S+)", output).group(1)),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_total": sum(socket_counts),
        "socket": "connect {}, read {}, write {}, timeout {}".format(*socket_counts),
    }


@dataclass
class Sample:
    start: float
    end: float
    status: int | None
    ok: bool
    plain: bool
    error: str = ""

    @property
    def ms(self) -> float:
        return (self.end - self.start) * 1000


def html(response: requests.Response) -> bool:
    """A failed page is our plain error page: 500 or 503, no traceback, no detail."""
    return (
        response.status_code in (500, 503)
        and f'data-error-page="{response.status_code}"' in response.text
        and "Traceback" not in response.text
    )


def api_json(response: requests.Response) -> bool:
    try:
        code = response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return False
    return response.status_code == 503 and code == "unavailable"


def ready(response: requests.Response) -> bool:
    return response.status_code == 503 and response.text == "database unavailable"


class Probe:
    """One client asking for one URL again and again, recording each answer."""

    def __init__(self, label, path, plain_failure, session=None, needs_db=True):
        self.label, self.path, self.plain_failure = label, path, plain_failure
        self.needs_db = needs_db
        self.session = session or requests.Session()
        self.samples: list[Sample] = []

    def run(self, base: str, stop: threading.Event) -> None:
        number = 0
        while not stop.is_set():
            number += 1
            started = time.monotonic()
            try:
                response = self.session.get(
                    base + self.path(number), timeout=30, allow_redirects=False
                )
            except requests.RequestException as error:
                self.samples.append(
                    Sample(started, time.monotonic(), None, False, False, type(error).__name__)
                )
            else:
                ok = response.status_code == 200
                plain = ok or self.plain_failure(response)
                self.samples.append(
                    Sample(started, time.monotonic(), response.status_code, ok, plain)
                )
            time.sleep(0.05)


def main() -> int:
    if not shutil.which("wrk"):
        sys.exit("Needs wrk: apt-get install wrk")
    if not shutil.which("redis-server"):
        sys.exit("Needs redis-server: apt-get install redis-server")
    chaos = Chaos()

    def interrupted(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    started = time.monotonic()
    try:
        chaos.set_up()
        for number, scenario in enumerate(
            (
                chaos.scenario_load,
                chaos.scenario_postgres,
                chaos.scenario_redis,
                chaos.scenario_worker,
            ),
            start=1,
        ):
            say(f"\nScenario {number}…")
            try:
                outcome = scenario()
            except Exception as error:
                outcome = Outcome(
                    f"{number}. {scenario.__name__}",
                    False,
                    f"error: {error}".replace("\n", " ")[:300],
                    ["```", traceback.format_exc(), "```"],
                )
            chaos.outcomes.append(outcome)
            say(f"{outcome.name}: {'PASS' if outcome.ok else 'FAIL'} — {outcome.summary}")
            for line in outcome.lines:
                say("    " + line)
    finally:
        say("\nCleaning up (private PostgreSQL, Redis, gunicorn, workers)…")
        chaos.cleanup()
    chaos.facts["total_s"] = f"{time.monotonic() - started:.0f}"
    report = chaos.report() + f"\nTotal time: {chaos.facts['total_s']} s.\n"
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "latest.md").write_text(report, encoding="utf-8")
    say("\n" + report)
    return 0 if chaos.outcomes and all(o.ok for o in chaos.outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
