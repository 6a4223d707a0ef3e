import datetime
import decimal
import uuid

import pytest
from django.db import transaction
from django.test import RequestFactory

from gongkai.audit import services
from gongkai.audit.exceptions import AuditChainError
from gongkai.audit.hashing import compute_hash
from gongkai.audit.models import GENESIS_HASH, AuditChainHead, AuditEvent
from gongkai.audit.registry import ActionRegistry, registry
from gongkai.audit.verify import verify_chain
from tests.orgs.factories import DepartmentFactory, OrganizationFactory, UserFactory


@pytest.mark.django_db
def test_chain_builds_and_verifies():
    org = OrganizationFactory()
    user = UserFactory()
    events = [
        services.record(action="audit.verified", actor=user, target=org, data={"n": n}) for n in range(1, 4)
    ]
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].prev_hash == GENESIS_HASH
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    head = AuditChainHead.objects.get()
    assert (head.last_seq, head.last_hash) == (3, events[2].hash)
    assert verify_chain() == []


@pytest.mark.django_db
def test_fields_are_filled_and_what_is_hashed_is_what_is_stored():
    user = UserFactory(username="zhangsan")
    department = DepartmentFactory()
    request = RequestFactory().post("/", REMOTE_ADDR="::ffff:10.1.2.3")
    request.user = user
    data = {
        "amount": decimal.Decimal("1.10"),
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "day": datetime.date(2026, 3, 1),
        "when": datetime.datetime(2026, 3, 1, 8, 30, tzinfo=datetime.UTC),
        "big": 1e20,
        "small": 1.5e-10,
        "标题": ["关于印发《某某办法》的通知", None, True],
    }
    event = services.record(action="audit.verified", target=department, data=data, request=request)

    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.actor == user
    assert stored.actor_repr == "zhangsan"
    assert stored.organization_id == department.organization_id  # taken from the target
    assert stored.object_type == "orgs.department"
    assert stored.object_id == str(department.pk)
    assert stored.object_repr == str(department)
    assert stored.ip_address == "10.1.2.3"
    assert stored.data == event.data
    assert stored.data["amount"] == "1.10"
    assert stored.data["big"] == 10**20
    assert compute_hash(stored) == stored.hash == event.hash
    assert verify_chain() == []


@pytest.mark.django_db
def test_organization_target_is_its_own_organization_and_anonymous_actor_is_none():
    org = OrganizationFactory()
    request = RequestFactory().get("/", REMOTE_ADDR="not-an-ip")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    event = services.record(action="audit.verified", target=org, request=request)
    assert event.organization_id == org.pk
    assert event.actor is None and event.actor_repr == ""
    assert event.ip_address is None


@pytest.mark.django_db
def test_unknown_action_raises_and_writes_nothing():
    with pytest.raises(ValueError, match="Unknown audit action"):
        services.record(action="publishing.item.submited")
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_event_rolls_back_with_the_callers_transaction():
    services.record(action="audit.verified")
    with pytest.raises(RuntimeError), transaction.atomic():
        services.record(action="audit.verified")
        raise RuntimeError
    assert AuditEvent.objects.count() == 1
    assert AuditChainHead.objects.get().last_seq == 1
    assert services.record(action="audit.verified").seq == 2
    assert verify_chain() == []


@pytest.mark.django_db
def test_missing_head_is_recreated_only_for_an_empty_log():
    AuditChainHead.objects.all()._raw_delete("default")  # as flush does
    assert services.record(action="audit.verified").seq == 1
    AuditChainHead.objects.all()._raw_delete("default")
    with pytest.raises(AuditChainError):
        services.record(action="audit.verified")


def test_registry():
    assert registry.label("audit.verified") == "审计日志完整性校验"
    assert registry.label("gone.action") == "gone.action"  # old events stay readable

    local = ActionRegistry()
    local.register("demo.thing.done", "完成")
    local.register("demo.thing.done", "完成")  # idempotent
    with pytest.raises(ValueError):
        local.register("demo.thing.done", "别的")
    with pytest.raises(ValueError):
        local.register("NoDots", "无效")
    with pytest.raises(ValueError):
        local.check("demo.thing.undone")
    assert list(local) == ["demo.thing.done"]
