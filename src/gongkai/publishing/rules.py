"""Register the publishing permissions with `rules` (for templates: {% has_perm 'publishing.publish' user item %})."""

import rules

from .permissions import FAILURES


def _predicate(action):
    @rules.predicate(name=f"publishing.{action}")
    def check(user, obj):
        return obj is not None and not FAILURES[action](user, obj)

    return check


for _action in FAILURES:
    rules.add_perm(f"publishing.{_action}", _predicate(_action))
