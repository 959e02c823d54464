"""Client threads for scenario 2: each asks for one URL again and again and records every
answer, so an outage shows request by request."""

import threading
import time
from dataclasses import dataclass

import requests


@dataclass
class Sample:
    start: float
    end: float
    status: int | None
    ok: bool
    plain: bool
    error: str = ""

    @property
    def ms(self) -> float:
        return (self.end - self.start) * 1000


def html(response: requests.Response) -> bool:
    """A failed page is our plain error page: 500 or 503, no traceback, no detail."""
    return (
        response.status_code in (500, 503)
        and f'data-error-page="{response.status_code}"' in response.text
        and "Traceback" not in response.text
    )


def api_json(response: requests.Response) -> bool:
    try:
        code = response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return False
    return response.status_code == 503 and code == "unavailable"


def ready(response: requests.Response) -> bool:
    return response.status_code == 503 and response.text == "database unavailable"


class Probe:
    """One client asking for one URL again and again, recording each answer."""

    def __init__(self, label, path, plain_failure, session=None, needs_db=True):
        self.label, self.path, self.plain_failure = label, path, plain_failure
        self.needs_db = needs_db
        self.session = session or requests.Session()
        self.samples: list[Sample] = []

    def run(self, base: str, stop: threading.Event) -> None:
        number = 0
        while not stop.is_set():
            number += 1
            started = time.monotonic()
            try:
                response = self.session.get(
                    base + self.path(number), timeout=30, allow_redirects=False
                )
            except requests.RequestException as error:
                self.samples.append(
                    Sample(started, time.monotonic(), None, False, False, type(error).__name__)
                )
            else:
                ok = response.status_code == 200
                plain = ok or self.plain_failure(response)
                self.samples.append(
                    Sample(started, time.monotonic(), response.status_code, ok, plain)
                )
            time.sleep(0.05)
