"""Run by ``tests/test_embedded_default.py`` in a process of its own: the demo on the embedded default.

``./dev start`` serves SQLite with tasks in-process; the suite runs on
PostgreSQL. This script migrates a fresh SQLite file, loads the demo and
reads every page (and the downloads and API reads the pages link to) as
each demo role; then closes the demo's cycle (as an admin would) and reads
the closed cycle's pages the same way. It prints one JSON report of what
answered 5xx or raised, and of the paths nobody could read.
Usage: ``python -m tests.embedded_smoke <sqlite path> <paths JSON> <closed-cycle paths JSON>``.
"""

import json
import os
import sys
import traceback


def main(database: str, paths_json: str, closed_json: str) -> int:
    os.environ["DJANGO_SETTINGS_MODULE"] = "okrhub.settings.local"
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    for name in ("REDIS_URL", "CELERY_BROKER_URL", "EMAIL_URL"):
        os.environ.pop(name, None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from companies.tenancy import Actor
    from objectives import services as okr
    from objectives.models import CheckIn, Objective
    from onboarding.demo import DEMO_SLUG, load_demo

    call_command("migrate", verbosity=0)
    demo = load_demo()
    objective = Objective.objects.get(company=demo.company, title__startswith="Generate 1,000 qualified leads")
    kr = objective.key_results.first()
    ids = {
        "slug": DEMO_SLUG,
        "objective": objective.pk,
        "key_result": kr.pk,
        "checkin": CheckIn.objects.effective().filter(key_result=kr).latest("created_at", "id").pk,
        "membership": demo.company.memberships.get(user__email="member@demo.okrhub.test").pk,
        "department": objective.department_id,
        "cycle": objective.cycle_id,
        "comment": 0,
    }
    failures: list[list[object]] = []
    best: dict[str, int] = {}  # the best status each path got from any role

    def read_all(paths: list[str]) -> None:
        for user in demo.users.values():
            client = Client(SERVER_NAME="127.0.0.1", raise_request_exception=False)
            client.force_login(user)
            for path in paths:
                try:
                    status = client.get(path).status_code
                except Exception:  # every failure is reported, not the first
                    failures.append([user.email, path, traceback.format_exc(limit=3)])
                    continue
                if status >= 500:
                    failures.append([user.email, path, status])
                best[path] = min(best.get(path, 999), status)

    paths = [path.format(**ids) for path in json.loads(paths_json)]
    read_all(paths)
    admin = Actor.for_user(demo.company, demo.users["admin@demo.okrhub.test"])
    okr.cycle_close(company=demo.company, actor=admin, cycle=objective.cycle)
    closed = [f"closed:{path.format(**ids)}" for path in json.loads(closed_json)]
    read_all([path.removeprefix("closed:") for path in closed])
    unread = sorted(path for path, status in best.items() if status >= 400)
    views = (len(paths) + len(closed)) * len(demo.users)
    print(json.dumps({"views": views, "failures": failures, "read_by_nobody": unread}))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3]))
