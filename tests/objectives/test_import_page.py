"""The CSV import: every problem of every row, a preview with hints, and landing on the tree (issue 17.7)."""

from django.urls import reverse

from objectives.models import Objective
from objectives.transfer import okrs_import_csv
from tests.helpers import db_state

HEADER = "type,ref,title,cycle,department,parent,objective,owner,kind,direction,start,target,weight\n"


def test_every_problem_of_every_row_is_reported(team):
    text = HEADER + (
        # three problems in one objective row
        "objective,a,Grow,1999 Q1,nowhere,,,someone@else.test,,,,,heavy\n"
        # four problems in one key-result row
        "key_result,,Pipeline,,,,zzz,,shape,sideways,lots,,\n"
    )
    before = db_state()
    result = okrs_import_csv(company=team.company, actor=team.actor(team.admin), text=text, dry_run=True)
    found = {(e["row"], e["field"]) for e in result.errors}
    assert {(2, "cycle"), (2, "department"), (2, "owner"), (2, "weight")} <= found
    assert {(3, "objective"), (3, "kind"), (3, "direction"), (3, "start")} <= found
    assert db_state() == before


def test_header_reports_every_unknown_column(team):
    result = okrs_import_csv(company=team.company, actor=None, text="type,title,colour,size\n", dry_run=True)
    assert {e["field"] for e in result.errors} == {"colour", "size"}


GOOD = HEADER + (
    "objective,grow,Grow the Nordics,2026 Q4,,,,,,,,,\n"
    "key_result,,Run 5 workshops,,,,grow,,number,increase,0,5,\n"
    "key_result,,Raise NPS from 20 to 45,,,,grow,,number,increase,20,45,\n"
)


def test_valid_dry_run_shows_a_preview_table_with_quality_hints(team, client_for):
    url = reverse("objectives:import", args=[team.company.slug])
    response = client_for(team.admin).post(url, {"csv_text": GOOD, "intent": "check"})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<table class="preview">' in html
    preview = html.split('<table class="preview">', 1)[1].split("</table>", 1)[0]
    assert "Grow the Nordics" in preview
    assert "Raise NPS from 20 to 45" in preview
    # "Run 5 workshops" is an activity: the outcome check's hint shows in its row.
    workshops = preview.split("Run 5 workshops", 1)[1].split("</tr>", 1)[0]
    assert 'class="hint"' in workshops
    nps = preview.split("Raise NPS from 20 to 45", 1)[1].split("</tr>", 1)[0]
    assert 'class="hint"' not in nps


def test_import_lands_on_the_imported_cycles_tree(team, client_for):
    url = reverse("objectives:import", args=[team.company.slug])
    response = client_for(team.admin).post(url, {"csv_text": GOOD, "intent": "import"})
    assert response.status_code == 302
    assert response.url == reverse("alignment:tree", args=[team.company.slug]) + f"?cycle={team.cycle.pk}"
    assert Objective.objects.filter(company=team.company, title="Grow the Nordics").exists()
