"""Forms of the account pages: the login code, the password change, the second factor."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm

from gongkai.orgs import totp

CODE_FORMAT = "请输入 6 位数字的动态验证码。"


class CodeForm(forms.Form):
    code = forms.CharField(
        label="动态验证码",
        max_length=20,
        help_text="打开手机上的验证器(身份验证器)App,输入本账号当前显示的 6 位数字。",
        error_messages={"required": CODE_FORMAT},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "pattern": "[0-9 ]*"}),
    )

    def clean_code(self):
        code = totp.normalise_code(self.cleaned_data["code"])
        if code is None:
            raise forms.ValidationError(CODE_FORMAT)
        return code


class PasswordChangeForm(DjangoPasswordChangeForm):
    error_messages = {
        "password_incorrect": "原密码不正确,请重新输入。",
        "password_mismatch": "两次输入的新密码不一致。",
    }

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.fields["old_password"].label = "原密码"
        self.fields["old_password"].error_messages["required"] = "请输入原密码。"
        self.fields["new_password1"].label = "新密码"
        self.fields["new_password1"].error_messages["required"] = "请输入新密码。"
        self.fields["new_password1"].help_text = ";".join(
            password_validation.password_validators_help_texts()
        )
        self.fields["new_password2"].label = "再次输入新密码"
        self.fields["new_password2"].error_messages["required"] = "请再次输入新密码。"
        self.fields["new_password2"].help_text = ""
