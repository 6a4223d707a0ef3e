"""Forms of the online interviews (在线访谈): the public question form and the console's forms. They check
the shape of what was typed (Chinese messages); the rules are in interviews.py."""

from __future__ import annotations

from django import forms

from gongkai.core.forms import CaptchaMixin
from gongkai.orgs.constants import Role
from gongkai.orgs.models import Department
from gongkai.publishing.models import InformationItem

from . import interviews
from .constants import InterviewStatus

MOMENT_FORMAT = "%Y-%m-%dT%H:%M"


def _text(label: str, *, required: bool = True, max_length: int, rows: int = 4, help_text: str = ""):
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        help_text=help_text,
        strip=True,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": f"请填写{label}。", "max_length": f"{label}不能超过 {max_length} 字。"},
    )


def _moment(label: str) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        input_formats=[MOMENT_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=MOMENT_FORMAT),
        error_messages={
            "required": f"请填写{label}。",
            "invalid": f"{label}格式不正确,请按“2026-12-01 14:30”的格式填写。",
        },
    )


# --- public ---------------------------------------------------------------------------------------------------


class QuestionForm(CaptchaMixin):
    """A question to the guests: optional nickname, the question, the captcha; `website` is a honeypot."""

    name = forms.CharField(
        label="昵称",
        required=False,
        max_length=interviews.MAX_NICKNAME,
        help_text="选填,显示在您的问题前;不填显示为“网友”。请勿填写真实姓名、电话等个人信息。",
        error_messages={"max_length": f"昵称不能超过 {interviews.MAX_NICKNAME} 字。"},
    )
    text = forms.CharField(
        label="您的问题",
        max_length=interviews.MAX_QUESTION,
        help_text=f"不超过 {interviews.MAX_QUESTION} 字。问题经审核后才会显示,嘉宾将择要回答。",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "required": "请填写您的问题。",
            "max_length": f"问题不能超过 {interviews.MAX_QUESTION} 字。",
        },
    )
    website = forms.CharField(label="网址(请勿填写)", required=False)


# --- console ---------------------------------------------------------------------------------------------------


class InterviewForm(forms.Form):
    title = forms.CharField(
        label="访谈主题",
        max_length=interviews.MAX_TITLE,
        error_messages={"required": "请填写访谈主题。", "max_length": "访谈主题不能超过 200 字。"},
    )
    description = _text(
        "访谈简介",
        required=False,
        max_length=interviews.MAX_DESCRIPTION,
        rows=5,
        help_text="访谈的背景和主要内容。",
    )
    guests = _text(
        "嘉宾",
        max_length=interviews.MAX_GUESTS * (interviews.MAX_GUEST_LINE + 1),
        rows=4,
        help_text="每行一位:姓名 职务,例如“张明 市文化和旅游局副局长”。",
    )
    department = forms.ModelChoiceField(
        label="承办科室",
        queryset=Department.objects.none(),
        error_messages={"required": "请选择承办科室。", "invalid_choice": "请选择本机构的承办科室。"},
    )
    starts_at = _moment("开始时间")
    ends_at = _moment("结束时间")
    interprets = forms.CharField(
        label="解读的文件(索引号)",
        required=False,
        max_length=80,
        help_text="选填。访谈解读本机构已公开的某份文件时,填写该文件的索引号。",
    )

    def __init__(self, *args, organization, membership, interview=None, **kwargs):
        if interview is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "title": interview.title,
                "description": interview.description,
                "guests": interview.guests,
                "department": interview.department_id,
                "starts_at": interview.starts_at,
                "ends_at": interview.ends_at,
                "interprets": interview.interprets.index_number if interview.interprets_id else "",
            }
        super().__init__(*args, **kwargs)
        self.organization = organization
        departments = Department.objects.filter(organization=organization).order_by("ordering", "code")
        if not membership.has_role(Role.OFFICE_EDITOR):
            departments = departments.filter(pk=membership.department_id)
        self.fields["department"].queryset = departments
        if interview is not None and interview.status == InterviewStatus.LIVE:
            field = self.fields["starts_at"]
            field.disabled = True
            field.help_text = "访谈已开始,开始时间不能修改。"

    def clean_interprets(self):
        number = (self.cleaned_data.get("interprets") or "").strip()
        if not number:
            return None
        item = (
            InformationItem.objects.filter(organization=self.organization, index_number=number)
            .select_related("live_revision")
            .first()
        )
        if item is None:
            raise forms.ValidationError(f"本机构没有索引号为“{number}”的信息。")
        return item

    def data_for_service(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in interviews.EDIT_FIELDS}


class SummaryForm(forms.Form):
    summary = _text(
        "访谈摘要",
        required=False,
        max_length=interviews.MAX_SUMMARY,
        rows=6,
        help_text="访谈结束后与访谈实录一起公开。",
    )


class ApproveForm(forms.Form):
    text = _text(
        "问题内容",
        max_length=interviews.MAX_QUESTION,
        rows=3,
        help_text="可删改不宜公开的内容后采用;手机号、邮箱等个人信息采用时自动脱敏。",
    )


class RejectForm(forms.Form):
    note = forms.CharField(
        label="不予采用的原因",
        required=False,
        max_length=300,
        help_text="选填,仅内部记录。",
        error_messages={"max_length": "原因不能超过 300 字。"},
    )


class AnswerForm(forms.Form):
    guest = forms.ChoiceField(
        label="回答嘉宾",
        choices=(),
        error_messages={"required": "请选择回答的嘉宾。", "invalid_choice": "请从嘉宾名单中选择回答的嘉宾。"},
    )
    answer = _text("嘉宾的回答", max_length=interviews.MAX_ANSWER, rows=5)

    def __init__(self, *args, interview, **kwargs):
        super().__init__(*args, **kwargs)
        guests = interviews.guest_lines(interview.guests)
        self.fields["guest"].choices = [("", "请选择嘉宾")] + [(g, g) for g in guests]
