"""Reads of the reports app: approval forms and the ledger (台账) of one organisation."""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet

from gongkai.orgs.models import Department, Organization, User
from gongkai.orgs.selectors import membership_for
from gongkai.publishing.models import ApprovalForm


def form_for_revision(user: User, revision_pk: int) -> ApprovalForm | None:
    """The approval form of a revision, only for members of the form's organisation."""
    form = ApprovalForm.objects.select_related("organization").filter(revision_id=revision_pk).first()
    if form is None or membership_for(user, form.organization_id) is None:
        return None
    return form


def ledger_forms(
    organization: Organization,
    *,
    year: int | None = None,
    department: Department | None = None,
    published_from: datetime.date | None = None,
    published_to: datetime.date | None = None,
    keyword: str = "",
    fast_track_only: bool = False,
) -> QuerySet[ApprovalForm]:
    """The organisation's approval forms, newest first, filtered in the database.

    Dates are the revision's publication time in local time; the keyword matches the title,
    the index number or the archive number. Fast track is read from the frozen snapshot
    (the item's own flag describes its latest publication, not every revision's).
    """
    forms = ApprovalForm.objects.filter(organization=organization)
    if year is not None:
        forms = forms.filter(revision__published_at__year=year)
    if department is not None:
        forms = forms.filter(revision__lead_department=department)
    if published_from is not None:
        forms = forms.filter(revision__published_at__date__gte=published_from)
    if published_to is not None:
        forms = forms.filter(revision__published_at__date__lte=published_to)
    keyword = (keyword or "").strip()
    if keyword:
        forms = forms.filter(
            Q(revision__title__icontains=keyword)
            | Q(revision__item__index_number__icontains=keyword)
            | Q(archive_number__icontains=keyword)
        )
    if fast_track_only:
        forms = forms.filter(data__fast_track__reason__isnull=False)
    return forms.order_by("-created_at", "-pk")


def ledger_years(organization: Organization) -> list[int]:
    """Years in which the organisation published something with an approval form, newest first."""
    moments = ApprovalForm.objects.filter(
        organization=organization, revision__published_at__isnull=False
    ).datetimes("revision__published_at", "year", order="DESC")
    return [m.year for m in moments]
