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

import shutil
import signal
import sys
import time
import traceback
from pathlib import Path

# The parts live in scripts/chaos_drill/ (see its __init__); the project folder goes last on
# the path so that `scripts.chaos_drill` imports and shadows nothing installed.
sys.path.append(str(Path(__file__).resolve().parent.parent))

from scripts.chaos_drill.common import OUT, Outcome, say  # noqa: E402
from scripts.chaos_drill.harness import Chaos  # noqa: E402
from scripts.chaos_drill.report import report  # noqa: E402
from scripts.chaos_drill.scenario_load import scenario_load  # noqa: E402
from scripts.chaos_drill.scenario_postgres import scenario_postgres  # noqa: E402
from scripts.chaos_drill.scenario_redis import scenario_redis  # noqa: E402
from scripts.chaos_drill.scenario_worker import scenario_worker  # noqa: E402

SCENARIOS = (scenario_load, scenario_postgres, scenario_redis, scenario_worker)


def run_scenarios(chaos: Chaos) -> None:
    """Each scenario in turn; one that raises is a FAIL with its traceback, and the next runs."""
    for number, scenario in enumerate(SCENARIOS, start=1):
        say(f"\nScenario {number}…")
        try:
            outcome = scenario(chaos)
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
        run_scenarios(chaos)
    finally:
        say("\nCleaning up (private PostgreSQL, Redis, gunicorn, workers)…")
        chaos.cleanup()
    chaos.facts["total_s"] = f"{time.monotonic() - started:.0f}"
    text = report(chaos) + f"\nTotal time: {chaos.facts['total_s']} s.\n"
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "latest.md").write_text(text, encoding="utf-8")
    say("\n" + text)
    return 0 if chaos.outcomes and all(o.ok for o in chaos.outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
