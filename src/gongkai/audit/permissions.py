"""Who may read the audit log (三员分立: the audit administrator only).

Use ``can_read_audit_log(user)`` for gates, not ``user.has_perm("audit.view_log")``: Django's
``has_perm`` returns True for every superuser, and the system administrator must not read the log.
"""

from __future__ import annotations

from gongkai.orgs.constants import Role
from gongkai.orgs.selectors import has_role, organizations_of


def can_read_audit_log(user) -> bool:
    """True only for active users holding Role.AUDIT_ADMIN in at least one organisation."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return any(has_role(user, org, Role.AUDIT_ADMIN) for org in organizations_of(user))
