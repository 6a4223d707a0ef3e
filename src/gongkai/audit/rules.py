import rules

from .permissions import can_read_audit_log


@rules.predicate
def is_audit_admin(user) -> bool:
    return can_read_audit_log(user)


rules.add_perm("audit.view_log", is_audit_admin)
