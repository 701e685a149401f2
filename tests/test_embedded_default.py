"""The embedded default (``./dev start``: SQLite, tasks in-process) serves every page of the demo to every role.

The rest of the suite runs on PostgreSQL, so SQL that only PostgreSQL
accepts (a limit inside a ``UNION``, once) would reach a new user's first
run unseen: this runs the demo on a fresh SQLite file in a process of its
own (``tests/embedded_smoke.py``) and reads every page route, the
downloads and the API reads, as each demo person.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.browser.test_phone import MODES, PAGES

ROOT = Path(__file__).resolve().parent.parent

#: Besides the pages: what the pages download or fetch, on the same data.
EXTRA = [
    "/c/{slug}/search/export.csv?q=lead",
    "/c/{slug}/search/export.xlsx?kind=objective",
    "/c/{slug}/search/?kind=key_result&confidence=at_risk&counted=1",
    "/c/{slug}/dashboard/export/?format=xlsx",
    "/c/{slug}/dashboard/export/?format=csv&department={department}",
    "/c/{slug}/activity/?cycle={cycle}&period=week&kind=checkins",
    "/c/{slug}/alignment/?expand=all&depth=3",
    "/c/{slug}/cycles/{cycle}/grading/",
    "/c/{slug}/notifications/count/",
    "/c/{slug}/discussion/mentions/?q=le&objective={objective}",
    "/api/v1/companies/{slug}/dashboard/",
    "/api/v1/companies/{slug}/dashboard/departments/{department}/",
    "/api/v1/companies/{slug}/search/?q=lead",
    "/api/v1/companies/{slug}/events/",
    "/api/v1/companies/{slug}/notifications/",
    "/api/v1/companies/{slug}/alignment/tree/",
]


#: Read again once the demo's cycle is closed: final scores instead of pace, grading, carry-over.
CLOSED = [
    "/c/{slug}/",
    "/c/{slug}/objectives/{objective}/",
    "/c/{slug}/key-results/{key_result}/",
    "/c/{slug}/cycles/{cycle}/grading/",
    "/c/{slug}/cycles/{cycle}/carry-over/",
    "/c/{slug}/check-in/",
    "/c/{slug}/dashboard/",
    "/c/{slug}/departments/marketing/",
    "/c/{slug}/alignment/",
    "/c/{slug}/search/?q=lead",
    "/api/v1/companies/{slug}/cycles/{cycle}/grading/",
    "/api/v1/companies/{slug}/objectives/{objective}/retrospective/",
]


def test_every_page_answers_on_sqlite_as_every_role(tmp_path):
    paths = [path for path in [*PAGES.values(), *MODES, *EXTRA] if path and "{comment}" not in path]
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CELERY_", "TEST_", "OKRHUB_"))
    }
    done = subprocess.run(  # noqa: S603 - our own script
        [
            sys.executable,
            "-m",
            "tests.embedded_smoke",
            str(tmp_path / "okrhub.sqlite3"),
            json.dumps(paths),
            json.dumps(CLOSED),
        ],
        cwd=ROOT,
        env={**clean, "DJANGO_SECRET_KEY": "embedded-default-smoke-test-secret-key-0123456789-abcdef"},
        capture_output=True,
        text=True,
        timeout=240,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines, done.stderr[-3000:]
    report = json.loads(lines[-1])
    assert report["failures"] == [], report["failures"]
    # Every path is read by someone, but for the token pages, which refuse a made-up token.
    assert report["read_by_nobody"] == ["/accounts/verify/not-a-token/", "/invitations/not-a-token/"]
    assert report["views"] >= 7 * 40
    assert done.returncode == 0, done.stderr[-3000:]
