"""Forms of 公众留言: the public form and lookup, and the console's route / answer / reason / policy forms.
The rules (lengths, contacts, screening) are in messages.py; these only collect and pre-check input."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from gongkai.core.forms import CaptchaMixin

from . import messages as rules
from .constants import MessageKind
from .models import MAX_MESSAGE_WORKDAYS

PRIVACY_NOTICE = (
    "您填写的姓名、联系电话和电子邮箱仅用于办理和答复您的留言,只有办公室和承办科室的工作人员可以查看,"
    "不会公开,也不会用于其他用途。即使您同意公开,公开的也只是留言标题、内容和答复,姓名只显示姓氏"
    "(如“张**”),留言内容中的电话号码、证件号码等会被遮盖。"
)


class MessageForm(CaptchaMixin):
    org = forms.CharField(widget=forms.HiddenInput, required=False, max_length=100)
    kind = forms.ChoiceField(
        label="留言类型",
        choices=MessageKind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "请选择留言类型(咨询或建言)。",
            "invalid_choice": "请选择有效的留言类型。",
        },
    )
    subject = forms.CharField(
        label="标题",
        max_length=rules.MAX_SUBJECT,
        error_messages={"required": "请填写标题。", "max_length": f"标题不能超过 {rules.MAX_SUBJECT} 字。"},
    )
    text = forms.CharField(
        label="留言内容",
        max_length=rules.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=f"请具体写明您要咨询的问题或提出的建议,不超过 {rules.MAX_TEXT} 字。",
        error_messages={
            "required": "请填写留言内容。",
            "max_length": f"留言内容不能超过 {rules.MAX_TEXT} 字。",
        },
    )
    name = forms.CharField(
        label="姓名",
        max_length=rules.MAX_NAME,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": "请填写姓名。", "max_length": f"姓名不能超过 {rules.MAX_NAME} 字。"},
    )
    phone = forms.CharField(
        label="联系电话",
        required=False,
        max_length=rules.MAX_PHONE,
        help_text="联系电话和电子邮箱至少填写一项。",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        error_messages={"max_length": "联系电话过长。"},
    )
    email = forms.CharField(
        label="电子邮箱",
        required=False,
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "email", "inputmode": "email"}),
        error_messages={"max_length": "电子邮箱地址过长。"},
    )
    publish_ok = forms.BooleanField(
        label="同意在网站上公开我的留言和答复(姓名只显示姓氏,不公开联系方式)",
        required=False,
        initial=False,
    )
    consent = forms.BooleanField(
        label="我已阅读并同意上述个人信息保护告知",
        error_messages={"required": "请阅读并同意个人信息保护告知后再提交。"},
    )
    # Honeypot: moved off-screen by CSS, filled in by robots only.
    website = forms.CharField(label="网址(请勿填写)", required=False, max_length=200)

    def _stripped(self, field: str, message: str) -> str:
        value = self.cleaned_data[field].strip()
        if not value:
            raise ValidationError(message)
        return value

    def clean_subject(self):
        return self._stripped("subject", "请填写标题。")

    def clean_text(self):
        return self._stripped("text", "请填写留言内容。")

    def clean_name(self):
        return self._stripped("name", "请填写姓名。")

    def clean_phone(self):
        try:
            return rules.clean_phone(self.cleaned_data["phone"])
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["phone"]) from None

    def clean_email(self):
        try:
            return rules.clean_email(self.cleaned_data["email"])
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["email"]) from None

    def clean(self):
        data = super().clean()
        if "phone" in data and "email" in data and not (data["phone"] or data["email"]):
            self.add_error("phone", "请至少填写联系电话或电子邮箱中的一项,以便答复您。")
        return data


class LookupForm(forms.Form):
    code = forms.CharField(
        label="查询码",
        max_length=30,
        help_text=f"提交留言后得到的 {rules.TRACKING_LENGTH} 位查询码(不区分大小写,可含短横线)。",
        error_messages={"required": "请输入查询码。", "max_length": "查询码格式不正确。"},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_code(self):
        code = rules.normalize_code(self.cleaned_data["code"])
        if not code:
            raise ValidationError(
                f"查询码格式不正确:应为 {rules.TRACKING_LENGTH} 位字母和数字,例如 ABCD-EFGH-JKMN。"
            )
        return code


class RouteForm(forms.Form):
    department = forms.ModelChoiceField(
        label="承办科室",
        queryset=None,
        empty_label="请选择科室",
        error_messages={"required": "请选择承办科室。", "invalid_choice": "请选择本机构的科室。"},
    )
    note = forms.CharField(
        label="分办说明(选填)",
        required=False,
        max_length=rules.MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": f"分办说明不能超过 {rules.MAX_REASON} 字。"},
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = rules.routable_departments(organization)


class AnswerForm(forms.Form):
    text = forms.CharField(
        label="答复内容",
        max_length=rules.MAX_ANSWER,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="提交前将按本机构的表述词库和个人信息规则检查;有必须修改的问题时不能提交。",
        error_messages={
            "required": "请填写答复内容。",
            "max_length": f"答复内容不能超过 {rules.MAX_ANSWER} 字。",
        },
    )
    show_publicly = forms.BooleanField(
        label="在网站公开留言和答复(留言人已同意公开)", required=False, initial=True
    )

    def clean_text(self):
        value = self.cleaned_data["text"].strip()
        if not value:
            raise ValidationError("请填写答复内容。")
        return value


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="理由",
        max_length=rules.MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写理由。", "max_length": f"理由不能超过 {rules.MAX_REASON} 字。"},
    )

    def __init__(self, *args, label: str = "理由", help_text: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label
        self.fields["reason"].help_text = help_text

    def clean_reason(self):
        value = self.cleaned_data["reason"].strip()
        if not value:
            raise ValidationError("请填写理由。")
        return value


class PolicyForm(forms.Form):
    answer_workdays = forms.IntegerField(
        label="答复期限(工作日)",
        min_value=1,
        max_value=MAX_MESSAGE_WORKDAYS,
        help_text=f"自收到留言之日起计算,默认 5 个工作日;无论如何不得超过 3 个月(国办秘函〔2019〕19号)。"
        f"可设 1 至 {MAX_MESSAGE_WORKDAYS} 个工作日,只影响此后收到的留言。",
        error_messages={
            "required": "请填写答复期限。",
            "invalid": "答复期限须为整数个工作日。",
            "min_value": "答复期限至少 1 个工作日。",
            "max_value": f"答复期限不能超过 {MAX_MESSAGE_WORKDAYS} 个工作日。",
        },
    )
