"""Reads about people and their places."""

from __future__ import annotations

from .models import Membership, Organization, User


def membership_for(user: User, organization: Organization | int) -> Membership | None:
    if not user.is_authenticated:
        return None
    org_id = organization if isinstance(organization, int) else organization.pk
    cache = getattr(user, "_membership_cache", None)
    if cache is None:
        cache = {m.organization_id: m for m in user.memberships.select_related("department", "organization")}
        user._membership_cache = cache
    return cache.get(org_id)


def has_role(user: User, organization: Organization | int, role: str) -> bool:
    membership = membership_for(user, organization)
    return membership is not None and membership.has_role(role)


def organizations_of(user: User) -> list[Organization]:
    if not user.is_authenticated:
        return []
    membership_for(user, 0)  # fill the cache
    return [m.organization for m in user._membership_cache.values()]


def primary_membership(user: User) -> Membership | None:
    if not user.is_authenticated:
        return None
    membership_for(user, 0)
    members = sorted(user._membership_cache.values(), key=lambda m: m.pk)
    return members[0] if members else None
