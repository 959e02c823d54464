"""Scenario 2 of `make chaos`: PostgreSQL stopped for 5 seconds under load and started again.

Requests that need the database fail fast with the plain 503 page (or the API's JSON error),
cached pages keep being served, and the site recovers by itself."""

import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import requests

from scripts.chaos_drill.common import OUT, PLAN, REGION, Outcome, percentile, say
from scripts.chaos_drill.harness import Chaos
from scripts.chaos_drill.probes import Probe, api_json, html, ready

FAILED_MAX_MS = 5000.0  # a request the outage makes fail must be answered within this
RECOVERY_MAX_S = 10.0  # the site serves again by itself within this after the DB is back


@dataclass
class Verdict:
    """What one probe saw of the outage: passed or not, its figures, its rows of the table."""

    ok: bool
    failed_ms: float
    last_failure: float
    late: int
    rows: list[str] = field(default_factory=list)


def scenario_postgres(chaos: Chaos) -> Outcome:
    secretariat = chaos.login("chaos-busan")
    workspace_ms = time_workspace_alone(chaos, secretariat)
    probes = make_probes(secretariat)
    down, up = restart_under_load(chaos, probes)
    write_samples(probes, down)
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
        verdict = judge(probe, down, up)
        ok = ok and verdict.ok
        worst_ms = max(worst_ms, verdict.failed_ms)
        worst_recovery = max(worst_recovery, verdict.last_failure)
        late_total += verdict.late
        lines += verdict.rows
    served = sum(1 for probe in probes[:2] for s in probe.samples if down <= s.start <= up and s.ok)
    lines += closing_lines(served, workspace_ms)
    summary = (
        f"outage {up - down:.1f} s; failed requests answered in ≤ {worst_ms:.0f} ms "
        f"(503 page); cached dashboard served {served}×; recovered by itself: "
        f"{late_total} requests sent after the DB was back failed (last failure sent "
        f"{worst_recovery:+.2f} s from then), all later ones 200"
    )
    return Outcome("2. PostgreSQL restart", ok, summary, lines)


def time_workspace_alone(chaos: Chaos, session: requests.Session) -> float:
    """Milliseconds the signed-in workspace takes with nothing else running."""
    started = time.monotonic()
    alone = session.get(chaos.base + "/en/workspace/", timeout=60)
    workspace_ms = (time.monotonic() - started) * 1000
    if alone.status_code != 200:
        raise RuntimeError(f"The workspace answered {alone.status_code}")
    return workspace_ms


def make_probes(secretariat: requests.Session) -> list[Probe]:
    # A cache-busting query string skips the page cache (keyed by the full path), so the
    # view runs; whether it then needs the database is what the outage shows.
    return [
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


def restart_under_load(chaos: Chaos, probes: list[Probe]) -> tuple[float, float]:
    """Run the probes; 10 s in, stop PostgreSQL for 5 s; 10 s after the start, stop them.
    Returns when the stop began and when PostgreSQL accepted connections again."""
    stop = threading.Event()
    threads = [
        threading.Thread(target=probe.run, args=(chaos.base, stop), daemon=True) for probe in probes
    ]
    for thread in threads:
        thread.start()
    time.sleep(10)
    say("  stopping PostgreSQL (pg_ctl stop -m fast) for 5 s under load…")
    down = time.monotonic()
    chaos.postgres.stop_fast()
    time.sleep(5)
    chaos.postgres.start_again()
    up = time.monotonic()
    say(f"  PostgreSQL accepting connections again after {up - down:.1f} s")
    time.sleep(10)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    return down, up


def write_samples(probes: list[Probe], down: float) -> None:
    """Every request and its answer: var/chaos/postgres-restart-samples.csv."""
    with (OUT / "postgres-restart-samples.csv").open("w") as out:
        out.write("url,sent_s_after_stop,ms,status\n")
        for probe in probes:
            for sample in probe.samples:
                out.write(
                    f"{probe.label},{sample.start - down:.3f},{sample.ms:.0f},"
                    f"{sample.status or sample.error}\n"
                )


def judge(probe: Probe, down: float, up: float) -> Verdict:
    during = [s for s in probe.samples if down <= s.start <= up]
    failed = [s for s in during if not s.ok]
    failed_ms = max((s.ms for s in failed), default=0.0)
    plain = all(s.plain for s in probe.samples if not s.ok)
    normal = percentile([s.ms for s in probe.samples if s.end < down and s.ok], 0.5)
    # Recovered: no request sent later than this failed. (A client waits for each answer, so
    # "the first success after the DB is back" would measure the page's own time; the
    # signed-in workspace takes seconds.)
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
    status_text = ", ".join(f"{n}× {status}" for status, n in sorted(statuses.items()))
    rows = [
        f"| {probe.label} | {normal:.0f} | {len(during)} | "
        f"{sum(1 for s in during if s.ok)} | {len(failed)} ({status_text or '—'}) | "
        f"{failed_ms:.0f} | {'yes' if plain else 'NO'} | {len(late)} | "
        f"{f'{last_failure:+.2f}' if failures else '—'} | "
        f"{'yes' if recovered else ('—' if not failures else 'NO')} ({len(later)}) |"
    ]
    if exceptions:
        rows.append(
            f"|  ↳ {len(exceptions)} client errors: "
            f"{Counter(s.error for s in exceptions).most_common(3)} |"
        )
    return Verdict(bool(probe_ok), failed_ms, last_failure, len(late), rows)


def closing_lines(served: int, workspace_ms: float) -> list[str]:
    return [
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
