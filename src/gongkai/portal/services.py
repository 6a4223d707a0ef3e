"""Writing the editable portal pages: the body is always sanitised before it is stored."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from gongkai.publishing.html import sanitize_body
from gongkai.publishing.signals import next_generation

from .models import PortalPage


def prepare_page(page: PortalPage, *, user) -> PortalPage:
    """Sanitise the body and stamp who changed it and when (without saving)."""
    page.body = sanitize_body(page.body)
    page.updated_at = timezone.now()
    page.updated_by = user if user is not None and user.is_authenticated else None
    return page


def save_page(page: PortalPage, *, user) -> PortalPage:
    prepare_page(page, user=user)
    page.full_clean()
    with transaction.atomic():
        page.save()
        next_generation()  # cached public pages show the new text at once
    return page
