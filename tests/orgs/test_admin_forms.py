"""Validation in the admin forms: the review chain and the catalogue tree stay inside one organisation."""

import pytest

from gongkai.catalogue.admin import CatalogueEntryForm
from gongkai.publishing.admin import ReviewStepForm
from gongkai.publishing.models import ReviewStep
from tests.factories import CatalogueEntryFactory, make_staff


def step_form(staff, **overrides):
    data = {
        "organization": staff.org.pk,
        "position": 9,
        "name": "补充审核",
        "role": "leader",
        "scope": "any",
        "department": "",
    }
    data.update(overrides)
    return ReviewStepForm(data=data)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role", ["department_head", "confidentiality_reviewer", "office_editor", "leader", "policy_reviewer"]
)
def test_review_step_accepts_each_workflow_role(role):
    staff = make_staff()
    form = step_form(staff, role=role)
    assert form.is_valid(), form.errors
    form.save()
    assert ReviewStep.objects.filter(organization=staff.org, position=9, role=role).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["drafter", "system_admin", "security_admin", "audit_admin", "boss", ""])
def test_review_step_refuses_a_role_outside_the_workflow(role):
    form = step_form(make_staff(), role=role)
    assert not form.is_valid()
    assert "role" in form.errors


@pytest.mark.django_db
def test_review_step_refuses_a_bad_role_with_a_clear_chinese_message():
    form = step_form(make_staff(), role="drafter")
    assert not form.is_valid()
    assert "审核角色必须是" in form.errors["role"][0]


@pytest.mark.django_db
def test_fixed_department_step_requires_a_department():
    staff = make_staff()
    form = step_form(staff, scope="department")
    assert not form.is_valid()
    assert "必须选择科室" in form.errors["department"][0]

    form = step_form(staff, scope="department", department=staff.policy.pk)
    assert form.is_valid(), form.errors


@pytest.mark.django_db
def test_fixed_department_must_belong_to_the_same_organisation():
    staff, other = make_staff(), make_staff()
    form = step_form(staff, scope="department", department=other.policy.pk)
    assert not form.is_valid()
    assert "本机构" in form.errors["department"][0]


@pytest.mark.django_db
@pytest.mark.parametrize("scope", ["lead_department", "any"])
def test_other_scopes_take_no_department(scope):
    staff = make_staff()
    form = step_form(staff, scope=scope, department=staff.dept.pk)
    assert not form.is_valid()
    assert "department" in form.errors


@pytest.mark.django_db
def test_review_step_position_stays_unique_in_the_organisation():
    staff = make_staff()
    taken = staff.org.review_steps.first().position
    form = step_form(staff, position=taken)
    assert not form.is_valid()


@pytest.mark.django_db
def test_review_step_admin_refuses_a_bad_step_and_changes_nothing(client, login):
    staff = make_staff()
    login(staff.system_admin)
    before = ReviewStep.objects.count()
    response = client.post(
        "/admin/publishing/reviewstep/add/",
        {
            "organization": staff.org.pk,
            "position": 9,
            "name": "起草",
            "role": "drafter",
            "scope": "department",
        },
    )
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert {"role", "department"} <= set(form.errors)
    assert ReviewStep.objects.count() == before


@pytest.mark.django_db
def test_catalogue_entry_parent_and_department_stay_in_the_organisation():
    staff, other = make_staff(), make_staff()
    data = {
        "organization": staff.org.pk,
        "code": "new",
        "name": "新目录",
        "ordering": 0,
        "update_frequency": "as_needed",
        "parent": other.entry.pk,
        "responsible_department": other.dept.pk,
    }
    form = CatalogueEntryForm(data=data)
    assert not form.is_valid()
    assert {"parent", "responsible_department"} <= set(form.errors)

    data.update(parent=staff.entry.pk, responsible_department=staff.dept.pk)
    assert CatalogueEntryForm(data=data).is_valid()


@pytest.mark.django_db
def test_catalogue_entry_cannot_become_its_own_ancestor():
    staff = make_staff()
    child = CatalogueEntryFactory(organization=staff.org, parent=staff.entry)
    data = {
        "organization": staff.org.pk,
        "code": staff.entry.code,
        "name": staff.entry.name,
        "ordering": 0,
        "update_frequency": "as_needed",
        "parent": child.pk,
    }
    form = CatalogueEntryForm(data=data, instance=staff.entry)
    assert not form.is_valid()
    assert "parent" in form.errors
