"""The production path: settings pass ``check --deploy``; the Dockerfile and
docker-compose.yml name real commands, modules and settings.

There is no Docker engine here, so the container files are checked for what
can go wrong without one: YAML that does not parse, a command or module that
does not exist, an environment variable no setting reads.
"""

import importlib.util
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from okrhub.celery import app

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = ROOT / "okrhub" / "settings"
#: Variables read by something other than our settings.
READ_ELSEWHERE = {
    "DJANGO_SETTINGS_MODULE": "Django and manage.py",
    "WEB_CONCURRENCY": "gunicorn",
    "POSTGRES_PASSWORD": "docker-compose.yml",
    "TEST_DATABASE_URL": "okrhub/settings/test.py",
}
APP_SERVICES = ("migrate", "web", "worker", "beat")

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "okrhub.settings.production",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "okr.example.com",
    "DATABASE_URL": "postgres://okrhub:secret@db.example.com:5432/okrhub",
    "CELERY_BROKER_URL": "redis://redis.example.com:6379/0",
    "EMAIL_URL": "smtp+tls://okrhub:secret@mail.example.com:587",
    "OKRHUB_BASE_URL": "https://okr.example.com",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_", "EMAIL_", "OKRHUB_"))
    }
    return subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def variables_read_by_settings() -> set[str]:
    found: set[str] = set()
    for path in SETTINGS.glob("*.py"):
        found |= set(re.findall(r"""env(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]*)["']""", path.read_text()))
    return found


def test_check_deploy_is_clean_with_production_variables():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "EMAIL_URL", "OKRHUB_BASE_URL"]
)
def test_production_refuses_to_start_without_a_required_variable(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert missing in result.stderr


def test_compose_file_runs_the_production_topology():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) >= {"db", "redis", "migrate", "web", "worker", "beat"}
    for name in ("db", "redis", "web", "worker", "beat"):
        assert services[name].get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
    for name in APP_SERVICES:
        service = services[name]
        assert service["env_file"] == ".env"
        assert service["environment"]["DJANGO_SETTINGS_MODULE"] == "okrhub.settings.production"
        assert service["build"] == "."
    assert services["web"]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}

    web = services["web"]["command"]
    assert web[:2] == ["gunicorn", "okrhub.wsgi:application"]
    module, attribute = web[1].split(":")
    assert importlib.util.find_spec(module) is not None
    assert attribute == "application"
    assert services["worker"]["command"][:4] == ["celery", "-A", "okrhub", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "okrhub", "beat"]
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--no-input"]
    # `celery -A okrhub` finds the app in okrhub/celery.py; beat's schedule names registered tasks.
    assert importlib.util.find_spec("okrhub.celery") is not None
    app.loader.import_default_modules()
    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in app.tasks, entry["task"]


def test_every_variable_the_deployment_sets_is_read():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    set_by_compose = {name for service in APP_SERVICES for name in compose["services"][service]["environment"]}
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    read = variables_read_by_settings() | set(READ_ELSEWHERE)
    assert set_by_compose <= read, set_by_compose - read
    assert documented <= read, documented - read
    # ... and every variable production requires is documented.
    assert set(PRODUCTION_ENV) <= documented


def test_dockerfile_builds_in_stages_and_runs_unprivileged():
    dockerfile = (ROOT / "Dockerfile").read_text()
    stages = re.findall(r"^FROM\s+(\S+)", dockerfile, re.MULTILINE)
    assert len(stages) >= 2
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.MULTILINE)
    assert users
    assert users[-1] not in ("root", "0")
    assert "collectstatic --no-input" in dockerfile
    assert "HEALTHCHECK" in dockerfile
    (cmd,) = re.findall(r"^CMD\s+(\[.*\])$", dockerfile, re.MULTILINE)
    assert yaml.safe_load(cmd)[:2] == ["gunicorn", "okrhub.wsgi:application"]
    assert ".venv" in (ROOT / ".dockerignore").read_text().split()


def test_the_image_collectstatic_step_succeeds(tmp_path):
    """The Dockerfile's collectstatic, with its settings and no database (into a scratch directory)."""
    (line,) = re.findall(
        r"^RUN (.*manage\.py collectstatic.*)$", (ROOT / "Dockerfile").read_text().replace("\\\n", " "), re.MULTILINE
    )
    env = dict(re.findall(r"(DJANGO_[A-Z_]+)=(\S+)", line))
    assert env["DJANGO_SETTINGS_MODULE"] == "okrhub.settings.base"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    script = (
        "import django; from django.conf import settings; from django.core.management import call_command; "
        f"django.setup(); settings.STATIC_ROOT = {str(tmp_path)!r}; "
        "call_command('collectstatic', interactive=False, verbosity=0)"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-c", script], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "staticfiles.json").is_file()
