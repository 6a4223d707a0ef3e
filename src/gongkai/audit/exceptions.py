"""Errors raised by the audit log."""


class AuditLogError(RuntimeError):
    """Base class for audit log errors."""


class AppendOnlyError(AuditLogError):
    """Someone tried to change or delete an audit event: the log is append-only."""


class AuditChainError(AuditLogError):
    """The chain cannot be extended safely (for example its head row is missing)."""
