"""The report of `make chaos` (var/chaos/latest.md): a summary table, then each scenario."""

import datetime

from scripts.chaos_drill.harness import Chaos


def report(chaos: Chaos) -> str:
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"# make chaos — {stamp}",
        "",
        f"Private PostgreSQL ({chaos.facts.get('postgres', '?')}) and Redis (port "
        f"{chaos.redis_port}), deleted after the run. Data: {chaos.facts.get('data', '?')}. "
        f"gunicorn 2 sync workers, DEBUG off, CONN_MAX_AGE=600, Redis cache, Celery on "
        f"Redis. Set-up (migrate, seed, national-scale data, ANALYZE): "
        f"{chaos.facts.get('setup_s', '?')} s.",
        "",
        "| Scenario | Result | Figures |",
        "|---|---|---|",
    ]
    lines += [f"| {o.name} | {'PASS' if o.ok else 'FAIL'} | {o.summary} |" for o in chaos.outcomes]
    for outcome in chaos.outcomes:
        lines += ["", f"## {outcome.name}: {'PASS' if outcome.ok else 'FAIL'}", ""]
        lines += outcome.lines
    return "\n".join(lines) + "\n"
