"""Model permissions from membership roles: the three separated administrators (三员分立, 等保2.0).

``RolePermissionBackend`` grants Django model permissions (``app.action_model``) to the holders of the
administrator roles, organisation by organisation:

- 系统管理员 (system_admin): system configuration and accounts;
- 安全管理员 (security_admin): roles, account activation, lockouts, API token revocation;
- 安全审计员 (audit_admin): read-only — the audit log (gated separately by ``can_read_audit_log``)
  and the people and their memberships.

Nobody else gets anything from this backend. Checks with an object (``user.has_perm(perm, obj)``) pass
only if the role that grants ``perm`` is held in an organisation the object belongs to; objects that
belong to no organisation (the working-day calendar, accounts not yet placed anywhere) are
deployment-wide and follow the plain model permission. The admin scopes its lists with
``scope_queryset`` so an administrator of organisation A never sees organisation B's rows.

Besides model permissions the backend knows a few capabilities that have no Permission row:
``orgs.assign_role`` (edit a membership's roles and fast-track right), ``orgs.activate_user`` (the
``is_active`` flag) and ``orgs.edit_account`` (username, name, e-mail, password).

A superuser passes every ``has_perm`` in Django itself; the audit log does not use ``has_perm`` for that
reason (``gongkai.audit.permissions``), and the admin refuses everyone, superusers included, their own
membership.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.db.models import Exists, OuterRef, Q

from .constants import ADMIN_ROLES, Role
from .models import Department, Membership, Organization, User
from .selectors import membership_for, organizations_of

ASSIGN_ROLE = "orgs.assign_role"
ACTIVATE_USER = "orgs.activate_user"
EDIT_ACCOUNT = "orgs.edit_account"


def _perms(label: str, *actions: str) -> set[str]:
    app_label, model_name = label.split(".")
    return {f"{app_label}.{action}_{model_name}" for action in actions}


SYSTEM_ADMIN_PERMISSIONS = frozenset(
    {EDIT_ACCOUNT}
    # Adding an organisation is a deployment-level act (superuser): an organisation created by an
    # administrator of another one would have nobody allowed to administer it.
    | _perms("orgs.organization", "change", "view")
    | _perms("orgs.department", "add", "change", "view")
    | _perms("orgs.user", "add", "change", "view")
    # Placing an account in a department; its roles stay with the security administrator.
    | _perms("orgs.membership", "add", "view")
    | _perms("publishing.reviewstep", "add", "change", "view")
    | _perms("publishing.topic", "add", "change", "view")
    | _perms("catalogue.catalogueentry", "add", "change", "view")
    | _perms("portal.portalpage", "add", "change", "view")
    | _perms("workdays.calendaroverride", "add", "change", "delete", "view")
    | _perms("workdays.publishedyear", "add", "change", "delete", "view")
    | _perms("api.apitoken", "view")
)

SECURITY_ADMIN_PERMISSIONS = frozenset(
    {ASSIGN_ROLE, ACTIVATE_USER}
    | _perms("orgs.user", "change", "view")
    | _perms("orgs.membership", "add", "change", "view")
    | _perms("axes.accessattempt", "view", "delete")
    | _perms("axes.accessfailurelog", "view", "delete")
    | _perms("api.apitoken", "change", "view")
)

AUDIT_ADMIN_PERMISSIONS = frozenset(
    _perms("audit.auditevent", "view") | _perms("orgs.user", "view") | _perms("orgs.membership", "view")
)

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.SYSTEM_ADMIN: SYSTEM_ADMIN_PERMISSIONS,
    Role.SECURITY_ADMIN: SECURITY_ADMIN_PERMISSIONS,
    Role.AUDIT_ADMIN: AUDIT_ADMIN_PERMISSIONS,
}


def permissions_for_roles(roles: Iterable[str]) -> frozenset[str]:
    granted: set[str] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS.get(role, frozenset())
    return frozenset(granted)


def _active(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def permissions_by_organization(user) -> dict[int, frozenset[str]]:
    """{organization id: the permissions the user's roles there grant} (empty for inactive users)."""
    if not _active(user):
        return {}
    out = {}
    for org in organizations_of(user):
        membership = membership_for(user, org)
        out[org.pk] = permissions_for_roles(membership.roles if membership else ())
    return out


def organization_ids_with(user, perms: Iterable[str]) -> set[int]:
    """The organisations where the user's roles grant at least one of ``perms``."""
    wanted = set(perms)
    return {org_id for org_id, granted in permissions_by_organization(user).items() if granted & wanted}


# --- which organisations an object belongs to -------------------------------------------------------


def _users_in(org_ids) -> models.QuerySet:
    return Membership.objects.filter(organization_id__in=org_ids).values("user_id")


def _scope_users(qs, org_ids, user_field="pk"):
    """Users with a membership in ``org_ids``, and accounts not placed in any organisation yet."""
    outer = OuterRef(user_field)
    in_scope = Exists(Membership.objects.filter(user_id=outer, organization_id__in=org_ids))
    unplaced = ~Exists(Membership.objects.filter(user_id=outer))
    return qs.filter(in_scope | unplaced)


def _scope_usernames(qs, org_ids):
    """Lockout records name a username: those of the organisations' people, and unknown names."""
    members = User.objects.filter(pk__in=_users_in(org_ids)).values("username")
    placed = User.objects.filter(pk__in=Membership.objects.values("user_id")).values("username")
    return qs.filter(Q(username__in=members) | ~Q(username__in=placed) | Q(username__isnull=True))


def _by_organization(qs, org_ids):
    return qs.filter(organization_id__in=org_ids)


# Models whose rows belong to organisations: how to keep a queryset to some of them. Other models are
# deployment-wide.
SCOPES = {
    "orgs.organization": lambda qs, ids: qs.filter(pk__in=ids),
    "orgs.department": _by_organization,
    "orgs.membership": _by_organization,
    "orgs.user": _scope_users,
    "publishing.reviewstep": _by_organization,
    "publishing.topic": _by_organization,
    "publishing.informationitem": _by_organization,
    "publishing.approvalform": _by_organization,
    "catalogue.catalogueentry": _by_organization,
    "portal.portalpage": _by_organization,
    "api.apitoken": lambda qs, ids: _scope_users(qs, ids, user_field="user_id"),
    "axes.accessattempt": _scope_usernames,
    "axes.accessfailurelog": _scope_usernames,
}


def _user_org_ids(user_id) -> set[int] | None:
    ids = set(Membership.objects.filter(user_id=user_id).values_list("organization_id", flat=True))
    return ids or None  # an account placed nowhere yet is deployment-wide


def organization_ids_of(obj) -> set[int] | None:
    """The organisations ``obj`` belongs to; None if it belongs to the whole deployment."""
    if obj is None:
        return None
    label = obj._meta.label_lower
    if label not in SCOPES:
        return None
    if isinstance(obj, Organization):
        return {obj.pk}
    if isinstance(obj, User):
        return _user_org_ids(obj.pk) if obj.pk else None
    if label == "api.apitoken":
        return _user_org_ids(obj.user_id)
    if label.startswith("axes."):
        user = User.objects.filter(username=obj.username).only("pk").first() if obj.username else None
        return _user_org_ids(user.pk) if user else None
    org_id = getattr(obj, "organization_id", None)
    return {org_id} if org_id is not None else None


def is_scoped(model) -> bool:
    return model._meta.label_lower in SCOPES


def scope_to(qs: models.QuerySet, org_ids: Iterable[int]) -> models.QuerySet:
    """Keep ``qs`` to the rows of ``org_ids`` (deployment-wide models are returned unchanged)."""
    scoper = SCOPES.get(qs.model._meta.label_lower)
    if scoper is None:
        return qs
    org_ids = set(org_ids)
    if not org_ids:
        return qs.none()
    return scoper(qs, org_ids)


def model_perms(model, actions: Iterable[str]) -> set[str]:
    return _perms(model._meta.label_lower, *actions)


def scope_queryset(user, qs: models.QuerySet, actions: Iterable[str] = ("view", "change")):
    """``qs`` as the user may see it: everything for an active superuser, else the rows of the
    organisations where their roles grant one of ``actions`` on the model."""
    if not _active(user):
        return qs.none()
    if user.is_superuser:
        return qs
    perms = model_perms(qs.model, actions)
    if not is_scoped(qs.model):
        return qs if any(user.has_perm(p) for p in perms) else qs.none()
    return scope_to(qs, organization_ids_with(user, perms))


def holds_admin_role(user) -> bool:
    """True if the account holds an administrator role in any organisation (or is a superuser)."""
    if user.is_superuser:
        return True
    roles = Membership.objects.filter(user=user).values_list("roles", flat=True)
    return any(set(r or ()) & ADMIN_ROLES for r in roles)


def departments_of(org_ids) -> models.QuerySet:
    return Department.objects.filter(organization_id__in=org_ids).select_related("organization")


class RolePermissionBackend:
    """Authorisation only: it never authenticates anyone."""

    def authenticate(self, request, **credentials):
        return None

    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        by_org = permissions_by_organization(user_obj)
        if not by_org:
            return set()
        org_ids = organization_ids_of(obj)
        if org_ids is None:
            return set().union(*by_org.values())
        return set().union(*(by_org.get(org_id, frozenset()) for org_id in org_ids))

    def has_perm(self, user_obj, perm: str, obj=None) -> bool:
        return perm in self.get_all_permissions(user_obj, obj)

    def has_module_perms(self, user_obj, app_label: str) -> bool:
        prefix = f"{app_label}."
        return any(p.startswith(prefix) for p in self.get_all_permissions(user_obj))


def organizations_for(user, model, actions: Iterable[str] = ("view", "change")) -> models.QuerySet:
    """The organisations in which the user's roles grant one of ``actions`` on ``model`` (all for an
    active superuser): the choices of an organisation filter or field."""
    qs = Organization.objects.all()
    if not _active(user):
        return qs.none()
    if user.is_superuser:
        return qs
    return qs.filter(pk__in=organization_ids_with(user, model_perms(model, actions)))
