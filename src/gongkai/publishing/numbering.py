"""Gap-free numbers: 索引号 (index numbers) and the approval forms' archive numbers."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from gongkai.orgs.models import Organization

from .exceptions import WorkflowError
from .models import Counter, InformationItem


def next_serial(organization: Organization, key: str, year: int) -> int:
    """The next gap-free serial, under a row lock (PostgreSQL) or the write lock (SQLite)."""
    updated = Counter.objects.filter(organization=organization, key=key, year=year).update(
        value=F("value") + 1
    )
    if not updated:
        try:
            with transaction.atomic():
                Counter.objects.create(organization=organization, key=key, year=year, value=1)
            return 1
        except IntegrityError:  # created by a concurrent transaction: take the next one
            Counter.objects.filter(organization=organization, key=key, year=year).update(value=F("value") + 1)
    return Counter.objects.values_list("value", flat=True).get(organization=organization, key=key, year=year)


def allocate_index_number(item: InformationItem) -> str:
    """索引号: allocated once at first publication, unique and never changed afterwards.

    The counter row's UPDATE takes its row lock until the publishing transaction ends, so concurrent
    publications get consecutive serials and a rolled-back publication gives its serial back."""
    if item.index_number:
        return item.index_number
    organization = item.organization
    year = (item.latest_revision.formed_on or timezone.localdate()).year
    yearly = "{year" in organization.index_pattern
    serial = next_serial(organization, "index", year if yearly else 0)
    candidate = organization.index_pattern.format(org_code=organization.code, year=year, serial=serial)
    if InformationItem.objects.filter(index_number=candidate).exists():
        # Only a misconfigured pattern can get here (another organisation's numbers); refuse cleanly.
        raise WorkflowError(f"索引号“{candidate}”已被占用,请系统管理员检查本机构的索引号格式。")
    item.index_number = candidate
    return item.index_number
