from django import forms

from gongkai.core.forms import CaptchaMixin

from .models import MAX_DESCRIPTION, Category
from .services import MAX_ANSWER


class ReportForm(CaptchaMixin):
    """The public 网民纠错 form: the captcha (checked in CaptchaMixin.clean), and `website` as a honeypot."""

    page = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2000)
    org = forms.CharField(widget=forms.HiddenInput, required=False, max_length=100)
    category = forms.ChoiceField(
        label="错误类型",
        choices=Category.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择错误类型。", "invalid_choice": "请选择有效的错误类型。"},
    )
    description = forms.CharField(
        label="问题描述",
        max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=f"请具体说明错误所在及正确内容,不超过 {MAX_DESCRIPTION} 字。",
        error_messages={
            "required": "请填写问题描述。",
            "max_length": f"问题描述不能超过 {MAX_DESCRIPTION} 字。",
        },
    )
    contact_name = forms.CharField(
        label="联系人(选填)",
        required=False,
        max_length=50,
        error_messages={"max_length": "联系人不能超过 50 字。"},
    )
    contact = forms.CharField(
        label="联系电话或电子邮箱(选填)",
        required=False,
        max_length=100,
        help_text="仅用于答复您,不会公开。",
        error_messages={"max_length": "联系方式不能超过 100 字。"},
    )
    # Honeypot: hidden from people by CSS, filled in by robots.
    website = forms.CharField(label="网址(请勿填写)", required=False, max_length=200)

    def clean_description(self):
        value = self.cleaned_data["description"].strip()
        if not value:
            raise forms.ValidationError("请填写问题描述。")
        return value


class AnswerForm(forms.Form):
    text = forms.CharField(
        label="答复内容",
        max_length=MAX_ANSWER,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "请填写内容。", "max_length": f"内容不能超过 {MAX_ANSWER} 字。"},
    )
