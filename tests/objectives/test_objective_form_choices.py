"""The new-objective form offers only departments the person may save in (issue 17.6)."""

from django.urls import reverse

from tests.factories import DepartmentFactory


def _create_url(team):
    return reverse("objectives:objective_create", args=[team.company.slug])


def test_member_is_not_offered_company_level_and_defaults_to_own_department(team, client_for):
    DepartmentFactory(company=team.company, name="Marketing", slug="marketing")
    response = client_for(team.member).get(_create_url(team))
    assert response.status_code == 200
    form = response.context["form"]
    choices = [label for _, label in form.fields["department"].choices]
    assert "Company-level" not in choices
    assert choices == ["Sales"]
    html = response.content.decode()
    assert "Company-level" not in html
    assert f'<option value="{team.department.pk}" selected>Sales</option>' in html


def test_admin_is_offered_company_level(team, client_for):
    response = client_for(team.admin).get(_create_url(team))
    assert "Company-level" in [label for _, label in response.context["form"].fields["department"].choices]


def test_member_posting_without_department_gets_a_field_error(team, client_for):
    response = client_for(team.member).post(
        _create_url(team), {"title": "Win", "cycle": team.cycle.pk, "department": "", "weight": "1"}
    )
    assert response.status_code == 422
    assert "department" in response.context["form"].errors
