import io

import pytest
from django.core.management import CommandError, call_command

from gongkai.audit.verify import verify_chain
from gongkai.orgs.constants import Role
from gongkai.orgs.models import Membership, Organization
from gongkai.publishing.models import ApprovalForm, InformationItem


def run_demo() -> str:
    out = io.StringIO()
    call_command("demo", "--force", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_demo_builds_the_seed_bureau_with_people_and_published_items():
    output = run_demo()
    org = Organization.objects.get(code="jz-lfw")
    assert org.name == "晋中市文化和旅游局"
    assert org.departments.count() >= 6
    roles = {role for m in Membership.objects.filter(organization=org) for role in m.roles}
    assert set(Role.values) <= roles, "one person per role"
    published = InformationItem.objects.filter(organization=org).published()
    assert published.count() >= 30
    assert published.values("live_revision__lead_department").distinct().count() >= 6
    assert published.values("live_revision__catalogue_entry").distinct().count() >= 10
    assert published.filter(abolished_on__isnull=False).count() >= 2
    assert published.filter(replaced_by__isnull=False).exists()
    assert published.filter(live_revision__attachments__isnull=False).distinct().count() >= 10
    assert ApprovalForm.objects.filter(organization=org).count() == published.count()
    for username in ("drafter", "depthead", "secrecy", "editor", "leader", "policy", "auditor"):
        assert username in output
    assert not verify_chain()


@pytest.mark.django_db
def test_demo_is_idempotent():
    run_demo()
    counts = (InformationItem.objects.count(), Membership.objects.count(), ApprovalForm.objects.count())
    output = run_demo()
    assert (
        InformationItem.objects.count(),
        Membership.objects.count(),
        ApprovalForm.objects.count(),
    ) == counts
    assert "新建信息 0 条" in output


@pytest.mark.django_db
def test_demo_refuses_to_run_in_production_without_force(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="生产环境"):
        call_command("demo", stdout=io.StringIO())
    assert not Organization.objects.filter(code="jz-lfw").exists()


@pytest.mark.django_db
def test_demo_writes_the_guide_and_rules_pages(client):
    run_demo()
    assert "受理机构" in client.get("/xxgk/guide/").content.decode()
    assert "先审查、后发布" in client.get("/xxgk/rules/").content.decode()
