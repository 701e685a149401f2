"""``manage.py rollup_check`` and ``rollup_repair`` (issue 13 item 18)."""

import io

import pytest
from django.core.management import CommandError, call_command

from conftest import make_team
from objectives.models import Objective
from tests.workers.helpers import cascade, stale_rows


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_check_lists_drift_and_repair_fixes_it_printing_rows_changed():
    team = make_team("repair")
    other = make_team("repair-other")
    top, (objective,), _ = cascade(team)
    cascade(other)
    Objective.objects.filter(pk__in=[top.pk, objective.pk]).update(progress=0.42)

    with pytest.raises(CommandError, match="2 rows drifted"):
        run("rollup_check", "repair")
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("rollup_check", "--all", stdout=out)
    assert "repair: 2 rows drifted" in out.getvalue()
    assert f"objective {objective.pk}: should be None" in out.getvalue()
    assert "repair-other: 0 rows drifted" in out.getvalue()
    assert stale_rows(team.company)  # checking wrote nothing

    assert run("rollup_repair", "repair") == "repair: 2 rows changed\ntotal: 2 rows changed\n"
    assert stale_rows(team.company) == []
    assert "total: 0 rows changed" in run("rollup_repair", "--all")
    assert run("rollup_check", "--all").endswith("total: 0 rows drifted\n")


@pytest.mark.django_db
@pytest.mark.parametrize("args", [(), ("repair", "--all"), ("no-such-company",)])
def test_the_commands_want_one_known_company_or_all(args):
    make_team("repair")
    for command in ("rollup_check", "rollup_repair"):
        with pytest.raises(CommandError):
            run(command, *args)
