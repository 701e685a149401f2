"""``./dev start`` serves where OKRHUB_ADDR says, and email links follow it.

The script runs against a stand-in interpreter that records what it is asked
to run and with which OKRHUB_BASE_URL, so nothing is installed or served.
"""

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

STAND_IN = """#!/bin/sh
echo "$OKRHUB_BASE_URL $*" >> "$(dirname "$0")/../calls"
exit 0
"""


@pytest.fixture
def venv(tmp_path: Path) -> Path:
    python = tmp_path / "bin" / "python"
    python.parent.mkdir()
    python.write_text(STAND_IN)
    python.chmod(0o755)
    (tmp_path / ".installed-base.lock").touch()  # newer than the lock: nothing to install
    return tmp_path


def _start(venv: Path, **env: str) -> list[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OKRHUB_", "DJANGO_SETTINGS"))}
    subprocess.run(  # noqa: S603 - our own script
        [str(ROOT / "dev"), "start"],
        env={**clean, "OKRHUB_VENV": str(venv), **env},
        check=True,
        timeout=60,
        capture_output=True,
    )
    return (venv / "calls").read_text().splitlines()


@pytest.mark.skipif((ROOT / ".env").exists(), reason="a local .env may name OKRHUB_BASE_URL")
def test_start_on_another_address_points_email_links_at_it(venv):
    calls = _start(venv, OKRHUB_ADDR="127.0.0.1:8123")
    served = [call for call in calls if "runserver" in call]
    assert served == ["http://127.0.0.1:8123 manage.py runserver 127.0.0.1:8123"]
    assert all(call.startswith("http://127.0.0.1:8123 ") for call in calls if "manage.py" in call)


def test_an_explicit_base_url_wins(venv):
    calls = _start(venv, OKRHUB_ADDR="0.0.0.0:9000", OKRHUB_BASE_URL="https://okr.example.com")
    served = [call for call in calls if "runserver" in call]
    assert served == ["https://okr.example.com manage.py runserver 0.0.0.0:9000"]
