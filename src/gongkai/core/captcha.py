"""A captcha made here, with no outside service: a signed challenge and a distorted PNG of its code.

The form carries a signed token (a random nonce and the time); the code is derived from the nonce with
a key only the server holds, so the page source never contains it. The image view draws the code; a
check accepts an answer once (the nonce is remembered in the cache until the token expires).
"""

from __future__ import annotations

import hashlib
import hmac
import io
import random
import secrets

from django.conf import settings
from django.core import signing
from django.core.cache import cache

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I/L
LENGTH = 4
MAX_AGE = 15 * 60  # seconds
SALT = "gongkai.captcha"


class CaptchaError(ValueError):
    """A wrong, expired or reused answer; the message is for the public (Chinese)."""


def new_token() -> str:
    return signing.dumps({"n": secrets.token_urlsafe(12)}, salt=SALT, compress=False)


def _nonce(token: str, max_age: int = MAX_AGE) -> str:
    try:
        data = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise CaptchaError("验证码已过期,请换一张后重新输入。") from exc
    except signing.BadSignature as exc:
        raise CaptchaError("验证码无效,请换一张后重新输入。") from exc
    nonce = data.get("n") if isinstance(data, dict) else None
    if not isinstance(nonce, str) or not nonce:
        raise CaptchaError("验证码无效,请换一张后重新输入。")
    return nonce


def code_for(nonce: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"captcha:{nonce}".encode(), hashlib.sha256).digest()
    return "".join(ALPHABET[b % len(ALPHABET)] for b in digest[:LENGTH])


def check(token: str, answer: str) -> None:
    """Raise CaptchaError unless `answer` is the code of `token`, fresh and not used before."""
    nonce = _nonce(token or "")
    given = "".join((answer or "").split()).upper()
    if not given:
        raise CaptchaError("请输入验证码。")
    if not hmac.compare_digest(given, code_for(nonce)):
        raise CaptchaError("验证码不正确,请重新输入(不区分大小写)。")
    if not cache.add(f"captcha:used:{nonce}", 1, MAX_AGE):
        raise CaptchaError("验证码已使用过,请换一张后重新输入。")


def image(token: str) -> bytes:
    """The PNG of the token's code: rotated glyphs, noise lines and dots (raises CaptchaError if invalid)."""
    from PIL import Image, ImageDraw, ImageFont

    nonce = _nonce(token)
    code = code_for(nonce)
    rnd = random.Random(nonce)  # the same token always draws the same picture  # noqa: S311
    width, height = 150, 50
    img = Image.new("RGB", (width, height), (246, 243, 236))
    draw = ImageDraw.Draw(img)
    for _ in range(6):
        draw.line(
            [
                (rnd.randint(0, width), rnd.randint(0, height)),
                (rnd.randint(0, width), rnd.randint(0, height)),
            ],
            fill=(rnd.randint(120, 190),) * 3,
            width=1,
        )
    font = ImageFont.load_default(size=34)
    for i, char in enumerate(code):
        glyph = Image.new("RGBA", (44, 50), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text(
            (6, 2), char, font=font, fill=(rnd.randint(10, 90), 30, rnd.randint(40, 120))
        )
        glyph = glyph.rotate(rnd.randint(-28, 28), resample=Image.BICUBIC, expand=False)
        img.paste(glyph, (8 + i * 34 + rnd.randint(-3, 3), rnd.randint(-4, 4)), glyph)
    for _ in range(120):
        draw.point((rnd.randint(0, width - 1), rnd.randint(0, height - 1)), fill=(rnd.randint(60, 200),) * 3)
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()
