"""Known audit action names and their Chinese labels.

Each app registers its actions in its own ``audit_actions.py``, imported from ``AppConfig.ready()``::

    from django.utils.translation import gettext_lazy as _
    from gongkai.audit.registry import registry

    registry.register("publishing.item.submitted", _("提交审核"))

Recording an unregistered action raises ``ValueError``, so a typo fails the tests.
"""

from __future__ import annotations

import re

from django.utils.functional import Promise

ACTION_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


class ActionRegistry:
    def __init__(self) -> None:
        self._labels: dict[str, str | Promise] = {}

    def register(self, action: str, label: str | Promise) -> None:
        if not ACTION_RE.match(action):
            raise ValueError(
                f"Invalid audit action name {action!r}: use dotted lowercase, e.g. 'app.object.verb'."
            )
        existing = self._labels.get(action)
        if existing is not None and str(existing) != str(label):
            raise ValueError(f"Audit action {action!r} is already registered with label {existing!r}.")
        self._labels[action] = label

    def is_registered(self, action: str) -> bool:
        return action in self._labels

    def check(self, action: str) -> None:
        if action not in self._labels:
            raise ValueError(
                f"Unknown audit action {action!r}: register it in the app's audit_actions.py "
                "with gongkai.audit.registry.registry.register()."
            )

    def label(self, action: str) -> str:
        """The Chinese label; the raw name for actions no longer registered (old events stay readable)."""
        label = self._labels.get(action)
        return str(label) if label is not None else action

    def choices(self) -> list[tuple[str, str]]:
        return sorted(((a, str(lbl)) for a, lbl in self._labels.items()), key=lambda c: c[0])

    def __contains__(self, action: str) -> bool:
        return action in self._labels

    def __iter__(self):
        return iter(sorted(self._labels))


registry = ActionRegistry()
