"""Writing to the audit log."""

from __future__ import annotations

import ipaddress
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from .exceptions import AuditChainError
from .hashing import compute_hash, normalise_data
from .models import GENESIS_HASH, HEAD_PK, AuditChainHead, AuditEvent
from .registry import registry


def _truncate(value: str, field_name: str) -> str:
    return value[: AuditEvent._meta.get_field(field_name).max_length]


def _client_ip(request) -> str | None:
    raw = (request.META.get("REMOTE_ADDR") or "").strip()
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return str(address)


def _lock_head() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=HEAD_PK).first()
    if head is not None:
        return head
    # No head (a new or flushed database). Create it first and only then look for events: a head another
    # transaction is creating is invisible until it commits, and its first event may be committed by the
    # time we look, so the other order refused a legitimate append. Our insert waits for theirs and fails.
    try:
        with transaction.atomic():
            AuditChainHead.objects.create(pk=HEAD_PK, last_seq=0, last_hash=GENESIS_HASH)
            if AuditEvent.objects.exists():
                # The head is the witness against deleting the newest events: never re-create it silently.
                raise AuditChainError(
                    "The audit chain head row is missing although events exist; run `gongkai verify_audit` "
                    "and investigate before recording further events."
                )
    except IntegrityError:
        pass  # created concurrently
    return AuditChainHead.objects.select_for_update().get(pk=HEAD_PK)


def record(
    *,
    action: str,
    actor=None,
    target: models.Model | None = None,
    organization=None,
    data: dict[str, Any] | None = None,
    request=None,
) -> AuditEvent:
    """Append one event to the audit log and return it.

    Call it inside the transaction that makes the change, so the event commits or rolls back with it;
    it opens its own ``atomic()`` so it also works standalone. Appends are serialised on the chain head
    row until the surrounding transaction ends, so call it late in long transactions.

    ``actor`` defaults to ``request.user`` when authenticated; ``organization`` (instance or pk)
    defaults to ``target`` itself when it is an Organization, else ``target.organization_id`` if any.
    """
    registry.check(action)
    data = normalise_data(data)

    if actor is None and request is not None:
        actor = getattr(request, "user", None)
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None

    organization_id = _organization_id(organization, target)

    object_type = object_id = object_repr = ""
    if target is not None:
        if not isinstance(target, models.Model):
            raise TypeError("Audit target must be a model instance or None.")
        if target.pk is None:
            raise ValueError("Audit target must be saved before it is recorded.")
        object_type = target._meta.label_lower
        object_id = str(target.pk)
        object_repr = str(target)

    event = AuditEvent(
        actor=actor,
        actor_repr=_truncate(actor.get_username(), "actor_repr") if actor is not None else "",
        organization_id=organization_id,
        action=action,
        object_type=object_type,
        object_id=_truncate(object_id, "object_id"),
        object_repr=_truncate(object_repr, "object_repr"),
        data=data,
        ip_address=_client_ip(request) if request is not None else None,
    )

    # No savepoint of our own: inside a caller's transaction a failure here aborts the whole change anyway.
    with transaction.atomic(savepoint=False):
        head = _lock_head()
        event.seq = head.last_seq + 1
        event.created_at = timezone.now()
        event.prev_hash = head.last_hash
        event.hash = compute_hash(event)
        event._chained = True
        event.save(force_insert=True)
        AuditChainHead.objects.filter(pk=HEAD_PK).update(last_seq=event.seq, last_hash=event.hash)
    return event


def _organization_id(organization, target) -> int | None:
    from gongkai.orgs.models import Organization

    if organization is not None:
        return organization.pk if isinstance(organization, models.Model) else int(organization)
    if isinstance(target, Organization):
        return target.pk
    return getattr(target, "organization_id", None)
