"""Reads of the audit log."""

from __future__ import annotations

from django.db import models

from .models import AuditEvent
from .permissions import can_read_audit_log

__all__ = ["can_read_audit_log", "events_for"]


def events_for(target: models.Model) -> models.QuerySet[AuditEvent]:
    """The events recorded about one object, oldest first (an item's history)."""
    return (
        AuditEvent.objects.filter(object_type=target._meta.label_lower, object_id=str(target.pk))
        .select_related("actor", "organization")
        .order_by("seq")
    )
