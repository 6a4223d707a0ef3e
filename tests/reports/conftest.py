import pytest

from gongkai.publishing import services
from gongkai.publishing.models import InformationItem
from tests.factories import ALL_BOTTOM_LINES, make_draft, make_staff

OPINIONS = {
    "head": "内容属实,同意公开。",
    "secrecy": "经保密审查,不涉及国家秘密。",
    "editor2": "格式规范,同意报领导签发。",
    "leader": "同意发布。",
}


def publish_with_opinions(staff, *, drafter=None, head=None, **overrides) -> InformationItem:
    """Through the default chain with a distinct opinion at every step, then published."""
    item = make_draft(staff, by=drafter or staff.drafter, **overrides)
    services.submit_for_review(user=drafter or staff.drafter, item=item)
    reviewers = {
        "head": head or staff.head,
        "secrecy": staff.secrecy,
        "editor2": staff.editor2,
        "leader": staff.leader,
    }
    for key, person in reviewers.items():
        services.approve_step(user=person, item=item, opinion=OPINIONS[key], bottom_lines=ALL_BOTTOM_LINES)
    return services.publish(user=staff.editor, item=InformationItem.objects.get(pk=item.pk))


def publish_in_other_department(staff, **overrides) -> InformationItem:
    return publish_with_opinions(
        staff,
        drafter=staff.other_drafter,
        head=staff.other_head,
        lead_department=staff.other_dept,
        source="产业发展科",
        **overrides,
    )


@pytest.fixture
def staff(db):
    return make_staff()


@pytest.fixture
def published(staff):
    return publish_with_opinions(staff)


def login(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client
