"""Imports as `make chaos` drives them: the CSV files, uploading and confirming through the
web pages, and waiting for what the job writes (scenarios 3 and 4)."""

import datetime
import re
import time

import redis
import requests

from scripts.chaos_drill.common import PLAN, ROWS, csrf_token
from scripts.chaos_drill.harness import Chaos

# The throwaway plans of scenario 4 run FIRST_YEAR..LAST_YEAR: one value per KPI and year.
# They end last year: values for a year still to come are refused (indicators/entry.py).
YEARS = 50
LAST_YEAR = datetime.datetime.now(datetime.UTC).year - 1
FIRST_YEAR = LAST_YEAR - YEARS + 1


def small_csv() -> str:
    return (
        "plan,kpi,year,value,source,note\n"
        f"{PLAN},rnd_to_grdp_pct,2026,2.10,https://www.bistep.re.kr/chaos,chaos\n"
    )


def import_csv(plan_key: str, rows: int, years: int | None = None) -> bytes:
    years = YEARS if years is None else years
    lines = ["plan,kpi,year,value,source,note"]
    for i in range(-(-rows // years)):
        for year in range(LAST_YEAR - years + 1, LAST_YEAR + 1):
            if len(lines) > rows:
                break
            lines.append(f"{plan_key},k{i},{year},{1 + (i + year) % 97 / 100:.2f},,")
    return ("\n".join(lines) + "\n").encode()


def upload_and_check(chaos: Chaos, session: requests.Session, plan_key: str) -> int:
    content = import_csv(plan_key, ROWS)
    page = session.get(chaos.base + "/en/workspace/import/", timeout=30)
    response = session.post(
        chaos.base + "/en/workspace/import/",
        data={"csrfmiddlewaretoken": csrf_token(page.text)},
        files={"file": (f"{plan_key}.csv", content, "text/csv")},
        timeout=120,
        allow_redirects=False,
    )
    match = re.search(r"/workspace/import/(\d+)/", response.headers.get("Location", ""))
    if response.status_code != 302 or not match:
        raise RuntimeError(f"The upload was not accepted: {response.status_code}")
    batch_id = int(match.group(1))
    state = wait_for_state(chaos, batch_id, {"checked", "failed"}, timeout=300)
    if state[0] != "checked":
        raise RuntimeError(f"The check of {plan_key} failed: {state}")
    return batch_id


def confirm(chaos: Chaos, session: requests.Session, batch_id: int) -> None:
    url = f"{chaos.base}/en/workspace/import/{batch_id}/"
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


def wait_for_state(chaos: Chaos, batch_id: int, states: set[str], timeout: float) -> tuple:
    deadline = time.monotonic() + timeout
    while True:
        row = chaos.batch(batch_id)
        if row[0] in states:
            return row
        if time.monotonic() > deadline:
            raise RuntimeError(f"Import {batch_id} stayed {row[0]} for {timeout:.0f} s")
        time.sleep(0.2)


def wait_for_progress(cache: redis.Redis, batch_id: int) -> int:
    """Rows written so far once a third of the import is written (and not committed)."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        value = cache.get(f":1:import-written:{batch_id}")
        written = int(value) if value and value.isdigit() else 0
        if written >= ROWS // 3:
            return written
        time.sleep(0.02)
    raise RuntimeError(f"Import {batch_id} showed no progress; is the worker running?")


def wait_for_no_open_transactions(chaos: Chaos, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while True:
        ((count,),) = chaos.query(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = 'rstplan_chaos'"
            " AND pid <> pg_backend_pid() AND state <> 'idle'"
        )
        if count == 0 or time.monotonic() > deadline:
            return count
        time.sleep(0.2)
