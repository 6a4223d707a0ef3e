"""Shared builders for tests: an organisation with one person per role, and items at any stage.

staff = make_staff()                      # org, departments, people (staff.drafter, staff.head, ...)
item = make_draft(staff)                  # a complete draft by staff.drafter in staff.dept
item = make_published(staff)              # through the whole chain and published
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import factory

from gongkai.catalogue.models import CatalogueEntry
from gongkai.orgs.constants import DepartmentKind, Role
from gongkai.orgs.models import Department, Organization, User
from gongkai.publishing import services
from gongkai.publishing.models import InformationItem, Topic
from tests.orgs.factories import DepartmentFactory, MembershipFactory, OrganizationFactory, UserFactory

PASSWORD = "Gongkai-test-2026"


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    organization = factory.SubFactory(OrganizationFactory)
    code = factory.Sequence(lambda n: f"t{n}")
    name = factory.Sequence(lambda n: f"主题{n}")


class CatalogueEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CatalogueEntry

    organization = factory.SubFactory(OrganizationFactory)
    code = factory.Sequence(lambda n: f"c{n}")
    name = factory.Sequence(lambda n: f"目录{n}")


@dataclass
class Staff:
    org: Organization
    dept: Department  # the producing (lead) department
    other_dept: Department
    office: Department
    policy: Department
    drafter: User
    head: User  # head of `dept`
    other_head: User  # head of `other_dept`
    other_drafter: User
    secrecy: User  # confidentiality reviewer
    editor: User  # office editor, holds the fast-track right
    editor2: User  # a second office editor without it
    leader: User
    policy_reviewer: User
    system_admin: User
    security_admin: User
    audit_admin: User
    topic: Topic
    entry: CatalogueEntry
    monitor: User | None = None  # 舆情监测员 (not in people(): the publishing matrices predate the role)

    def people(self) -> dict[str, User]:
        return {
            name: getattr(self, name)
            for name in (
                "drafter",
                "head",
                "other_head",
                "other_drafter",
                "secrecy",
                "editor",
                "editor2",
                "leader",
                "policy_reviewer",
                "system_admin",
                "security_admin",
                "audit_admin",
            )
        }


def _person(org, dept, roles, *, fast_track=False, **user_kwargs) -> User:
    user = UserFactory(**user_kwargs)
    MembershipFactory(
        user=user, organization=org, department=dept, roles=list(roles), can_fast_track=fast_track
    )
    return user


def make_staff(org: Organization | None = None) -> Staff:
    org = org or OrganizationFactory()
    dept = DepartmentFactory(organization=org, name="艺术科")
    other = DepartmentFactory(organization=org, name="产业发展科")
    office = DepartmentFactory(organization=org, name="办公室", kind=DepartmentKind.OFFICE)
    policy = DepartmentFactory(organization=org, name="政策法规科", kind=DepartmentKind.POLICY)
    leaders = DepartmentFactory(organization=org, name="局领导", kind=DepartmentKind.LEADERSHIP)
    services.ensure_default_chain(org)
    return Staff(
        org=org,
        dept=dept,
        other_dept=other,
        office=office,
        policy=policy,
        drafter=_person(org, dept, [Role.DRAFTER]),
        head=_person(org, dept, [Role.DEPARTMENT_HEAD]),
        other_head=_person(org, other, [Role.DEPARTMENT_HEAD]),
        other_drafter=_person(org, other, [Role.DRAFTER]),
        secrecy=_person(org, office, [Role.CONFIDENTIALITY_REVIEWER]),
        editor=_person(org, office, [Role.OFFICE_EDITOR], fast_track=True),
        editor2=_person(org, office, [Role.OFFICE_EDITOR]),
        leader=_person(org, leaders, [Role.LEADER]),
        policy_reviewer=_person(org, policy, [Role.POLICY_REVIEWER]),
        system_admin=_person(org, office, [Role.SYSTEM_ADMIN], is_staff=True),
        security_admin=_person(org, office, [Role.SECURITY_ADMIN], is_staff=True),
        audit_admin=_person(org, office, [Role.AUDIT_ADMIN], is_staff=True),
        topic=TopicFactory(organization=org),
        entry=CatalogueEntryFactory(organization=org),
        monitor=_person(org, office, [Role.CONCERN_MONITOR]),
    )


def item_data(staff: Staff, **overrides) -> dict:
    data = {
        "title": "关于举办2026年晋中市非遗展演活动的通知",
        "document_number": "市文旅发〔2026〕12号",
        "lead_department": staff.dept,
        "formed_on": datetime.date(2026, 11, 20),
        "topic": staff.topic,
        "catalogue_entry": staff.entry,
        "summary": "通知举办非遗展演活动的时间、地点和报名方式。",
        "body": "<p>各县(区、市)文化和旅游局:</p><p>现将有关事项通知如下。</p>",
        "source": "艺术科",
    }
    data.update(overrides)
    return data


def make_draft(staff: Staff, by: User | None = None, **overrides) -> InformationItem:
    return services.create_draft(
        user=by or staff.drafter, organization=staff.org, data=item_data(staff, **overrides)
    )


ALL_BOTTOM_LINES = [
    "law",
    "system",
    "national_interest",
    "citizens_rights",
    "public_order",
    "morals",
    "truth",
]


def review_through(staff: Staff, item: InformationItem) -> InformationItem:
    """Approve every step of the default chain with the right person (the office step confirms the
    seven bottom lines)."""
    for person in (staff.head, staff.secrecy, staff.editor2, staff.leader):
        services.approve_step(user=person, item=item, opinion="同意", bottom_lines=ALL_BOTTOM_LINES)
    return InformationItem.objects.get(pk=item.pk)


def make_approved(staff: Staff, **overrides) -> InformationItem:
    item = make_draft(staff, **overrides)
    services.submit_for_review(user=staff.drafter, item=item)
    return review_through(staff, item)


def make_published(staff: Staff, **overrides) -> InformationItem:
    item = make_approved(staff, **overrides)
    return services.publish(user=staff.editor, item=item)
