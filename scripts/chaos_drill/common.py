"""Paths, settings from the environment and small helpers shared by the parts of `make chaos`."""

import os
import re
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent
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
ANON_RATE = "1000000000/minute"  # wrk is one client: the anonymous API throttle is lifted


@dataclass
class Outcome:
    name: str
    ok: bool
    summary: str
    lines: list[str] = field(default_factory=list)


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


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def csrf_token(page: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if not match:
        raise RuntimeError("No CSRF token on the page.")
    return match.group(1)
