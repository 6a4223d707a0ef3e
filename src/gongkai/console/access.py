"""Who is using the console, in which organisation, and what they may see.

Every console page needs a logged-in person with a membership in an organisation. A person with
memberships in several organisations works in one at a time (kept in the session; the first one by
default). Items are looked up among the organisations the person belongs to only, so staff of one
organisation get a 404 for another's items, and through `publishing.permissions.visible_items`, so a
member gets a 404 for a draft that is not theirs to see (issue 9).
"""

from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render

from gongkai.orgs.models import Membership
from gongkai.publishing.models import InformationItem
from gongkai.publishing.permissions import visible_items

SESSION_KEY = "console_organization_id"


class ConsoleForbidden(PermissionDenied):
    """Refused for a member of the organisation; carries the Chinese reasons shown on the 403 page."""

    def __init__(self, reasons):
        self.reasons = [reasons] if isinstance(reasons, str) else list(reasons)
        super().__init__(";".join(self.reasons))


def memberships_of(user) -> list[Membership]:
    """The person's memberships in active organisations, oldest first (one query, cached on the user)."""
    cached = getattr(user, "_console_memberships", None)
    if cached is None:
        cached = list(
            Membership.objects.filter(user=user, organization__is_active=True)
            .select_related("organization", "department")
            .order_by("pk")
        )
        user._console_memberships = cached
        # Share them with gongkai.orgs.selectors.membership_for, which the permission rules call.
        if getattr(user, "_membership_cache", None) is None:
            user._membership_cache = {m.organization_id: m for m in cached}
    return cached


def current_membership(request) -> Membership | None:
    members = memberships_of(request.user)
    if not members:
        return None
    wanted = request.session.get(SESSION_KEY)
    for m in members:
        if m.organization_id == wanted:
            return m
    request.session[SESSION_KEY] = members[0].organization_id
    return members[0]


def switch_to(request, membership: Membership) -> None:
    request.session[SESSION_KEY] = membership.organization_id
    request.membership = membership
    request.organization = membership.organization


def forbidden(request, reasons=None, *, status=403):
    return render(
        request,
        "console/403.html",
        {"reasons": reasons or ["您没有执行此操作的权限。"]},
        status=status,
    )


def console_view(view):
    """Login, a membership, the current organisation on the request, and a Chinese 403 page."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        membership = current_membership(request)
        if membership is None:
            return forbidden(
                request, ["您的账号不属于任何机构,不能使用工作台。请联系系统管理员分配机构和角色。"]
            )
        request.membership = membership
        request.organization = membership.organization
        try:
            return view(request, *args, **kwargs)
        except ConsoleForbidden as exc:
            return forbidden(request, exc.reasons)
        except PermissionDenied as exc:
            return forbidden(request, [str(exc)] if str(exc) else None)

    return wrapper


def get_item(request, pk, queryset=None) -> InformationItem:
    """An item of one of the person's organisations that they may see (`visible_items`: a draft of someone
    else's department is a 404, and a published item comes without an unpublished revision they may not
    read), else 404; switches the current organisation if needed."""
    org_ids = [m.organization_id for m in memberships_of(request.user)]
    item = (
        visible_items(request.user, queryset)
        .select_related(
            "organization",
            "latest_revision",
            "latest_revision__lead_department",
            "live_revision",
            "live_revision__lead_department",
        )
        .filter(organization_id__in=org_ids, pk=pk)
        .first()
    )
    if item is None:
        raise Http404("没有找到该信息。")
    if item.organization_id != request.organization.pk:
        membership = next(
            m for m in memberships_of(request.user) if m.organization_id == item.organization_id
        )
        switch_to(request, membership)
        messages.info(request, f"已切换到机构“{membership.organization.name}”。")
    return item
