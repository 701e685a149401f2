"""The OKR pages: my key results and check-ins, department OKRs, drafting and activating, detail pages."""

import datetime

import pytest
from django.core import mail  # noqa: F401  (keeps the locmem backend imported for symmetry with other tests)
from django.urls import reverse
from django.utils import timezone

from companies.models import FocusMode
from departments.models import DepartmentRole
from objectives import services as okr
from objectives.models import CheckIn, KeyResult, KeyResultKind, Objective, ObjectiveStatus
from tests.factories import DepartmentFactory, DepartmentMembershipFactory, KeyResultFactory, ObjectiveFactory


def url(name, team, *args):
    namespace = "departments" if name in ("departments", "department") else "objectives"
    return reverse(f"{namespace}:{name}", args=[team.company.slug, *args])


@pytest.fixture
def cascade(team):
    """A company objective, a Sales objective laddering to it, and key results owned by the member."""
    top = okr.objective_create(
        company=team.company, actor=None, cycle=team.cycle, title="Expand into new markets", activate=True
    )
    sales = okr.objective_create(
        company=team.company,
        actor=None,
        cycle=team.cycle,
        department=team.department,
        owner=team.lead,
        parent=top,
        title="Close €5M in new business",
        activate=True,
    )
    kr = okr.key_result_create(
        company=team.company,
        actor=None,
        objective=sales,
        owner=team.member,
        title="Close €5M from Germany and France",
        kind=KeyResultKind.CURRENCY,
        currency="EUR",
        start_value=0,
        target_value=5_000_000,
    )
    return top, sales, kr


# ---------------------------------------------------------------- my key results


def test_my_key_results_lists_my_key_results_with_pace_and_a_checkin_form(team, cascade, client_for):
    _, sales, kr = cascade
    okr.key_result_create(
        company=team.company,
        actor=None,
        objective=sales,
        owner=team.lead,
        title="Raise win rate from 18 to 25",
        start_value=18,
        target_value=25,
    )
    html = client_for(team.member).get(url("my_key_results", team)).content.decode()
    assert kr.title in html
    assert "Raise win rate" not in html  # the lead's, not mine
    assert "target €5,000,000" in html  # no value yet
    assert "expected" in html
    assert f'id="kr-{kr.pk}"' in html
    assert f'name="kr{kr.pk}-value"' in html
    assert "No check-in yet" in html


def test_my_key_results_without_a_cycle_says_so(client_for, db):
    from tests.factories import CompanyFactory, MembershipFactory, UserFactory

    company = CompanyFactory(slug="empty")
    user = MembershipFactory(company=company, user=UserFactory()).user
    response = client_for(user).get(reverse("objectives:my_key_results", args=["empty"]))
    assert response.status_code == 200
    assert "no cycle yet" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_htmx_checkin_updates_the_row_and_the_objective_rollup(team, cascade, client_for):
    top, sales, kr = cascade
    client = client_for(team.member, htmx=True)
    response = client.post(
        url("check_in", team, kr.pk),
        {f"kr{kr.pk}-value": "2500000", f"kr{kr.pk}-confidence": "at_risk", f"kr{kr.pk}-note": "Two deals slipped."},
    )
    assert response.status_code == 200
    html = response.content.decode()
    # The row comes back with the new value and progress...
    assert html.lstrip().startswith(f'<li class="kr-row" id="kr-{kr.pk}"')
    assert "€2,500,000" in html
    assert ">50%<" in html
    assert "At risk" in html
    assert "Checked in." in html
    # ...and the objective's rolled-up progress as an out-of-band swap.
    assert f'id="objective-{sales.pk}-progress" data-progress="objective-{sales.pk}" hx-swap-oob="true"' in html
    sales.refresh_from_db()
    top.refresh_from_db()
    assert sales.progress == pytest.approx(0.5)
    assert top.progress == pytest.approx(0.5)
    # ...and so does "What the company is aiming for", with the company objective after the roll-up.
    goals = html[html.index('<section class="card company-goals" id="company-goals"') :]
    assert 'hx-swap-oob="true"' in goals.split(">", 1)[0]
    assert f'data-progress="company-{top.pk}"' in goals
    assert ">50%<" in goals.split(f'data-progress="company-{top.pk}"', 1)[1].split("</li>", 1)[0]
    checkin = CheckIn.objects.get(key_result=kr)
    assert checkin.note == "Two deals slipped."
    assert checkin.author == team.member


