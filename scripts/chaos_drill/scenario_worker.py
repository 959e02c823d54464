"""Scenario 4 of `make chaos`: a Celery worker killed with SIGKILL in the middle of writing a
100,000-row import, twice: the process running the job (the job is redelivered) and the whole
worker (the user confirms again). No partial data, and the import is written exactly once."""

import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import redis
import requests

from scripts.chaos_drill.common import ROWS, Outcome, say
from scripts.chaos_drill.harness import Chaos
from scripts.chaos_drill.import_jobs import (
    FIRST_YEAR,
    LAST_YEAR,
    YEARS,
    confirm,
    upload_and_check,
    wait_for_no_open_transactions,
    wait_for_progress,
    wait_for_state,
)


def scenario_worker(chaos: Chaos) -> Outcome:
    create_chaos_plans(chaos)
    secretariat = chaos.login("chaos-busan")
    cache = redis.Redis.from_url(chaos.cache_url)
    worker, worker_log = chaos.start_worker("worker-1")
    lines = [
        f"A real `celery -A config worker` (prefork, concurrency 1) on the private Redis "
        f"and PostgreSQL; imports of {ROWS:,} rows uploaded through the web page; the "
        "moment to kill is picked from the import's progress counter (written to the "
        "cache after each chunk of rows, while the rows themselves are still "
        "uncommitted).",
        "",
    ]
    a_ok, a_lines = kill_job_process(chaos, secretariat, cache, worker, worker_log)
    lines += a_lines
    b_ok, b_lines = kill_whole_worker(chaos, secretariat, cache, worker, worker_log)
    lines += b_lines
    summary = (
        "no partial data after either kill; job process killed → redelivered at once; "
        "whole worker killed → confirmed again by the user; each import written exactly "
        "once"
    )
    return Outcome("4. Worker killed mid-import", a_ok and b_ok, summary, lines)


