"""Ending every session of an account at once, and with them its API tokens.

Django keeps, in each logged-in session, an HMAC of the account's password hash and drops the session
at its next request when the account's current HMAC differs: a new password ends every session. For
the other credential, the second factor, ``User.session_stamp`` is mixed into that HMAC
(``User._get_session_auth_hash``): ``end_sessions`` gives the account a new random stamp, which ends its
sessions the same way, wherever they are stored, with no registry of sessions to keep.

``end_sessions`` is the one place where a person's access ends, so it also revokes their API tokens
(``gongkai.api.tokens.revoke_all``: rows kept, time and reason recorded, one audit event with the count),
in the caller's transaction. Called for every ``CredentialChange``: the person's own password change
(``gongkai.orgs.passwords``), a password set by an administrator and an account deactivated by one
(``gongkai.orgs.admin``), a second factor reset by the security administrator or turned off by its owner
(``gongkai.orgs.totp``). A password change would end the sessions without the stamp; the new stamp does
no harm there, and no path is left that ends sessions but not tokens.
"""

from __future__ import annotations

import secrets

from django.contrib.auth import update_session_auth_hash
from django.db import transaction

from .constants import CredentialChange
from .models import User


def end_sessions(user, *, reason: str, actor=None, request=None) -> int:
    """End every session of ``user`` and revoke their API tokens, for ``reason`` (a
    ``CredentialChange``), done by ``actor``. If ``request`` is the user's own, that session stays
    logged in (under a new session key); the others end at their next request. Returns the number of
    tokens revoked."""
    # The API app builds on this one (its tokens belong to users), hence the import here.
    from gongkai.api import tokens

    reason = CredentialChange(reason)
    with transaction.atomic():
        stamp = secrets.token_hex(16)
        User.objects.filter(pk=user.pk).update(session_stamp=stamp)
        user.session_stamp = stamp
        revoked = tokens.revoke_all(user=user, reason=reason, actor=actor, request=request)
    if request is not None and getattr(request.user, "pk", None) == user.pk:
        update_session_auth_hash(request, user)
    return revoked
