"""Browser tests: Debian's headless Chromium (via pytest-playwright) against a real server.

The server is `manage.py runserver` in its own process, on its own SQLite file in a temporary
folder, migrated and seeded once per test run. pytest-django's live_server is not used: it
needs transactional_db, which flushes the database that the rest of the suite shares.

Fixtures and helpers:
- `site_url`: "http://127.0.0.1:<port>" of that server (also pytest-playwright's `base_url`,
  so `page.goto("/plans/busan-2/")` works).
- `page_watch`: records every request, console error, page error, failed request and 4xx/5xx
  response of the test's `page`; `page_watch.goto(path)` loads a page and checks it answered
  200, `page_watch.assert_clean()` checks nothing left the site and nothing went wrong.
- `wait_for_charts(page)`: waits for the page's plotly charts (see its docstring); a plain
  function, importable with `from tests.browser.conftest import wait_for_charts`, and also a
  fixture of the same name.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
SERVER_START_TIMEOUT = 30  # seconds
CHARTS_TIMEOUT_MS = 20_000
# Accounts in the browser server's own database (never in the suite's).
BROWSER_PASSWORD = "browser-journey-password"
BROWSER_ACCOUNTS = [("bistep", "secretariat", "26"), ("msit", "ministry", None)]

# Variables that would point the server at shared services; it must only ever use its own
# SQLite file (CI runs the suite a second time with DATABASE_URL set to PostgreSQL).
_STRIPPED_ENV = (
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "ALLOWED_HOSTS",
    "DJANGO_SETTINGS_MODULE",
)


def pytest_collection_modifyitems(session, config, items):
    # pytest-playwright's sync API keeps an event loop for the rest of the session once the
    # browser has started, and Django refuses database access while an event loop runs
    # (SynchronousOnlyOperation). Running the browser tests last keeps the other tests clear.
    browser = [item for item in items if item.get_closest_marker("browser")]
    if browser:
        others = [item for item in items if not item.get_closest_marker("browser")]
        # Tests that change the browser server's data run after those that read the seed.
        readers = [item for item in browser if not item.get_closest_marker("writes")]
        writers = [item for item in browser if item.get_closest_marker("writes")]
        items[:] = others + readers + writers


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_env(tmp_dir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in _STRIPPED_ENV}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=f"sqlite:///{tmp_dir / 'browser.sqlite3'}",
        DEBUG="true",
        VAR_DIR=str(tmp_dir),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PYTHONUNBUFFERED="1",
    )
    return env


def _manage(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        pytest.fail(
            f"manage.py {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stdout}\n{result.stderr}",
            pytrace=False,
        )


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(scope="session")
def site_url(tmp_path_factory):
    tmp_dir = tmp_path_factory.mktemp("browser-site")
    env = _server_env(tmp_dir)
    _manage(env, "migrate", "--noinput")
    _manage(env, "load_seed")
    env_with_password = {**env, "BROWSER_PASSWORD": BROWSER_PASSWORD}
    for username, role, region in BROWSER_ACCOUNTS:
        extra = ["--region", region] if region else []
        _manage(
            env_with_password,
            "create_account",
            username,
            "--role",
            role,
            *extra,
            "--password-env",
            "BROWSER_PASSWORD",
        )

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = tmp_dir / "runserver.log"
    # The log goes to a file, not a pipe: nobody reads a pipe while tests run, and a full
    # pipe would block the server.
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not _healthy(url):
            if server.poll() is not None or time.monotonic() > deadline:
                state = (
                    f"exited with {server.returncode}"
                    if server.poll() is not None
                    else f"did not answer /healthz within {SERVER_START_TIMEOUT} s"
                )
                pytest.fail(
                    f"runserver {state}:\n{log_path.read_text(errors='replace')}",
                    pytrace=False,
                )
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="session")
def base_url(site_url):
    # pytest-playwright gives it to every browser context: relative page.goto() paths work.
    return site_url


@pytest.fixture(scope="session")
def browser_type_launch_args(pytestconfig):
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing: apt-get install chromium fonts-noto-cjk"
        # On a developer's machine the browser tests wait for Chromium; in CI they must run.
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return {
        "executable_path": CHROMIUM,
        "headless": not pytestconfig.getoption("--headed"),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


_LOCAL_SCHEMES = {"data", "blob", "about"}


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass
class PageWatch:
    """What one page did: every request, and everything that went wrong."""

    page: object
    site_url: str
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    bad_responses: list[str] = field(default_factory=list)

    def attach(self):
        # Requests on the context: navigations, subresources, workers, popups.
        context = self.page.context
        context.on("request", lambda request: self.requests.append(request.url))
        context.on(
            "requestfailed",
            lambda request: self.failed_requests.append(f"{request.url}: {request.failure}"),
        )
        context.on("response", self._on_response)
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        return self

    def _on_response(self, response):
        if response.status >= 400:
            self.bad_responses.append(f"{response.status} {response.url}")

    def _on_console(self, message):
        if message.type != "error":
            return
        url = (message.location or {}).get("url", "")
        # Chromium asks for /favicon.ico by itself (once per browser, so only in whichever
        # test comes first) unless the page names an icon: not the page's own request.
        if urlsplit(url).path == "/favicon.ico":
            return
        self.console_errors.append(f"{message.text} ({url})")

    @property
    def outside_requests(self) -> list[str]:
        site = _origin(self.site_url)
        return [
            url
            for url in self.requests
            if urlsplit(url).scheme not in _LOCAL_SCHEMES and _origin(url) != site
        ]

    def goto(self, path: str, **kwargs):
        """Load `path` (relative to the site) and check the navigation answered 200."""
        kwargs.setdefault("wait_until", "networkidle")
        response = self.page.goto(self.site_url + path, **kwargs)
        assert response is not None, f"no response for {path}"
        assert response.status == 200, f"{path} answered {response.status}"
        return response

    def assert_clean(self):
        assert self.outside_requests == [], "requests left the site"
        assert self.console_errors == [], "console errors"
        assert self.page_errors == [], "uncaught page errors"
        assert self.failed_requests == [], "failed requests"
        assert self.bad_responses == [], "4xx/5xx responses"


@pytest.fixture
def page_watch(page, site_url):
    return PageWatch(page=page, site_url=site_url).attach()


def wait_for_charts(page, timeout_ms: int = CHARTS_TIMEOUT_MS) -> int:
    """Wait until every plotly chart on `page` is drawn; return how many there are.

    The pages' contract: each chart container has a `data-chart` attribute, and the page's
    script sets `window.rstChartsReady` to a Promise that resolves to the number of charts
    drawn once every `Plotly.newPlot` promise has resolved. A page without `[data-chart]`
    elements has no charts: 0, without waiting.
    """
    if page.locator("[data-chart]").count() == 0:
        return 0
    page.wait_for_function("window.rstChartsReady !== undefined", timeout=timeout_ms)
    # evaluate() awaits the promise but has no timeout of its own: race it against one.
    drawn = page.evaluate(
        """(ms) => Promise.race([
            Promise.resolve(window.rstChartsReady),
            new Promise((_, reject) => setTimeout(
                () => reject(new Error(`window.rstChartsReady did not resolve in ${ms} ms`)), ms)),
        ])""",
        timeout_ms,
    )
    charts = page.locator("[data-chart]").count()
    assert drawn == charts, f"rstChartsReady resolved to {drawn!r}, page has {charts} charts"
    undrawn = page.evaluate(
        """() => [...document.querySelectorAll('[data-chart]')]
            .filter((el) => !el.querySelector('.main-svg'))
            .map((el) => el.dataset.chart)"""
    )
    assert undrawn == [], f"charts without a plotly SVG: {undrawn}"
    return charts


@pytest.fixture(name="wait_for_charts")
def wait_for_charts_fixture():
    return wait_for_charts