def create_chaos_plans(chaos: Chaos) -> None:
    """Two throwaway plans, chaos-a and chaos-b, with enough KPIs for ROWS values each."""
    kpis = -(-ROWS // YEARS)
    chaos.shell(
        "from decimal import Decimal; from django.db import transaction;"
        "from indicators.models import Indicator, Unit; from plans.models import Plan;"
        "from regions.models import Region;"
        "unit = Unit.objects.get(key='index'); region = Region.objects.get(code='26');\n"
        "with transaction.atomic():\n"
        "    for key in ('chaos-a', 'chaos-b'):\n"
        "        plan = Plan.objects.create(key=key, level='regional', region=region,"
        f" name_ko='장애 시험', name_en='Chaos test', start_year={FIRST_YEAR},"
        f" end_year={LAST_YEAR}, provisional=True)\n"
        "        Indicator.objects.bulk_create(Indicator(plan=plan, key=f'k{i}',"
        " name_ko=f'지표 {i}', name_en=f'KPI {i}', unit=unit, direction='increase',"
        f" baseline_year={FIRST_YEAR - 1}, baseline_value=Decimal(1),"
        f" target_year={LAST_YEAR}, target_value=Decimal(2)) for i in range({kpis}))\n"
        "print('ok')"
    )


# --- 4a: the job's process killed -----------------------------------------------------------


def kill_job_process(
    chaos: Chaos,
    session: requests.Session,
    cache: redis.Redis,
    worker: subprocess.Popen,
    worker_log: Path,
) -> tuple[bool, list[str]]:
    """kill -9 the pool process that runs the job; the main process stays."""
    batch_id = upload_and_check(chaos, session, "chaos-a")
    before = chaos.counts()
    confirm(chaos, session, batch_id)
    written = wait_for_progress(cache, batch_id)
    children = child_pids(worker.pid)
    for pid in children:
        os.kill(pid, signal.SIGKILL)
    killed_at = time.monotonic()
    right_after = chaos.counts()
    state = wait_for_state(chaos, batch_id, {"applied", "failed"}, timeout=300)
    after = chaos.counts()
    redelivered_s = time.monotonic() - killed_at
    expected = (before[0] + ROWS, before[1] + ROWS)
    log = worker_log.read_text(errors="replace")
    lost = "WorkerLostError" in log or "SIGKILL" in log
    ok = (
        bool(children)
        and right_after == before
        and state[0] == "applied"
        and state[1] == ROWS
        and after == expected
        and lost
    )
    lines = [
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
    return ok, lines


# --- 4b: the whole worker killed ------------------------------------------------------------


@dataclass
class WholeWorkerKill:
    """What 4b saw, step by step."""

    batch_id: int
    before: tuple
    written: int = 0
    right_after: tuple = ()
    state_after_kill: tuple = ()
    leftovers: int = 0
    waited: int = 12
    state_waiting: tuple = ()
    state: tuple = ()
    reapplied_s: float = 0.0
    after: tuple = ()
    lost_task: str = ""
    rerun_result: str = ""
    final: tuple = ()

    @property
    def expected(self) -> tuple[int, int]:
        return (self.before[0] + ROWS, self.before[1] + ROWS)

    @property
    def ok(self) -> bool:
        return (
            self.right_after == self.before
            and self.state_after_kill[0] == "applying"
            and self.state_after_kill[1] == 0
            and self.leftovers == 0
            and self.state[0] == "applied"
            and self.state[1] == ROWS
            and self.after == self.expected
            and self.final == self.expected
            and self.rerun_result == "applied"
        )


def kill_whole_worker(
    chaos: Chaos,
    session: requests.Session,
    cache: redis.Redis,
    worker: subprocess.Popen,
    worker_log: Path,
) -> tuple[bool, list[str]]:
    """kill -9 the whole worker (main and child), as a machine or container loss; a new
    worker starts, the user confirms again, the dead worker's message comes back."""
    batch_id = upload_and_check(chaos, session, "chaos-b")
    run = WholeWorkerKill(batch_id, chaos.counts())
    confirm(chaos, session, batch_id)
    run.written = wait_for_progress(cache, batch_id)
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    time.sleep(1)
    run.right_after = chaos.counts()
    run.state_after_kill = chaos.batch(batch_id)
    run.leftovers = wait_for_no_open_transactions(chaos, timeout=15)
    worker2, worker2_log = chaos.start_worker("worker-2")
    time.sleep(run.waited)
    run.state_waiting = chaos.batch(batch_id)
    # The user confirms again: the page accepts a batch that is still "writing".
    started = time.monotonic()
    confirm(chaos, session, batch_id)
    run.state = wait_for_state(chaos, batch_id, {"applied", "failed"}, timeout=300)
    run.reapplied_s = time.monotonic() - started
    run.after = chaos.counts()
    run.lost_task, run.rerun_result = replay_lost_message(chaos, worker_log, worker2_log)
    run.final = chaos.counts()
    lines = whole_worker_lines(run)
    say(f"  4b: killed the whole worker at {run.written:,} rows; re-confirmed → {run.state[0]}")
    worker2.terminate()
    worker2.wait(timeout=30)
    return run.ok, lines


def replay_lost_message(chaos: Chaos, worker_log: Path, worker2_log: Path) -> tuple[str, str]:
    """The dead worker's job id and what the new worker's run of it returned."""
    # The killed worker's message is still unacknowledged in Redis; the transport gives it
    # back after the visibility timeout (1 hour by default). Give it back now, as then: the
    # job must see the batch already applied and write nothing.
    lost_task = re.findall(r"apply_import\[([^\]]+)\] received", worker_log.read_text())[-1]
    restore_unacked(chaos.broker_url)
    done = re.compile(rf"apply_import\[{lost_task}\] succeeded in [\d.]+s: '(\w+)'")
    deadline = time.monotonic() + 60
    while not (rerun := done.search(worker2_log.read_text(errors="replace"))):
        if time.monotonic() > deadline:
            break
        time.sleep(0.3)
    return lost_task, rerun.group(1) if rerun else "not run"


def whole_worker_lines(run: WholeWorkerKill) -> list[str]:
    return [
        "**4b. kill -9 of the whole worker** (main process and child, as when the "
        "machine or container is lost):",
        "",
        f"- killed at {run.written:,} of {ROWS:,} rows written (uncommitted); counts right "
        f"after: {run.right_after} = before {run.before}: "
        f"{'no partial data' if run.right_after == run.before else 'PARTIAL DATA'}; batch "
        f"`{run.state_after_kill[0]}` (not applied), rows_written {run.state_after_kill[1]}; "
        f"open transactions left in PostgreSQL: {run.leftovers}",
        f"- a new worker started; {run.waited} s later the batch was still "
        f"`{run.state_waiting[0]}`: the Redis transport returns a message whose worker died "
        "only after its visibility timeout (1 hour by default), so the job is NOT "
        'redelivered at once; meanwhile the import page shows "Saving the values…" '
        "and offers no button to confirm again",
        f"- the user confirmed again (POST on the import page, which accepts a batch "
        f"still writing): batch `{run.state[0]}` with {run.state[1]:,} rows in "
        f"{run.reapplied_s:.1f} s; counts {run.after}, expected {run.expected}: "
        f"{'written exactly once' if run.after == run.expected else 'WRONG'}",
        f"- the dead worker's message (task {run.lost_task[:8]}…) given back to the queue "
        "now, as the transport does after the visibility timeout: the new worker ran it, it "
        f"found the batch done and returned `{run.rerun_result}`, writing nothing: counts "
        f"{run.final}",
        "",
    ]


# --- Helpers --------------------------------------------------------------------------------


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
