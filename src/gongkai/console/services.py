"""Writes of the console: notifications."""

from __future__ import annotations

from collections.abc import Iterable

from .models import Notification


def notify(recipients: Iterable, *, organization, kind: str, message: str, url: str = "") -> int:
    """Put a message in each recipient's inbox (once per person). `organization`: instance or pk."""
    organization_id = getattr(organization, "pk", organization)
    seen = set()
    rows = []
    for user in recipients:
        if user is None or user.pk in seen:
            continue
        seen.add(user.pk)
        rows.append(
            Notification(
                recipient_id=user.pk, organization_id=organization_id, kind=kind, message=message, url=url
            )
        )
    Notification.objects.bulk_create(rows)
    return len(rows)
