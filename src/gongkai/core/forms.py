"""Form pieces shared by the public forms."""

from __future__ import annotations

from django import forms

from . import captcha


class CaptchaMixin(forms.Form):
    """A locally generated captcha (core/captcha.py). Render `{% include "core/captcha_field.html" %}`.

    A bound form that fails for any reason gets a new challenge (a code is accepted once)."""

    captcha_token = forms.CharField(widget=forms.HiddenInput, required=False)
    captcha = forms.CharField(
        label="验证码",
        max_length=10,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "latin", "class": "captcha-input"}),
        help_text="请输入图片中的4个字符,不区分大小写。",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["captcha_token"] = captcha.new_token()

    def clean(self):
        data = super().clean()
        try:
            captcha.check(
                self.data.get(self.add_prefix("captcha_token"), ""),
                self.data.get(self.add_prefix("captcha"), ""),
            )
        except captcha.CaptchaError as exc:
            self.add_error("captcha", str(exc))
        return data

    def fresh_captcha(self) -> str:
        """The token to show when the form is shown again."""
        if self.is_bound and not self.is_valid():
            return captcha.new_token()
        return self.initial.get("captcha_token") or captcha.new_token()
