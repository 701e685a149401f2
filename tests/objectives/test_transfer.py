"""Export a company's OKR data (JSON, CSV) and import objectives and key results from CSV."""

import csv
import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from objectives.models import KeyResult, Objective, SharedKeyResult
from tests.api.conftest import build_world
from tests.helpers import db_state

GOOD_CSV = """type,ref,title,cycle,department,parent,objective,owner,activate,kind,direction,start,target,unit
objective,grow,Grow the Nordics,2026 Q4,,,,leader@acme.test,yes,,,,,
objective,se,Win Sweden,2026 Q4,sales,grow,,lead@acme.test,no,,,,,
key_result,,Grow pipeline from 0 to 40 deals,,,,se,member@acme.test,,number,increase,0,40,deals
key_result,,Raise NPS from 20 to 45,,,,grow,,,number,increase,20,45,points
"""

BAD_CSV = """type,ref,title,cycle,department,parent,objective,owner,kind,start,target
objective,a,Fine objective,2026 Q4,,,,,,,
objective,b,,2026 Q4,,,,,,,
objective,c,Wrong cycle,1999 Q1,,,,,,,
key_result,,Pipeline,,,,zzz,,,,
key_result,,Start equals target,,,,a,,number,5,5
key_result,,Owner from elsewhere,,,,a,someone@globex.test,number,0,5
"""


@pytest.fixture
def worlds(team, other_team):
    return build_world(team), build_world(other_team)


def test_json_export_holds_the_whole_company_and_nothing_else(worlds, api):
    acme, _ = worlds
    for world in worlds:  # a key result of Sales shared into the company objective, in both companies
        kr = KeyResult.objects.get(company=world.team.company)
        company_objective = Objective.objects.get(company=world.team.company, title="Grow revenue")
        SharedKeyResult.objects.create(company=world.team.company, objective=company_objective, key_result=kr)
    response = api(acme.team.admin).get(f"/api/v1/companies/{acme.slug}/export/")
    assert response.status_code == 200
    data = response.json()
    assert data["company"]["slug"] == "acme"
    assert {o["id"] for o in data["objectives"]} == set(
        Objective.objects.filter(company=acme.team.company).values_list("id", flat=True)
    )
    assert len(data["key_results"]) == 1
    assert len(data["check_ins"]) == 1
    assert len(data["dependencies"]) == 1
    (shared,) = data["shared_key_results"]
    assert shared["key_result_id"] == KeyResult.objects.get(company=acme.team.company).pk
    assert shared["objective_id"] == Objective.objects.get(company=acme.team.company, title="Grow revenue").pk
    assert {m["user_email"] for m in data["members"]} >= {"admin@acme.test", "viewer@acme.test"}
    assert "globex" not in json.dumps(data)


