"""Refusals of the publishing workflow, carrying the reasons a person can read."""

from __future__ import annotations

from collections.abc import Iterable


class WorkflowError(Exception):
    """An action refused, with the reasons a person can read (Chinese)."""

    def __init__(self, reasons: Iterable[str] | str):
        self.reasons = [reasons] if isinstance(reasons, str) else list(reasons)
        super().__init__(";".join(self.reasons))


class StaleEdit(WorkflowError):
    pass


def require(failures: list[str]) -> None:
    """Refuse with the reasons, if there are any (the services' permission and rule checks)."""
    if failures:
        raise WorkflowError(failures)
