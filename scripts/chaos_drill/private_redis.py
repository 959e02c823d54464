"""The private Redis of `make chaos`: loopback, no persistence; cache and Celery broker."""

import subprocess
import sys
import time

import redis

from scripts.chaos_drill.common import OUT


class PrivateRedis:
    def __init__(self, port: int):
        self.port = port
        self.process: subprocess.Popen | None = None
        self.logs = []

    def start(self) -> None:
        log = open(OUT / "redis.log", "ab")  # noqa: SIM115 - closed in close_logs
        self.logs.append(log)
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
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
                if redis.Redis(port=self.port, socket_timeout=1).ping():
                    return
            except redis.RedisError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                sys.exit("The private Redis did not start; see var/chaos/redis.log")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        self.process = None

    def close_logs(self) -> None:
        for log in self.logs:
            log.close()
