"""Encryption of secrets kept in database columns (the TOTP secrets of ``gongkai.orgs.totp``).

Fernet from ``cryptography``: AES-128-CBC with an HMAC-SHA256 over the whole token, so a value changed in
the database is refused, never decrypted to something else. A stored value is ``"fernet:" + token``.
The token holds ``context + "\\n" + text``; the context names the column and the row
(``orgs.user.totp_secret:42``) and is checked on decryption, so a token copied onto another account's row
is refused too (Fernet has no associated data; the context inside the authenticated token plays its part).

Keys: ``settings.GONGKAI_FIELD_KEYS`` (environment: comma-separated), a list of Fernet keys (URL-safe
base64 of 32 random bytes, ``gongkai rotate_field_keys --generate-key``). The first encrypts, all decrypt.
When the list is empty the key is derived from ``SECRET_KEY`` with HKDF-SHA256. Keys derived from
``SECRET_KEY`` and each of ``SECRET_KEY_FALLBACKS`` always decrypt too (they encrypt only when the list is
empty), so moving from the derived key to keys of one's own, or changing ``SECRET_KEY`` the Django way
(the old one kept in ``SECRET_KEY_FALLBACKS`` until ``gongkai rotate_field_keys`` has run), loses nothing.

Rotation: put a new key first, run ``gongkai rotate_field_keys`` (every value re-encrypted under it), then
remove the old key (docs/operations.md).

A value without the prefix is never used: only migration ``orgs/0007`` turns the clear secrets of
earlier versions into tokens. Otherwise somebody able to write to the database could plant a secret of
their choosing; with authenticated encryption they cannot without the key.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "fernet:"
HKDF_SALT = b"gongkai.orgs.field_keys"
HKDF_INFO = b"gongkai field encryption key v1"


class Unreadable(Exception):
    """A stored value no key decrypts: changed in the database, not a token, or its key is gone."""


def generate_key() -> str:
    return Fernet.generate_key().decode("ascii")


def derived_key(secret: str) -> str:
    """The Fernet key derived from a Django secret key (HKDF-SHA256, 32 bytes)."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=HKDF_SALT, info=HKDF_INFO)
    return base64.urlsafe_b64encode(hkdf.derive(secret.encode("utf-8"))).decode("ascii")


def configured_keys() -> tuple[str, ...]:
    value = getattr(settings, "GONGKAI_FIELD_KEYS", None) or ()
    if isinstance(value, str):
        value = value.split(",")
    return tuple(k.strip() for k in value if k and k.strip())


def key_errors(keys: tuple[str, ...] | None = None) -> list[str]:
    """What is wrong with the configured keys (the system check and the command report it)."""
    errors = []
    keys = configured_keys() if keys is None else keys
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError, binascii.Error):
            errors.append(
                f"GONGKAI_FIELD_KEYS 的第 {position} 个密钥无效:须为 32 字节随机数的 URL 安全 Base64 编码"
                "(44 个字符),可用 gongkai rotate_field_keys --generate-key 生成。"
            )
    if len(set(keys)) != len(keys):
        errors.append("GONGKAI_FIELD_KEYS 中有重复的密钥。")
    return errors


@functools.lru_cache(maxsize=16)
def _fernet(keys: tuple[str, ...], secret_key: str, fallbacks: tuple[str, ...]) -> MultiFernet:
    errors = key_errors(keys)
    if errors:
        raise ImproperlyConfigured(" ".join(errors))
    derived = [derived_key(secret_key), *(derived_key(s) for s in fallbacks)]
    ordered = list(dict.fromkeys([*keys, *derived]))  # the first encrypts
    return MultiFernet([Fernet(k) for k in ordered])


def fernet() -> MultiFernet:
    return _fernet(
        configured_keys(), settings.SECRET_KEY, tuple(getattr(settings, "SECRET_KEY_FALLBACKS", ()) or ())
    )


def is_encrypted(stored: str | None) -> bool:
    return bool(stored) and stored.startswith(PREFIX)


def _payload(text: str, context: str) -> bytes:
    if "\n" in context:
        raise ValueError("a context is one line")
    return f"{context}\n{text}".encode()


def _text(payload: bytes, context: str) -> str:
    try:
        found, _sep, text = payload.decode("utf-8").partition("\n")
    except UnicodeDecodeError as exc:
        raise Unreadable("not text") from exc
    if not _sep or not hmac.compare_digest(found.encode(), context.encode()):
        raise Unreadable("encrypted for another column or row")
    return text


def encrypt(text: str, *, context: str) -> str:
    """The stored form of ``text`` for the place ``context`` names (empty stays empty: no secret)."""
    if not text:
        return ""
    return PREFIX + fernet().encrypt(_payload(text, context)).decode("ascii")


def _token(stored: str) -> bytes:
    if not is_encrypted(stored):
        raise Unreadable("not an encrypted value")
    try:
        return stored[len(PREFIX) :].encode("ascii")
    except UnicodeEncodeError as exc:
        raise Unreadable("not an encrypted value") from exc


def decrypt(stored: str | None, *, context: str) -> str:
    """The text of a stored value ("" for none); ``Unreadable`` if no key authenticates it or it was
    encrypted for another context."""
    if not stored:
        return ""
    try:
        payload = fernet().decrypt(_token(stored))
    except InvalidToken as exc:
        raise Unreadable("no key decrypts this value") from exc
    return _text(payload, context)


def rotate(stored: str, *, context: str) -> str:
    """The same text encrypted under the first key; ``Unreadable`` as for ``decrypt``."""
    if not stored:
        return ""
    return encrypt(decrypt(stored, context=context), context=context)
