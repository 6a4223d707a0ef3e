"""The locally generated captcha and the public forms' rate limits."""

from __future__ import annotations

import io

import pytest
import time_machine
from django.test import RequestFactory

from gongkai.core import captcha, throttle
from gongkai.core.forms import CaptchaMixin


def test_the_right_code_is_accepted_once_and_case_does_not_matter():
    token = captcha.new_token()
    code = captcha.code_for(captcha._nonce(token))
    assert len(code) == 4 and set(code) <= set(captcha.ALPHABET)
    assert code not in token  # the page never carries the answer
    captcha.check(token, f" {code.lower()} ")
    with pytest.raises(captcha.CaptchaError, match="已使用过"):
        captcha.check(token, code)


@pytest.mark.parametrize(("answer", "message"), [("", "请输入验证码"), ("ZZZZ9", "不正确")])
def test_a_wrong_or_empty_answer_is_refused(answer, message):
    with pytest.raises(captcha.CaptchaError, match=message):
        captcha.check(captcha.new_token(), answer)


def test_a_forged_or_expired_token_is_refused():
    with pytest.raises(captcha.CaptchaError, match="无效"):
        captcha.check("forged:token", "ABCD")
    with time_machine.travel("2026-12-01 10:00 +0800", tick=False):
        token = captcha.new_token()
        code = captcha.code_for(captcha._nonce(token))
    with (
        time_machine.travel("2026-12-01 10:16 +0800", tick=False),
        pytest.raises(captcha.CaptchaError, match="过期"),
    ):
        captcha.check(token, code)


def test_the_picture_is_a_png_and_the_same_for_the_same_token():
    from PIL import Image

    token = captcha.new_token()
    first = captcha.image(token)
    assert first == captcha.image(token)
    picture = Image.open(io.BytesIO(first))
    assert picture.format == "PNG" and picture.size == (150, 50)


@pytest.mark.django_db
def test_the_image_endpoint_and_a_new_challenge(client):
    response = client.get("/captcha/new")
    token = response.json()["token"]
    image = client.get("/captcha.png", {"t": token})
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert "no-cache" in image["Cache-Control"] or "max-age=0" in image["Cache-Control"]
    bad = client.get("/captcha.png", {"t": "nonsense"})
    assert bad.status_code == 400 and "验证码无效" in bad.content.decode()


class _Form(CaptchaMixin):
    pass


def test_the_form_mixin_checks_the_captcha_and_gives_a_new_one_after_a_failure():
    form = _Form()
    token = form.initial["captcha_token"]
    bad = _Form({"captcha_token": token, "captcha": "0000"})
    assert not bad.is_valid() and "不正确" in bad.errors["captcha"][0]
    assert bad.fresh_captcha() != token
    good = _Form({"captcha_token": token, "captcha": captcha.code_for(captcha._nonce(token))})
    assert good.is_valid()


def test_rate_limit_per_client_and_scope():
    limit = throttle.Limit("test", 2, 60)
    rf = RequestFactory()
    a = rf.post("/", REMOTE_ADDR="10.0.0.1")
    b = rf.post("/", REMOTE_ADDR="10.0.0.2")
    for _ in range(2):
        assert not limit.exceeded(a, "c1")
        limit.hit(a, "c1")
    assert limit.exceeded(a, "c1")
    assert not limit.exceeded(a, "c2") and not limit.exceeded(b, "c1")
    assert "每 1 分钟最多提交 2 条意见" in limit.message("意见")
    assert "10.0.0.1" not in throttle.client_key(a)
