"""Scenario 1 of `make chaos`: national-scale data, wrk on a region dashboard and two API reads;
no error may occur."""

import requests

from scripts.chaos_drill.common import ANON_RATE, CONNECTIONS, LOAD_SECONDS, REGION, Outcome, say
from scripts.chaos_drill.harness import Chaos
from scripts.chaos_drill.load import wrk

URLS = [
    ("region dashboard", f"/dashboard/regions/{REGION}/"),
    ("API indicator list", "/api/v1/indicators/"),
    ("API 1,000 observations", "/api/v1/observations/?page_size=1000&page=2"),
]


def scenario_load(chaos: Chaos) -> Outcome:
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
    for name, path in URLS:
        for _ in range(4):  # warm both workers' local copies and the shared cache
            requests.get(chaos.base + path, timeout=60)
        say(f"  wrk {LOAD_SECONDS} s on {path} …")
        row = wrk(chaos.base + path, name)
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
