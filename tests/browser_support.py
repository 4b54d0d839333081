"""Shared support for browser tests: the real dashboard served by ``streamlit run``, driven by
Playwright in Debian's headless Chromium.

Usage in a test module::

    from browser_support import running_app, browser_page   # fixtures
    pytestmark = pytest.mark.browser

    def test_something(running_app, browser_page):
        app = running_app(db_path)              # starts `streamlit run dashboard.py` on a free port
        page = browser_page()                   # a fresh Playwright page
        page.goto(app.url + "/review_queue")
        wait_for_app(page)

``running_app`` sets ``COPYDESK_DB`` for the server, waits until it answers on its health
endpoint, and stops it at teardown (its process group only).  Without ``/usr/bin/chromium``
the tests are skipped with a visible reason -- unless ``COPYDESK_REQUIRE_BROWSER=1`` (CI), where
a missing browser is a failure.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path(os.environ.get("COPYDESK_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
START_TIMEOUT = float(os.environ.get("COPYDESK_APP_START_TIMEOUT", "60"))


def require_browser() -> None:
    """Skip (or fail under COPYDESK_REQUIRE_BROWSER=1) when Chromium or Playwright is missing."""
    problem = None
    if not CHROMIUM.exists():
        problem = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "the playwright python package is not installed"
    if problem:
        if os.environ.get("COPYDESK_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser test required (COPYDESK_REQUIRE_BROWSER=1) but {problem}")
        pytest.skip(f"browser test skipped: {problem}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class App:
    url: str
    port: int
    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def start_app(db_path: str | os.PathLike, log_dir: Path, env: dict | None = None) -> App:
    """Start ``streamlit run dashboard.py`` headless on a free port with COPYDESK_DB set; wait until it serves."""
    port = free_port()
    log = Path(log_dir) / f"streamlit-{port}.log"
    run_env = {**os.environ, "COPYDESK_DB": str(db_path), "PYTHONPATH": str(ROOT),
               "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false", **(env or {})}
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "copydesk.serve",      # = streamlit run dashboard.py (see copydesk/serve.py)
             "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
            cwd=str(ROOT), env=run_env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    app = App(url=f"http://127.0.0.1:{port}", port=port, process=proc, log=log)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{app.output()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{app.url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return app
        except OSError:
            time.sleep(0.25)
    stop_app(app)
    raise RuntimeError(f"streamlit did not answer within {START_TIMEOUT:.0f}s:\n{app.output()[-3000:]}")


def stop_app(app: App) -> None:
    """Stop the server we started (its own process group), never anything else."""
    if app.process.poll() is None:
        try:
            os.killpg(app.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            app.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(app.process.pid, signal.SIGKILL)
            app.process.wait(timeout=10)


@pytest.fixture
def running_app(tmp_path):
    """Factory fixture: ``running_app(db_path, env=None) -> App``; every app started is stopped at teardown."""
    require_browser()
    apps: list[App] = []

    def start(db_path, env: dict | None = None) -> App:
        app = start_app(db_path, tmp_path, env)
        apps.append(app)
        return app
    yield start
    for app in apps:
        stop_app(app)


@pytest.fixture
def browser_page():
    """Factory fixture: ``browser_page() -> playwright Page`` in headless Chromium (closed at teardown)."""
    require_browser()
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
    pages = []

    def new_page(width: int = 1500, height: int = 1100):
        ctx = browser.new_context(viewport={"width": width, "height": height})
        page = ctx.new_page()
        page.set_default_timeout(30_000)
        pages.append(page)
        return page
    try:
        yield new_page
    finally:
        browser.close()
        pw.stop()


def wait_for_app(page, timeout: float = 30_000) -> None:
    """Wait until Streamlit has finished running the script.

    The app root carries ``data-test-script-state`` (initial → running → notRunning); a short
    pause first lets a rerun triggered by the last interaction start.
    """
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    page.wait_for_timeout(200)
    page.wait_for_function(
        """() => { const a = document.querySelector('[data-testid="stApp"]');
                   return a && a.getAttribute('data-test-script-state') === 'notRunning'; }""", timeout=timeout)


def select_option(page, label: str, option: str) -> None:
    """Pick ``option`` in the st.selectbox / st.multiselect whose label is ``label``."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    box = page.locator('[data-testid="stSelectbox"], [data-testid="stMultiSelect"]').filter(
        has=page.get_by_text(label, exact=True)).first
    choice = page.locator('[role="option"]').filter(has_text=option).first
    for attempt in range(4):        # a rerun drawing the page may close the list just opened: open it again
        box.locator("input").first.click()
        box.locator("input").first.fill(option)
        try:
            choice.wait_for(timeout=8_000)
            choice.click(timeout=8_000)
            break
        except PlaywrightTimeout:   # the list closed or never opened
            if attempt == 3:
                raise
            page.keyboard.press("Escape")
            wait_for_app(page)
    wait_for_app(page)
