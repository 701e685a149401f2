"""Browser tests: Debian's Chromium (never a downloaded one) against a live server on PostgreSQL.

Playwright's sync API runs an event loop in the test thread, so Django's
async-safety guard would refuse the ORM calls the tests make to set up data.
"""

import os
import time
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": DESKTOP, "locale": "en-GB"}


@pytest.fixture
def demo(transactional_db):
    """The demo company (DESIGN §1's cascade with weeks of check-ins), built through the services.

    At teardown (before the database is flushed, after the page is closed), it
    waits for the live server to finish what the page asked last: a request
    still inside a statement or a transaction holds locks the flush's TRUNCATE
    waits for, and the two deadlocked once in a CI run.
    """
    from onboarding.demo import load_demo

    yield load_demo()
    _wait_for_quiet_database()


def _wait_for_quiet_database(seconds: float = 5.0) -> None:
    from django.db import connection

    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND state IN ('active', 'idle in transaction')"
            )
            (busy,) = cursor.fetchone()
            if not busy:
                return
            time.sleep(0.05)


@pytest.fixture
def sign_in(live_server):
    def do(page, email: str, password: str = "okrhub-demo"):  # noqa: S107 (the demo login, printed by load_demo)
        page.set_default_timeout(10_000)
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server.url}/c/**")
        return page

    return do


@pytest.fixture
def shoot():
    """Save a full-page screenshot at desktop and phone width into test-artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)

    def do(page, name: str):
        for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(viewport)
            page.screenshot(path=ARTIFACTS / f"{name}-{label}.png", full_page=True)
        page.set_viewport_size(DESKTOP)

    return do
