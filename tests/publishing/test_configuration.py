"""Per-organisation configuration that the workflow relies on: index patterns and the review chain."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from gongkai.orgs.constants import Role
from gongkai.orgs.models import validate_index_pattern
from gongkai.publishing import services
from gongkai.publishing.constants import StepScope
from gongkai.publishing.models import ReviewStep
from tests.factories import make_draft, make_published, make_staff
from tests.orgs.factories import DepartmentFactory, OrganizationFactory


@pytest.mark.parametrize(
    "pattern",
    [
        "{org_code}/{year}-{serial:05d}",
        "{org_code}-0001-{serial:05d}",  # the seed's own form, jz-lfw-0001-00012: no year
        "{org_code}/{serial}",
    ],
)
def test_valid_index_patterns(pattern):
    validate_index_pattern(pattern)


@pytest.mark.parametrize(
    "pattern",
    [
        "jz-lfw/{year}-{serial:05d}",  # a fixed code could collide with another organisation's numbers
        "{org_code}/{year}",  # no serial: every item would get the same number
        "{org_code}/{serial}/{month}",
        "{org_code}/{serial:05q}",
        "{org_code}/{serial",
    ],
)
def test_invalid_index_patterns_are_refused_in_chinese(pattern):
    with pytest.raises(ValidationError) as error:
        validate_index_pattern(pattern)
    assert "索引号格式" in str(error.value)


@pytest.mark.django_db
def test_a_pattern_without_a_year_numbers_on_across_years():
    staff = make_staff()
    staff.org.index_pattern = "{org_code}-0001-{serial:05d}"
    staff.org.save()
    first = make_published(staff, formed_on=datetime.date(2025, 12, 30))
    second = make_published(staff, formed_on=datetime.date(2026, 1, 5))
    assert first.index_number == f"{staff.org.code}-0001-00001"
    assert second.index_number == f"{staff.org.code}-0001-00002"


@pytest.mark.django_db
def test_a_pattern_with_a_year_restarts_each_year():
    staff = make_staff()
    first = make_published(staff, formed_on=datetime.date(2025, 12, 30))
    second = make_published(staff, formed_on=datetime.date(2026, 1, 5))
    assert first.index_number == f"{staff.org.code}/2025-00001"
    assert second.index_number == f"{staff.org.code}/2026-00001"


@pytest.mark.django_db
def test_an_index_number_taken_by_another_organisation_is_refused_cleanly():
    staff = make_staff()
    make_published(staff)  # takes "<code>/2026-00001"
    other = make_staff(OrganizationFactory(code=f"{staff.org.code}x"))
    # A bypassed validator (raw update) must still not crash publication with an IntegrityError.
    type(other.org).objects.filter(pk=other.org.pk).update(
        index_pattern=staff.org.code + "/{year}-{serial:05d}"
    )
    other.org.refresh_from_db()
    approved = _approved(other)
    with pytest.raises(services.WorkflowError, match="已被占用"):
        services.publish(user=other.editor, item=approved)
    approved.refresh_from_db()
    assert approved.index_number is None and approved.status == "approved"


def _approved(staff):
    from tests.factories import make_approved

    return make_approved(staff)


@pytest.mark.django_db
@pytest.mark.parametrize("formed_on", [datetime.date(1, 1, 1), datetime.date(1949, 9, 30)])
def test_a_formed_date_before_1949_10_01_is_refused(formed_on):
    staff = make_staff()
    with pytest.raises(ValidationError) as error:
        make_draft(staff, formed_on=formed_on)
    assert "成文日期不合理" in str(error.value.message_dict["formed_on"])


@pytest.mark.django_db
def test_a_fixed_department_step_needs_a_department_of_its_own_organisation():
    staff = make_staff()
    step = ReviewStep(
        organization=staff.org,
        position=9,
        name="政策法规科审核",
        role=Role.POLICY_REVIEWER,
        scope=StepScope.FIXED_DEPARTMENT,
    )
    with pytest.raises(ValidationError):
        step.full_clean()
    step.department = DepartmentFactory()  # another organisation's
    with pytest.raises(ValidationError):
        step.full_clean()
    step.department = staff.policy
    step.full_clean()


@pytest.mark.django_db
def test_a_review_step_role_must_be_a_reviewing_role():
    staff = make_staff()
    for role in ("typo_role", Role.DRAFTER, Role.SYSTEM_ADMIN):
        step = ReviewStep(
            organization=staff.org, position=9, name="x", role=role, scope=StepScope.ANY_DEPARTMENT
        )
        with pytest.raises(ValidationError):
            step.full_clean()
