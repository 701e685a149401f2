"""The README's run path with ``DJANGO_DEBUG=false`` and no ``collectstatic`` (issue 13 item 19).

The local settings run in a subprocess of their own (SQLite, an empty
``STATIC_ROOT``): the API docs, a 404 and the 500 page render, and WhiteNoise
serves the static files they name straight from the source folders.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json, sys
import django
from django.conf import settings
django.setup()
settings.STATIC_ROOT = sys.argv[1]  # empty: collectstatic never ran
from django.test import Client, RequestFactory
from django.views.defaults import server_error
client = Client(raise_request_exception=False, HTTP_HOST="127.0.0.1")
answers = {path: client.get(path).status_code for path in
           ["/api/v1/docs/", "/no-such-page/", "/static/css/okrhub.css", "/static/favicon.svg"]}
answers["500 page"] = server_error(RequestFactory().get("/")).status_code
print(json.dumps({"debug": settings.DEBUG, "answers": answers}))
"""


def test_pages_render_with_debug_off_and_no_collectstatic(tmp_path):
    static_root = tmp_path / "static"
    static_root.mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "CELERY_", "REDIS"))},
        "DJANGO_SETTINGS_MODULE": "okrhub.settings.local",
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", PROBE, str(static_root)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["debug"] is False
    assert report["answers"] == {
        "/api/v1/docs/": 200,
        "/no-such-page/": 404,
        "/static/css/okrhub.css": 200,
        "/static/favicon.svg": 200,
        "500 page": 500,
    }
