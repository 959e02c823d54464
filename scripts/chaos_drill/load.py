"""Load generation for `make chaos`: wrk against one URL, its figures parsed."""

import re
import subprocess

from scripts.chaos_drill.common import CONNECTIONS, LOAD_SECONDS, OUT


def to_ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(url: str, name: str) -> dict:
    """Run wrk for LOAD_SECONDS on `url`; its output is kept in var/chaos/wrk-<name>.txt."""
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
