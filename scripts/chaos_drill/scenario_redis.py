"""Scenario 3 of `make chaos`: Redis (cache and Celery broker) stopped.

Public pages and the API still answer 200 (cache misses); an import upload, an import
confirmation and a report request answer that jobs are unavailable, and nothing is half-done."""

import re
import time
from collections import Counter

import requests

from scripts.chaos_drill.common import PLAN, REGION, Outcome, csrf_token, percentile, say
from scripts.chaos_drill.harness import Chaos
from scripts.chaos_drill.import_jobs import small_csv

MESSAGE = "Background jobs are unavailable right now"
READS = (
    "/",
    f"/dashboard/regions/{REGION}/",
    "/en/dashboard/compare/",
    "/api/v1/indicators/",
    "/api/v1/observations/?page_size=100",
    "/healthz",
    "/readyz",
)


def scenario_redis(chaos: Chaos) -> Outcome:
    secretariat = chaos.login("chaos-busan")
    officer = chaos.login("chaos-officer")
    checked_id = checked_import(chaos)
    before = chaos.counts()
    say("  stopping Redis…")
    chaos.redis.stop()
    lines = [
        "Redis (cache and Celery broker) stopped while gunicorn runs with REDIS_URL and "
        "CELERY_BROKER_URL pointing at it.",
        "",
        "| Request | statuses | median ms | max ms |",
        "|---|---|---|---|",
    ]
    reads_ok, read_rows = public_reads(chaos)
    lines += read_rows
    upload_ok, upload_ms, upload_line = try_upload(chaos, secretariat)
    confirm_ok, confirm_ms, confirm_line = try_confirm(chaos, secretariat, checked_id)
    report_ok, report_ms, report_line = try_report(chaos, officer)
    after = chaos.counts()
    unchanged = after == before
    ok = reads_ok and upload_ok and confirm_ok and report_ok and unchanged
    lines += [
        "",
        "| Job action while Redis is down | answer | ms | what is kept |",
        "|---|---|---|---|",
        upload_line,
        confirm_line,
        report_line,
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
    chaos.redis.start()
    back = requests.get(chaos.base + f"/dashboard/regions/{REGION}/", timeout=30)
    ok = ok and back.status_code == 200
    worst = max(upload_ms, confirm_ms, report_ms)
    summary = (
        "public pages and API 200 without Redis; upload, confirmation and report "
        f"request say jobs are unavailable (≤ {worst:.0f} ms); nothing written"
    )
    return Outcome("3. Redis down", ok, summary, lines)


def checked_import(chaos: Chaos) -> int:
    """A checked upload, ready to confirm, made while everything is up (the check is a job)."""
    checked_id = int(
        chaos.shell(
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
    return checked_id


def public_reads(chaos: Chaos) -> tuple[bool, list[str]]:
    """Each public page and API read five times: every answer must be 200."""
    ok, rows = True, []
    for path in READS:
        times, statuses = [], Counter()
        for _ in range(5):
            started = time.monotonic()
            response = requests.get(chaos.base + path, timeout=30)
            times.append((time.monotonic() - started) * 1000)
            statuses[response.status_code] += 1
        ok = ok and set(statuses) == {200}
        rows.append(
            f"| GET `{path}` | {dict(statuses)} | {percentile(times, 0.5):.0f} | {max(times):.0f} |"
        )
    return ok, rows


def try_upload(chaos: Chaos, session: requests.Session) -> tuple[bool, float, str]:
    """Upload: the file is refused as a whole (not kept), and the page says why."""
    page = session.get(chaos.base + "/en/workspace/import/", timeout=30)
    started = time.monotonic()
    response = session.post(
        chaos.base + "/en/workspace/import/",
        data={"csrfmiddlewaretoken": csrf_token(page.text)},
        files={"file": ("values.csv", small_csv().encode(), "text/csv")},
        timeout=30,
    )
    upload_ms = (time.monotonic() - started) * 1000
    (upload_row,) = chaos.query(
        "SELECT b.state, b.content IS NULL, b.message FROM imports_importbatch b"
        " JOIN auth_user u ON u.id = b.user_id WHERE u.username = 'chaos-busan'"
        " ORDER BY b.id DESC LIMIT 1"
    )
    upload_ok = (
        response.status_code == 200
        and MESSAGE in response.text
        and upload_row[0] == "failed"
        and upload_row[1]
    )
    line = (
        f"| Import upload (secretariat) | {response.status_code} after redirect, "
        f"message shown: {'yes' if MESSAGE in response.text else 'NO'} | {upload_ms:.0f} | "
        f"batch `{upload_row[0]}`, file not kept ({'yes' if upload_row[1] else 'NO'}): "
        "the upload is clearly not accepted; upload again later |"
    )
    return upload_ok, upload_ms, line


def try_confirm(
    chaos: Chaos, session: requests.Session, checked_id: int
) -> tuple[bool, float, str]:
    """Confirming a checked import: refused, the batch stays checked to confirm later."""
    url = f"{chaos.base}/en/workspace/import/{checked_id}/"
    page = session.get(url, timeout=30)
    started = time.monotonic()
    response = session.post(url, data={"csrfmiddlewaretoken": csrf_token(page.text)}, timeout=30)
    confirm_ms = (time.monotonic() - started) * 1000
    state = chaos.batch(checked_id)[0]
    confirm_ok = response.status_code == 200 and MESSAGE in response.text
    confirm_ok = confirm_ok and state == "checked"
    line = (
        f"| Import confirmation (secretariat) | {response.status_code} after redirect, "
        f"message shown: {'yes' if MESSAGE in response.text else 'NO'} | "
        f"{confirm_ms:.0f} | batch back to `{state}`: confirm again once the queue is "
        "back; nothing written |"
    )
    return confirm_ok, confirm_ms, line


def try_report(chaos: Chaos, officer: requests.Session) -> tuple[bool, float, str]:
    """Report request (ministry): the report is marked failed with the reason."""
    url = f"{chaos.base}/en/plans/{PLAN}/reports/"
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
    (report_row,) = chaos.query(
        "SELECT r.state, r.message FROM reports_report r JOIN plans_plan p ON p.id = r.plan_id"
        " WHERE p.key = %s ORDER BY r.id DESC LIMIT 1",
        [PLAN],
    )
    report_ok = response.status_code == 200 and MESSAGE in response.text
    report_ok = report_ok and report_row[0] == "failed"
    line = (
        f"| Report request (ministry) | {response.status_code} after redirect, message "
        f"shown: {'yes' if MESSAGE in response.text else 'NO'} | {report_ms:.0f} | report "
        f"`{report_row[0]}` with the reason; request it again later |"
    )
    return report_ok, report_ms, line