def test_plain_checkin_redirects_with_a_message(team, cascade, client_for):
    _, _, kr = cascade
    client = client_for(team.member)
    response = client.post(
        url("check_in", team, kr.pk), {f"kr{kr.pk}-value": "100", f"kr{kr.pk}-confidence": "on_track"}
    )
    assert response.status_code == 302
    assert response["Location"] == url("my_key_results", team)
    assert "Checked in on" in client.get(response["Location"]).content.decode()


def test_invalid_checkin_shows_the_error_next_to_the_field(team, cascade, client_for):
    _, _, kr = cascade
    response = client_for(team.member, htmx=True).post(
        url("check_in", team, kr.pk), {f"kr{kr.pk}-value": "lots", f"kr{kr.pk}-confidence": "on_track"}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert f'id="id_kr{kr.pk}-value_error"' in html
    assert 'aria-invalid="true"' in html
    assert not CheckIn.objects.exists()


def test_invalid_plain_checkin_rerenders_the_page_with_the_error(team, cascade, client_for):
    _, _, kr = cascade
    response = client_for(team.member).post(url("check_in", team, kr.pk), {f"kr{kr.pk}-confidence": "on_track"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "<h1>My key results</h1>" in html
    assert f'id="id_kr{kr.pk}-value_error"' in html


def test_service_error_on_a_milestone_value_lands_on_its_field(team, cascade, client_for):
    _, sales, _ = cascade
    milestone = okr.key_result_create(
        company=team.company,
        actor=None,
        objective=sales,
        owner=team.member,
        title="French version live",
        kind=KeyResultKind.MILESTONE,
    )
    response = client_for(team.member, htmx=True).post(
        url("check_in", team, milestone.pk), {f"kr{milestone.pk}-value": "1", f"kr{milestone.pk}-confidence": "bogus"}
    )
    assert response.status_code == 422
    assert f'id="id_kr{milestone.pk}-confidence_error"' in response.content.decode()


def test_viewer_sees_no_checkin_form_and_a_forged_post_is_refused(team, cascade, client_for):
    _, _sales, kr = cascade
    KeyResult.objects.filter(pk=kr.pk).update(owner=team.viewer)
    client = client_for(team.viewer)
    html = client.get(url("my_key_results", team)).content.decode()
    assert kr.title in html
    assert "Save check-in" not in html
    response = client.post(url("check_in", team, kr.pk), {f"kr{kr.pk}-value": "5", f"kr{kr.pk}-confidence": "on_track"})
    assert response.status_code == 403
    assert "do that here" in response.content.decode()
    # Even a malformed forged post is refused as such, not validated.
    assert client.post(url("check_in", team, kr.pk), {f"kr{kr.pk}-value": "x"}).status_code == 403
    assert not CheckIn.objects.exists()


# ---------------------------------------------------------------- tenancy


def test_another_companys_pages_answer_404(team, other_team, cascade, client_for):
    _top, sales, kr = cascade
    client = client_for(other_team.admin)
    for name, args in [
        ("my_key_results", ()),
        ("departments", ()),
        ("department", ("sales",)),
        ("objective", (sales.pk,)),
        ("objective_edit", (sales.pk,)),
        ("key_result", (kr.pk,)),
        ("key_result_edit", (kr.pk,)),
        ("objective_create", ()),
    ]:
        assert client.get(url(name, team, *args)).status_code == 404, name
    # Their own company's URLs with our ids: 404 too, and nothing is written.
    other = other_team
    assert client.get(url("objective", other, sales.pk)).status_code == 404
    assert client.get(url("key_result", other, kr.pk)).status_code == 404
    assert (
        client.post(
            url("check_in", other, kr.pk), {f"kr{kr.pk}-value": "1", f"kr{kr.pk}-confidence": "on_track"}
        ).status_code
        == 404
    )
    assert client.post(url("objective_status", other, sales.pk), {"status": "archived"}).status_code == 404
    assert client.post(url("key_result_delete", other, kr.pk)).status_code == 404
    assert not CheckIn.objects.exists()
    assert KeyResult.objects.filter(pk=kr.pk).exists()


def test_private_objective_is_404_for_people_outside_its_department(team, client_for):
    finance = DepartmentFactory(company=team.company, name="Finance", slug="finance")
    secret = ObjectiveFactory(company=team.company, cycle=team.cycle, department=finance, private=True, title="Layoffs")
    assert client_for(team.member).get(url("objective", team, secret.pk)).status_code == 404
    assert client_for(team.leader).get(url("objective", team, secret.pk)).status_code == 200
    assert "Layoffs" not in client_for(team.member).get(url("department", team, "finance")).content.decode()


# ---------------------------------------------------------------- department OKRs, drafting and activating


def test_department_page_shows_objectives_key_results_and_role_based_controls(team, cascade, client_for):
    _, sales, kr = cascade
    draft = okr.objective_create(
        company=team.company,
        actor=team.actor(team.member),
        cycle=team.cycle,
        department=team.department,
        title="Win the DACH mid-market",
    )
    member_html = client_for(team.member).get(url("department", team, "sales")).content.decode()
    assert sales.title in member_html
    assert kr.title in member_html
    assert draft.title in member_html
    assert "New objective" in member_html
    assert "Activate<" not in member_html  # members draft; leads activate
    lead_html = client_for(team.lead).get(url("department", team, "sales")).content.decode()
    assert "Activate<" in lead_html
    viewer_html = client_for(team.viewer).get(url("department", team, "sales")).content.decode()
    for control in ("New objective", "Activate<", "Edit<", "Add key result<", '<form method="post" action="/c/'):
        assert control not in viewer_html, control


def _objective_post(team, **extra):
    data = {
        "title": "Win the DACH mid-market",
        "description": "",
        "cycle": team.cycle.pk,
        "department": team.department.pk,
        "parent": "",
        "owner": "",
        "weight": "1",
    }
    data.update(extra)
    return data


def test_member_drafts_and_lead_activates(team, cascade, client_for):
    top, _, _ = cascade
    member = client_for(team.member)
    response = member.post(url("objective_create", team), _objective_post(team, parent=top.pk, intent="activate"))
    # A member cannot create it active: the service refuses.
    assert response.status_code == 403
    response = member.post(url("objective_create", team), _objective_post(team, parent=top.pk, intent="draft"))
    assert response.status_code == 302
    draft = Objective.objects.get(title="Win the DACH mid-market")
    assert draft.status == ObjectiveStatus.DRAFT
    assert draft.owner == team.member
    assert draft.parent == top
    assert member.post(url("objective_status", team, draft.pk), {"status": "active"}).status_code == 403
    draft.refresh_from_db()
    assert draft.status == ObjectiveStatus.DRAFT
    lead = client_for(team.lead)
    response = lead.post(
        url("objective_status", team, draft.pk), {"status": "active", "next": url("department", team, "sales")}
    )
    assert response.status_code == 302
    assert response["Location"] == url("department", team, "sales")
    draft.refresh_from_db()
    assert draft.status == ObjectiveStatus.ACTIVE


def test_objective_form_errors_show_next_to_their_fields(team, cascade, client_for):
    client = client_for(team.lead, htmx=True)
    response = client.post(url("objective_create", team), _objective_post(team, title=""))
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_title_error"' in html
    # A service rule (laddering across departments) lands on the parent field.
    marketing = DepartmentFactory(company=team.company, name="Marketing", slug="marketing")
    other_dept_objective = ObjectiveFactory(company=team.company, cycle=team.cycle, department=marketing)
    response = client.post(url("objective_create", team), _objective_post(team, parent=other_dept_objective.pk))
    assert response.status_code == 422
    assert 'id="id_parent_error"' in response.content.decode()
    assert not Objective.objects.filter(title="Win the DACH mid-market").exists()


def test_focus_limit_in_block_mode_refuses_with_the_reason(team, cascade, client_for):
    team.company.focus_mode = FocusMode.BLOCK
    team.company.max_objectives_per_department = 1
    team.company.save()
    response = client_for(team.lead).post(url("objective_create", team), _objective_post(team, intent="activate"))
    assert response.status_code == 422
    assert "keeps it to 1" in response.content.decode()


def test_successful_htmx_form_post_redirects_the_whole_page(team, cascade, client_for):
    top, _, _ = cascade
    response = client_for(team.lead, htmx=True).post(
        url("objective_create", team), _objective_post(team, parent=top.pk, intent="activate")
    )
    objective = Objective.objects.get(title="Win the DACH mid-market")
    assert objective.status == ObjectiveStatus.ACTIVE
    assert response.status_code == 200
    assert response["HX-Redirect"] == url("objective", team, objective.pk)


def test_edit_objective_and_reparent(team, cascade, client_for):
    top, sales, _ = cascade
    client = client_for(team.lead)
    html = client.get(url("objective_edit", team, sales.pk)).content.decode()
    assert f'value="{top.pk}" selected' in html
    data = _objective_post(team, title="Close €6M in new business", parent="")
    data.pop("cycle")
    response = client.post(url("objective_edit", team, sales.pk), data)
    assert response.status_code == 302
    sales.refresh_from_db()
    assert sales.title == "Close €6M in new business"
    assert sales.parent is None
    # The missing parent is flagged after saving.
    assert "ladders up to nothing" in client.get(response["Location"]).content.decode()


def test_member_cannot_open_the_edit_form_of_an_active_objective(team, cascade, client_for):
    _, sales, _ = cascade
    assert client_for(team.member).get(url("objective_edit", team, sales.pk)).status_code == 403
    assert client_for(team.viewer).get(url("objective_create", team)).status_code == 403


# ---------------------------------------------------------------- key results, hints and the parent picker


def _kr_post(**extra):
    data = {
        "title": "Raise win rate from 18% to 25%",
        "kind": "percent",
        "direction": "increase",
        "start_value": "18",
        "target_value": "25",
        "unit": "",
        "currency": "",
        "weight": "1",
        "owner": "",
    }
    data.update(extra)
    return data


def test_lead_adds_edits_and_deletes_a_key_result(team, cascade, client_for):
    _, sales, _ = cascade
    client = client_for(team.lead)
    response = client.post(url("key_result_create", team, sales.pk), _kr_post())
    assert response.status_code == 302
    kr = KeyResult.objects.get(title="Raise win rate from 18% to 25%")
    assert kr.unit == "%"
    assert kr.owner == team.lead
    response = client.post(url("key_result_edit", team, kr.pk), _kr_post(target_value="30"))
    assert response.status_code == 302
    kr.refresh_from_db()
    assert kr.target_value == 30
    assert client.post(url("key_result_delete", team, kr.pk)).status_code == 302
    assert not KeyResult.objects.filter(pk=kr.pk).exists()


def test_key_result_errors_land_on_their_fields(team, cascade, client_for):
    _, sales, _ = cascade
    client = client_for(team.lead, htmx=True)
    response = client.post(url("key_result_create", team, sales.pk), _kr_post(target_value="10"))
    assert response.status_code == 422
    assert 'id="id_target_value_error"' in response.content.decode()
    response = client.post(url("key_result_create", team, sales.pk), _kr_post(kind="currency", currency="euro"))
    assert response.status_code == 422
    assert 'id="id_currency_error"' in response.content.decode()
    response = client.post(
        url("key_result_create", team, sales.pk), _kr_post(kind="milestone", start_value="", target_value="")
    )
    assert response.status_code == 200  # a milestone needs no numbers
    assert KeyResult.objects.filter(objective=sales, kind="milestone").exists()


def test_live_hints_flag_activity_key_results_and_focus(team, cascade, client_for):
    _, sales, _ = cascade
    client = client_for(team.lead, htmx=True)
    html = client.get(
        url("key_result_hints", team), {"title": "Send out 3 surveys", "objective": sales.pk}
    ).content.decode()
    assert "describes an activity" in html
    assert "Increase customer satisfaction" in html
    html = client.get(
        url("key_result_hints", team), {"title": "Raise CSAT from 72 to 85", "objective": sales.pk}
    ).content.decode()
    assert "activity" not in html
    html = client.get(
        url("objective_hints", team), {"department": team.department.pk, "cycle": team.cycle.pk}
    ).content.decode()
    assert "ladders up to nothing" in html
    team.company.max_objectives_per_department = 1
    team.company.save()
    html = client.get(
        url("objective_hints", team), {"department": team.department.pk, "cycle": team.cycle.pk}
    ).content.decode()
    assert "keeps it to 1" in html


def test_parent_picker_searches_company_and_enclosing_department_objectives(team, cascade, client_for):
    top, sales, _ = cascade
    other = okr.objective_create(
        company=team.company, actor=None, cycle=team.cycle, title="Delight customers", activate=True
    )
    marketing = DepartmentFactory(company=team.company, name="Marketing", slug="marketing")
    ObjectiveFactory(company=team.company, cycle=team.cycle, department=marketing, title="Expand the Marketing reach")
    client = client_for(team.member, htmx=True)
    params = {"department": team.department.pk, "cycle": team.cycle.pk, "parent_search": "expand"}
    html = client.get(url("parent_options", team), params).content.decode()
    assert top.title in html
    assert other.title not in html
    assert "Marketing reach" not in html  # another department: a dependency, not a parent
    html = client.get(url("parent_options", team), {**params, "parent_search": "", "parent": top.pk}).content.decode()
    assert f'value="{top.pk}" selected' in html
    assert sales.title in html


# ---------------------------------------------------------------- detail pages


def test_objective_detail_shows_key_results_history_dependencies_and_chart(team, cascade, client_for):
    top, sales, kr = cascade
    marketing = DepartmentFactory(company=team.company, name="Marketing", slug="marketing")
    leads = ObjectiveFactory(
        company=team.company, cycle=team.cycle, department=marketing, parent=top, title="Generate 1,000 leads"
    )
    okr.dependency_create(
        company=team.company, actor=None, from_objective=sales, to_objective=leads, note="Pipeline comes from leads"
    )
    okr.checkin_create(
        company=team.company, actor=None, key_result=kr, value=1_000_000, confidence="on_track", note="First deal"
    )
    html = client_for(team.viewer).get(url("objective", team, sales.pk)).content.decode()
    assert kr.title in html
    assert "First deal" in html
    assert "€1,000,000" in html
    assert "Generate 1,000 leads" in html
    assert "Pipeline comes from leads" in html
    assert '<svg viewBox="0 0 640 240" role="img"' in html
    assert '<polyline class="actual ' in html
    assert "Expected pace" in html
    # A viewer gets no edit controls.
    for control in ("Edit objective", "Add key result", "Add dependency", "Activate<", "Archive<"):
        assert control not in html, control
    lead_html = client_for(team.lead).get(url("objective", team, sales.pk)).content.decode()
    assert "Edit objective" in lead_html
    assert "Add dependency" in lead_html
    assert "Archive<" in lead_html


def test_lead_adds_a_dependency_and_bad_input_is_reported(team, cascade, client_for):
    top, sales, _ = cascade
    marketing = DepartmentFactory(company=team.company, name="Marketing", slug="marketing")
    leads = ObjectiveFactory(company=team.company, cycle=team.cycle, department=marketing, title="Generate leads")
    client = client_for(team.lead)
    response = client.post(url("dependency_add", team, sales.pk), {"to_objective": leads.pk, "note": "leads"})
    assert response.status_code == 302
    assert sales.dependencies.filter(to_objective=leads).exists()
    response = client.post(url("dependency_add", team, sales.pk), {"to_objective": leads.pk}, follow=True)
    assert "already exists" in response.content.decode()
    assert (
        client_for(team.viewer).post(url("dependency_add", team, sales.pk), {"to_objective": top.pk}).status_code == 403
    )


def test_key_result_detail_has_chart_and_history(team, cascade, client_for):
    _, _, kr = cascade
    okr.checkin_create(
        company=team.company, actor=None, key_result=kr, value=500_000, confidence="at_risk", note="Slow start"
    )
    html = client_for(team.member).get(url("key_result", team, kr.pk)).content.decode()
    assert "Slow start" in html
    assert "€500,000" in html
    assert "Actual versus expected progress" in html
    assert "Progress 10% after 1 check-in;" in html
    assert "Save check-in" in html
    assert "Save check-in" not in client_for(team.viewer).get(url("key_result", team, kr.pk)).content.decode()


# ---------------------------------------------------------------- query counts at two data sizes


def grow(team, n):
    """n more Sales objectives with key results and check-ins owned by the member."""
    for i in range(n):
        objective = ObjectiveFactory(company=team.company, cycle=team.cycle, department=team.department, title=f"O{i}")
        for j in range(2):
            kr = KeyResultFactory(
                company=team.company, objective=objective, owner=team.member, title=f"Raise thing {i}.{j} from 0 to 100"
            )
            okr.checkin_create(
                company=team.company, actor=None, key_result=kr, value=10 * j, confidence="at_risk", note="n"
            )


def pile_checkins(team, kr, n):
    """``n`` earlier check-ins on ``kr``, a day apart, by three different people."""
    authors = [team.member, team.lead, team.admin]
    first = timezone.now() - datetime.timedelta(days=n)
    CheckIn.objects.bulk_create(
        CheckIn(
            company=team.company,
            key_result=kr,
            author=authors[i % len(authors)],
            value=i,
            confidence="on_track",
            note=f"Check-in {i}",
            created_at=first + datetime.timedelta(days=i),
        )
        for i in range(n)
    )


#: (size, check-ins on the measured key result): the large size measures a key result with a long history.
SIZES = [(1, 1), (8, 50)]


@pytest.mark.parametrize(("size", "checkins"), SIZES)
@pytest.mark.parametrize(
    ("page", "budget"),
    [
        # Every page: session, user, membership, department roles, the header's company list (5).
        # The member is not a direct lead, so the permission check walks the department tree once (+1).
        # my key results: + cycles, key results with their objectives, company objectives
        ("my_key_results", 9),
        # departments: + cycles, departments, objective progress per department, department tree (visibility)
        ("departments", 9),
        # department: + department, cycles, objectives, key results (prefetch), department tree, focus count,
        # its recent activity (events with their actors, the objectives the sentences name)
        ("department", 13),
        # objective: + objective, key results, children, dependencies, dependents, check-ins, department tree,
        # its change history (with the people who made the changes), its recent activity (events, named objectives),
        # similar work elsewhere (computed: enclosing cycles, objectives, key results, links, dismissals),
        # its shared key results both ways (one query)
        ("objective", 21),
        # key result: + key result, check-ins, department tree, change history, the objectives it is shared with
        ("key_result", 10),
        # activity: + department tree (visibility), the events with their actors, objectives and key results,
        # the objectives their sentences name (the dependencies' targets)
        ("activity", 8),
    ],
)
def test_page_query_counts_do_not_grow_with_data(
    team, cascade, client_for, django_assert_num_queries, page, budget, size, checkins
):
    _, sales, kr = cascade
    grow(team, size)
    pile_checkins(team, kr, checkins)
    for i in range(size):
        okr.checkin_create(company=team.company, actor=None, key_result=kr, value=i * 1000, confidence="on_track")
        child = ObjectiveFactory(company=team.company, cycle=team.cycle, department=team.department, parent=sales)
        okr.dependency_create(company=team.company, actor=None, from_objective=sales, to_objective=child)
        # Shared key results both ways: the child's followed by the objective, the objective's by the child.
        theirs = KeyResultFactory(company=team.company, objective=child)
        okr.shared_key_result_create(company=team.company, actor=None, objective=sales, key_result=theirs)
        okr.shared_key_result_create(company=team.company, actor=None, objective=child, key_result=kr)
    args = {"department": ("sales",), "objective": (sales.pk,), "key_result": (kr.pk,)}.get(page, ())
    client = client_for(team.member)
    with django_assert_num_queries(budget):
        response = client.get(url(page, team, *args))
    assert response.status_code == 200


def test_lead_of_a_parent_department_manages_its_teams(team, client_for):
    emea = DepartmentFactory(company=team.company, name="EMEA Sales", slug="emea", parent=team.department)
    draft = ObjectiveFactory(company=team.company, cycle=team.cycle, department=emea, status=ObjectiveStatus.DRAFT)
    DepartmentMembershipFactory(company=team.company, department=emea, user=team.viewer, role=DepartmentRole.MEMBER)
    html = client_for(team.lead).get(url("department", team, "emea")).content.decode()
    assert "Activate<" in html
    assert client_for(team.lead).post(url("objective_status", team, draft.pk), {"status": "active"}).status_code == 302


@pytest.mark.parametrize("size", [1, 8])
def test_form_page_query_counts_do_not_grow_with_data(team, cascade, client_for, django_assert_num_queries, size):
    _, sales, _ = cascade
    grow(team, size)
    for i in range(size):
        okr.objective_create(
            company=team.company, actor=None, cycle=team.cycle, title=f"Company goal {i}", activate=True
        )
        DepartmentFactory(company=team.company)
    client = client_for(team.lead)
    # Common five (session, user, membership, department roles, header companies), then the department
    # tree for the permission walk, the draftable departments (ids, exists, the list the department
    # select shows), cycles, the parent candidates' department tree, the focus-limit count and the
    # other selects' querysets
    with django_assert_num_queries(16):
        assert client.get(url("objective_create", team) + f"?department={team.department.pk}").status_code == 200
    # Common five, objective, department tree (permission), departments, parent candidates (2),
    # the department tree of the visibility rule, and the selects: department, owner
    with django_assert_num_queries(12):
        assert client.get(url("objective_edit", team, sales.pk)).status_code == 200
    # Common five, objective, key-result count (focus hint), the owner select
    with django_assert_num_queries(8):
        assert client.get(url("key_result_create", team, sales.pk)).status_code == 200


@pytest.mark.parametrize(("size", "checkins"), SIZES)
def test_checkin_query_count_does_not_grow_with_data(
    team, cascade, client_for, django_assert_num_queries, size, checkins
):
    _, _, kr = cascade
    grow(team, size)
    pile_checkins(team, kr, checkins)
    assert kr.checkins.count() == checkins
    client = client_for(team.member, htmx=True)
    data = {f"kr{kr.pk}-value": "100", f"kr{kr.pk}-confidence": "on_track"}
    # Resolving the member (4), the key result and the permission walk, the service's savepoint, lock,
    # the fresh read of objective and cycle after the lock, insert and update, the key result's audit
    # history row, and the re-read for the row; constant whatever the company's size. Its own objective
    # is recomputed in the transaction: lock, its key results, its child objectives, update (4). (The
    # ancestors' roll-up runs on commit, outside the test transaction; the service no longer spends three
    # round trips on Django's query-based check of the confidence constraint.) Then the page's other
    # figures, sent out of band: the actor's objectives and the company objectives, one query each.
    # The check-in's event row (objectives.events) is written in the same transaction (+1).
    with django_assert_num_queries(21):
        assert client.post(url("check_in", team, kr.pk), data).status_code == 200


def test_pages_have_no_inline_script_or_style(team, cascade, client_for):
    """Ready for a strict Content-Security-Policy: scripts are files, styles live in the stylesheet."""
    import re

    _, sales, kr = cascade
    client = client_for(team.admin)
    paths = [
        url("my_key_results", team),
        url("departments", team),
        url("department", team, "sales"),
        url("objective", team, sales.pk),
        url("objective_edit", team, sales.pk),
        url("key_result", team, kr.pk),
        url("key_result_edit", team, kr.pk),
        reverse("alignment:tree", args=[team.company.slug]),
        reverse("alignment:gaps", args=[team.company.slug]),
        reverse("companies:settings", args=[team.company.slug]),
        reverse("profile"),
    ]
    for path in paths:
        html = client.get(path).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), path
        assert " style=" not in html, path
        assert "<style" not in html, path
        assert re.search(r" on[a-z]+=", html) is None, path


# ---------------------------------------------------------------- the outcome check on pages (DESIGN §1)


def test_use_this_suggestion_fills_the_title_and_saves_nothing(team, cascade, client_for):
    _, sales, _ = cascade
    client = client_for(team.lead)
    html = client.get(
        url("key_result_hints", team), {"title": "Launch 5 campaigns", "objective": sales.pk}
    ).content.decode()
    assert 'name="use_suggestion" value="Increase qualified leads from campaigns from X to Y"' in html
    count = KeyResult.objects.count()
    for htmx in (False, True):
        response = client_for(team.lead, htmx=htmx).post(
            url("key_result_create", team, sales.pk),
            _kr_post(
                title="Launch 5 campaigns",
                target_value="",
                unit="campaigns",
                use_suggestion="Increase qualified leads from campaigns from X to Y",
            ),
        )
        assert response.status_code == 200
        html = response.content.decode()
        assert 'value="Increase qualified leads from campaigns from X to Y"' in html
        assert 'value="campaigns"' in html  # what else was typed stays
        assert "data-focus-after-swap" in html
        assert "describes an activity" not in html
        assert "errorlist" not in html  # not a save attempt: no errors for the empty target
    assert KeyResult.objects.count() == count


def test_use_this_suggestion_needs_edit_rights(team, cascade, client_for):
    _, sales, _ = cascade
    response = client_for(team.viewer).post(
        url("key_result_create", team, sales.pk), _kr_post(use_suggestion="Increase leads from X to Y")
    )
    assert response.status_code == 403


def test_live_hints_consider_the_kind_and_unit(team, cascade, client_for):
    _, sales, _ = cascade
    client = client_for(team.lead, htmx=True)
    params = {"title": "Deliver 300k in savings", "objective": sales.pk}
    assert "describes an activity" in client.get(url("key_result_hints", team), params).content.decode()
    params["kind"] = "currency"
    assert "describes an activity" not in client.get(url("key_result_hints", team), params).content.decode()
    params = {"title": "Customer outreach", "unit": "calls", "objective": sales.pk}
    assert "describes an activity" in client.get(url("key_result_hints", team), params).content.decode()


def test_saved_activity_key_result_keeps_its_hint_on_its_pages(team, cascade, client_for):
    _, sales, kr = cascade
    activity = okr.key_result_create(
        company=team.company, actor=None, objective=sales, title="Hire 3 SDRs", target_value=3, unit="SDRs"
    )
    lead, member = client_for(team.lead), client_for(team.member)
    edit = url("key_result_edit", team, activity.pk)
    suggestion_link = f"{edit}?title=Grow%20qualified%20sales%20pipeline%20from%20%E2%82%ACX%20to%20%E2%82%ACY"
    for page in (
        url("key_result", team, activity.pk),
        url("objective", team, sales.pk),
        url("department", team, "sales"),
    ):
        html = lead.get(page).content.decode()
        assert "“Hire 3 SDRs” describes an activity" in html, page
        assert "Grow qualified sales pipeline from €X to €Y" in html
        assert suggestion_link in html
        assert "describes an activity" not in html.replace("“Hire 3 SDRs” describes an activity", ""), page
    # Readers see the hint without the link to change it.
    html = member.get(url("key_result", team, activity.pk)).content.decode()
    assert "describes an activity" in html
    assert suggestion_link not in html
    # An outcome key result gets no hint.
    assert "describes an activity" not in lead.get(url("key_result", team, kr.pk)).content.decode()
    # The link opens the edit form with the suggestion in the title and the rest unchanged.
    html = lead.get(suggestion_link).content.decode()
    assert 'value="Grow qualified sales pipeline from €X to €Y"' in html
    assert 'value="SDRs"' in html
    activity.refresh_from_db()
    assert activity.title == "Hire 3 SDRs"


def test_saving_an_activity_key_result_flashes_the_hint_and_its_suggestion(team, cascade, client_for):
    _, sales, _ = cascade
    response = client_for(team.lead).post(
        url("key_result_create", team, sales.pk),
        _kr_post(title="Have 10 customer calls", start_value="0", target_value="10", kind="number"),
        follow=True,
    )
    html = response.content.decode()
    assert "“Have 10 customer calls” describes an activity" in html
    assert "Try an outcome instead: “Grow qualified pipeline from €X to €Y”" in html


def test_activating_an_objective_repeats_its_key_results_hints(team, cascade, client_for):
    top, _, _ = cascade
    draft = okr.objective_create(
        company=team.company, actor=None, cycle=team.cycle, department=team.department, parent=top, title="Win DACH"
    )
    for title in ("Launch 5 campaigns", "Raise win rate from 18% to 25%", "Ship the new onboarding flow"):
        okr.key_result_create(company=team.company, actor=None, objective=draft, title=title, target_value=30)
    response = client_for(team.lead).post(
        url("objective_status", team, draft.pk),
        {"status": "active", "next": url("department", team, "sales")},
        follow=True,
    )
    html = response.content.decode()
    assert "“Win DACH” activated" in html
    assert "“Launch 5 campaigns” describes an activity" in html
    assert "“Ship the new onboarding flow” describes an activity" in html
    assert "“Raise win rate from 18% to 25%” describes" not in html