def test_csv_export_is_a_zip_of_tables(worlds, api):
    acme, _ = worlds
    response = api(acme.team.admin).get(f"/api/v1/companies/{acme.slug}/export/csv/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert "objectives.csv" in archive.namelist()
    objectives = archive.read("objectives.csv").decode()
    assert objectives.splitlines()[0].startswith("id,cycle_id,department_id,owner_email,parent_id,title")
    assert "Close new business" in objectives
    assert "globex" not in "".join(archive.read(name).decode() for name in archive.namelist())


@pytest.mark.parametrize("role", ["leader", "viewer"])
def test_only_admins_export_and_import(worlds, api, api_key, role):
    acme, _ = worlds
    client = api(getattr(acme.team, role))
    assert client.get(f"/api/v1/companies/{acme.slug}/export/").status_code == 403
    assert client.post(f"/api/v1/companies/{acme.slug}/import/", {"csv": GOOD_CSV}).status_code == 403
    keyed = api(key=api_key(acme.team.company, "write"))
    assert keyed.get(f"/api/v1/companies/{acme.slug}/export/").status_code == 403


@pytest.mark.usefixtures("worlds")
def test_export_command_writes_json_and_csv(tmp_path, capsys):
    call_command("export_company", "acme")
    data = json.loads(capsys.readouterr().out)
    assert len(data["objectives"]) == 3
    target = tmp_path / "acme.zip"
    call_command("export_company", "acme", "--csv", "-o", str(target))
    assert "key_results.csv" in zipfile.ZipFile(target).namelist()
    with pytest.raises(CommandError):
        call_command("export_company", "nope")


def test_import_dry_run_reports_and_changes_nothing_then_commit_creates(worlds, api):
    acme, _ = worlds
    client = api(acme.team.admin)
    url = f"/api/v1/companies/{acme.slug}/import/"
    before = db_state()
    dry = client.post(url, {"csv": GOOD_CSV}, format="json")
    assert dry.status_code == 200, dry.content
    assert dry.json() == {
        "dry_run": True,
        "applied": False,
        "created": {"objectives": 2, "key_results": 2},
        "errors": [],
    }
    assert db_state() == before
    done = client.post(url, {"csv": GOOD_CSV, "dry_run": False}, format="json")
    assert done.status_code == 200
    assert done.json()["applied"] is True
    sweden = Objective.objects.get(company=acme.team.company, title="Win Sweden")
    assert sweden.parent.title == "Grow the Nordics"
    assert sweden.status == "draft"
    assert sweden.owner == acme.team.lead
    assert KeyResult.objects.get(objective=sweden).target_value == 40


def test_import_with_bad_rows_names_each_and_imports_nothing(worlds, api):
    acme, _ = worlds
    before = db_state()
    response = api(acme.team.admin).post(
        f"/api/v1/companies/{acme.slug}/import/", {"csv": BAD_CSV, "dry_run": False}, format="json"
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields >= {"rows[3].title", "rows[4].cycle", "rows[5].objective", "rows[6].target", "rows[7].owner"}
    assert not any(f.startswith("rows[2]") for f in fields)  # the good row is fine, but not imported alone
    assert db_state() == before


def test_import_command_dry_runs_by_default(worlds, tmp_path, capsys):
    acme, _ = worlds
    good = tmp_path / "okrs.csv"
    good.write_text(GOOD_CSV)
    before = db_state()
    call_command("import_okrs", "acme", str(good))
    assert "would import 2 objectives and 2 key results" in capsys.readouterr().out
    assert db_state() == before
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD_CSV)
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_okrs", "acme", str(bad), "--commit")
    assert db_state() == before
    call_command("import_okrs", "acme", str(good), "--commit", "--as", "admin@acme.test")
    assert Objective.objects.filter(company=acme.team.company, title="Win Sweden").exists()


def test_import_page_checks_then_imports(worlds, client_for):
    acme, _ = worlds
    url = f"/c/{acme.slug}/import/"
    admin = client_for(acme.team.admin)
    assert admin.get(url).status_code == 200
    assert client_for(acme.team.viewer).get(url).status_code == 403
    before = db_state()
    checked = admin.post(url, {"csv_text": GOOD_CSV, "intent": "check"})
    assert checked.status_code == 200
    html = checked.content.decode()
    assert "it would import 2 objectives" in html
    assert 'value="import"' in html
    assert db_state() == before
    bad = admin.post(url, {"csv_text": BAD_CSV, "intent": "import"})
    assert bad.status_code == 422
    assert "Row 4, cycle" in bad.content.decode()
    assert db_state() == before
    upload = SimpleUploadedFile("okrs.csv", GOOD_CSV.encode(), content_type="text/csv")
    done = admin.post(url, {"csv_file": upload, "intent": "import"})
    assert done.status_code == 302
    assert Objective.objects.filter(company=acme.team.company, title="Win Sweden").exists()


FORMULAS = ['=HYPERLINK("http://evil.test","x")', "@SUM(A1:A9)", "+1+cmd|' /C calc'!A0", "-2+3", "\tTAB", "\rCR"]


def test_csv_export_neutralises_formulas_but_keeps_numbers(worlds, api):
    acme, _ = worlds
    objectives = list(Objective.objects.filter(company=acme.team.company).order_by("id")[: len(FORMULAS)])
    for objective, formula in zip(objectives, FORMULAS, strict=False):
        Objective.objects.filter(pk=objective.pk).update(title=formula, description=formula)
    KeyResult.objects.filter(pk=acme.kr.pk).update(title="-5", start_value=-5, unit="=1+1")
    response = api(acme.team.admin).get(f"/api/v1/companies/{acme.slug}/export/csv/")
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    rows = {int(row["id"]): row for row in csv.DictReader(io.StringIO(archive.read("objectives.csv").decode()))}
    for objective, formula in zip(objectives, FORMULAS, strict=False):
        assert rows[objective.pk]["title"] == "'" + formula
        assert rows[objective.pk]["description"] == "'" + formula
    (kr,) = csv.DictReader(io.StringIO(archive.read("key_results.csv").decode()))
    assert (kr["title"], kr["start_value"], kr["unit"]) == ("-5", "-5.0000", "'=1+1")


def test_import_reads_neutralised_cells_back(worlds, api):
    acme, _ = worlds
    text = (
        "type,ref,title,cycle,objective,kind,direction,start,target,unit\n"
        "objective,o,'=Grow 2x,2026 Q4,,,,,,\n"
        "key_result,,'-Cut churn,,o,number,decrease,'-5,-20,'@pts\n"
    )
    response = api(acme.team.admin).post(
        f"/api/v1/companies/{acme.slug}/import/", {"csv": text, "dry_run": False}, format="json"
    )
    assert response.json()["applied"] is True, response.content
    objective = Objective.objects.get(company=acme.team.company, title="=Grow 2x")
    kr = KeyResult.objects.get(objective=objective)
    assert (kr.title, kr.start_value, kr.target_value, kr.unit) == ("-Cut churn", -5, -20, "@pts")
