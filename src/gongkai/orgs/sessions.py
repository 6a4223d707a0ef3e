"""Ending every session of an account at once.

Django keeps, in each logged-in session, an HMAC of the account's password hash and drops the session
at its next request when the account's current HMAC differs: a new password ends every session. For
the other credential, the second factor, ``User.session_stamp`` is mixed into that HMAC
(``User._get_session_auth_hash``): ``end_sessions`` gives the account a new random stamp, which ends its
sessions the same way, wherever they are stored, with no registry of sessions to keep.

Called when a second factor is reset by the security administrator or turned off by its owner
(``gongkai.orgs.totp``). A password set by an administrator needs nothing more: the password hash changes.
"""

from __future__ import annotations

import secrets

from django.contrib.auth import update_session_auth_hash

from .models import User


def end_sessions(user, *, request=None) -> None:
    """End every session of ``user``. If ``request`` is the user's own, that session stays logged in
    (under a new session key); the others end at their next request."""
    stamp = secrets.token_hex(16)
    User.objects.filter(pk=user.pk).update(session_stamp=stamp)
    user.session_stamp = stamp
    if request is not None and getattr(request.user, "pk", None) == user.pk:
        update_session_auth_hash(request, user)
