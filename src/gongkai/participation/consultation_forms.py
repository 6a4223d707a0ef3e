"""Forms of 征求意见: the console's (drafting, extending, moderating, classifying, the feedback summary) and
the public comment form. They only shape input; the rules live in consultations.py."""

from __future__ import annotations

import os

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from gongkai.catalogue.models import CatalogueEntry
from gongkai.core.forms import CaptchaMixin
from gongkai.orgs.models import Department
from gongkai.publishing.html import DocxImportError, docx_to_html
from gongkai.publishing.models import Topic

from . import consultations as rules
from .constants import DEFAULT_FEEDBACK_WORKDAYS, ConsultationKind, Disposition

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日"]


def _date(label: str, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        widget=DATE_WIDGET,
        input_formats=DATE_FORMATS,
        help_text=help_text,
        error_messages={
            "required": f"请填写{label}。",
            "invalid": f"{label}格式不正确,请按 2026-12-01 的格式填写。",
        },
    )


class ConsultationForm(forms.Form):
    """Drafting (``creating=True``: with the draft text and the notice's column) or editing a draft."""

    department = forms.ModelChoiceField(
        label="起草科室",
        queryset=Department.objects.none(),
        empty_label="(请选择)",
        error_messages={"required": "请选择起草科室。", "invalid_choice": "请选择本机构的科室。"},
    )
    kind = forms.ChoiceField(
        label="类别",
        choices=[("", "(请选择)"), *ConsultationKind.choices],
        help_text="重大行政决策(五类)征求意见期限一般不少于30日;行政规范性文件一般不少于7个工作日。",
        error_messages={"required": "请选择类别。", "invalid_choice": "请选择有效的类别。"},
    )
    title = forms.CharField(
        label="征求意见稿名称",
        max_length=200,
        help_text="如:晋中市A级旅游景区管理办法。公告标题将为“关于公开征求《…(征求意见稿)》意见的公告”。",
        error_messages={"required": "请填写征求意见稿名称。", "max_length": "名称不能超过200字。"},
    )
    explanation = forms.CharField(
        label="起草说明",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=10000,
        help_text="起草的必要性、依据、主要内容和需要说明的问题;向公众公开。",
        error_messages={"required": "请填写起草说明。", "max_length": "起草说明不能超过10000字。"},
    )
    draft_text = forms.CharField(
        label="征求意见稿正文",
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        max_length=200000,
        help_text="每行一段;“第X章”“第X条”开头的段落可被公众逐条提意见。保存后可在公告的编辑页面继续修改、上传附件。",
        error_messages={"max_length": "正文过长,请改为上传附件。"},
    )
    docx_file = forms.FileField(
        label="或从 Word 导入正文",
        required=False,
        help_text="选择 .docx 文件,其内容将作为正文(替代上面填写的正文)。",
        widget=forms.FileInput(
            attrs={"accept": ".docx,application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
        ),
    )
    opens_on = _date("开始日期", "公告发布后,自该日起接收意见。")
    closes_on = _date("截止日期", "当日24时截止。")
    short_period_reason = forms.CharField(
        label="期限缩短理由",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="少于法定期限时必须填写,并向公众公开。",
        error_messages={"max_length": "缩短理由不能超过1000字。"},
    )
    ask_name = forms.BooleanField(label="要求填写姓名", required=False, initial=True)
    ask_phone = forms.BooleanField(label="要求填写联系电话", required=False, initial=True)
    ask_email = forms.BooleanField(label="要求填写电子邮箱", required=False)
    ask_address = forms.BooleanField(label="要求填写通讯地址", required=False)
    show_comments = forms.BooleanField(
        label="公开显示意见", required=False, help_text="审核通过的意见在征求意见页面公开(隐去个人信息)。"
    )
    feedback_workdays = forms.IntegerField(
        label="反馈期限(工作日)",
        min_value=rules.MIN_FEEDBACK_WORKDAYS,
        max_value=rules.MAX_FEEDBACK_WORKDAYS,
        initial=DEFAULT_FEEDBACK_WORKDAYS,
        help_text="截止后多少个工作日内公布意见采纳情况。",
        error_messages={
            "required": "请填写反馈期限。",
            "invalid": "反馈期限须为整数。",
            "min_value": f"反馈期限至少{rules.MIN_FEEDBACK_WORKDAYS}个工作日。",
            "max_value": f"反馈期限不能超过{rules.MAX_FEEDBACK_WORKDAYS}个工作日。",
        },
    )
    catalogue_entry = forms.ModelChoiceField(
        label="公告的目录分类",
        queryset=CatalogueEntry.objects.none(),
        required=False,
        empty_label="(稍后在公告编辑页选择)",
        error_messages={"invalid_choice": "请选择本机构的目录分类。"},
    )
    topic = forms.ModelChoiceField(
        label="公告的所属主题",
        queryset=Topic.objects.none(),
        required=False,
        empty_label="(稍后在公告编辑页选择)",
        error_messages={"invalid_choice": "请选择本机构的主题。"},
    )

    CREATE_ONLY = ("draft_text", "docx_file", "catalogue_entry", "topic")

    def __init__(self, *args, organization, creating: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(organization=organization).order_by(
            "ordering", "code"
        )
        if creating:
            self.fields["catalogue_entry"].queryset = CatalogueEntry.objects.filter(
                organization=organization, children__isnull=True
            ).order_by("code")
            self.fields["catalogue_entry"].label_from_instance = lambda e: " / ".join(e.path_names)
            self.fields["topic"].queryset = Topic.objects.filter(organization=organization)
        else:
            for name in self.CREATE_ONLY:
                del self.fields[name]

    def clean_docx_file(self):
        upload = self.cleaned_data.get("docx_file")
        if not upload:
            return ""
        if os.path.splitext(upload.name or "")[1].lower() != ".docx":
            raise forms.ValidationError("只能导入 .docx 格式的 Word 文档(旧版 .doc 请先另存为 .docx)。")
        limit = settings.GONGKAI_MAX_ATTACHMENT_BYTES
        if upload.size > limit:
            raise forms.ValidationError(f"文件超过了 {filesizeformat(limit)} 的上限。")
        try:
            html, _messages = docx_to_html(upload.read())
        except DocxImportError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return html

    def consultation_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k in rules.CONSULTATION_FIELDS}

    def add_service_errors(self, error) -> None:
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        else:
            self.add_error(None, error)


class ExtendForm(forms.Form):
    closes_on = _date("新的截止日期")
    note = forms.CharField(
        label="延长说明",
        required=False,
        max_length=rules.MAX_NOTE,
        help_text="将记入操作日志。",
        error_messages={"max_length": f"说明不能超过{rules.MAX_NOTE}字。"},
    )


class ModerateForm(forms.Form):
    decision = forms.ChoiceField(
        label="审核结果",
        choices=[("approve", "通过"), ("reject", "不予通过")],
        widget=forms.RadioSelect,
        error_messages={"required": "请选择审核结果。", "invalid_choice": "请选择审核结果。"},
    )
    note = forms.CharField(
        label="审核说明",
        required=False,
        max_length=rules.MAX_NOTE,
        help_text="不予通过时必填。",
        error_messages={"max_length": f"审核说明不能超过{rules.MAX_NOTE}字。"},
    )


class ClassifyForm(forms.Form):
    disposition = forms.ChoiceField(
        label="采纳情况",
        choices=[("", "(请选择)"), *Disposition.choices],
        error_messages={"required": "请选择采纳情况。", "invalid_choice": "请选择有效的采纳情况。"},
    )
    reason = forms.CharField(
        label="理由或说明",
        required=False,
        max_length=rules.MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="未采纳的必须说明理由。",
        error_messages={"max_length": f"理由不能超过{rules.MAX_REASON}字。"},
    )
    duplicate_of = forms.TypedChoiceField(
        label="与之重复的意见",
        required=False,
        coerce=int,
        empty_value=None,
        help_text="认定为重复意见时选择原意见。",
        error_messages={"invalid_choice": "请选择本次征求意见中的另一条意见。"},
    )

    def __init__(self, *args, originals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["duplicate_of"].choices = [("", "(不是重复意见)"), *originals]


class SummaryForm(forms.Form):
    feedback_summary = forms.CharField(
        label="采纳情况说明",
        max_length=rules.MAX_SUMMARY,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="总体说明意见的采纳情况和未采纳的主要理由;将写入反馈报告并向公众公开。",
        error_messages={
            "required": "请填写采纳情况说明。",
            "max_length": f"说明不能超过{rules.MAX_SUMMARY}字。",
        },
    )


class CommentForm(CaptchaMixin):
    """The public's comment: on the whole draft or one section, with the contact details asked for."""

    anchor = forms.ChoiceField(label="意见针对", required=False)
    text = forms.CharField(
        label="意见内容",
        max_length=rules.MAX_COMMENT,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=f"请写明具体的修改意见和理由,不超过 {rules.MAX_COMMENT} 字。",
        error_messages={
            "required": "请填写意见内容。",
            "max_length": f"意见内容不能超过{rules.MAX_COMMENT}字。",
        },
    )
    name = forms.CharField(label="姓名", max_length=50, error_messages={"max_length": "姓名不能超过50字。"})
    phone = forms.CharField(
        label="联系电话",
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        error_messages={"max_length": "联系电话不能超过30个字符。"},
    )
    email = forms.EmailField(
        label="电子邮箱",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"invalid": "电子邮箱格式不正确。", "max_length": "电子邮箱过长。"},
    )
    address = forms.CharField(
        label="通讯地址", max_length=200, error_messages={"max_length": "通讯地址不能超过200字。"}
    )
    consent = forms.BooleanField(
        label="我已阅读并同意上述个人信息告知",
        error_messages={"required": "请阅读并同意个人信息告知后再提交。"},
    )
    # Honeypot: hidden from people by CSS, filled in by robots.
    website = forms.CharField(label="网址(请勿填写)", required=False, max_length=200)

    CONTACT_FIELDS = ("name", "phone", "email", "address")

    def __init__(self, *args, consultation, sections, **kwargs):
        super().__init__(*args, **kwargs)
        self.consultation = consultation
        self.fields["anchor"].choices = [
            ("", "对全文提意见"),
            *((s.anchor, s.choice_label) for s in sections),
        ]
        self.fields["anchor"].error_messages["invalid_choice"] = (
            "所选条款不存在,请重新选择(或选择“对全文提意见”)。"
        )
        for name in self.CONTACT_FIELDS:
            if getattr(consultation, f"ask_{name}"):
                self.fields[name].required = True
                self.fields[name].error_messages["required"] = f"请填写{self.fields[name].label}。"
            else:
                del self.fields[name]
        self.order_fields(["anchor", "text", *self.CONTACT_FIELDS, "consent", "captcha", "website"])

    def clean_text(self):
        value = self.cleaned_data["text"].strip()
        if not value:
            raise forms.ValidationError("请填写意见内容。")
        return value

    @property
    def contact_fields(self):
        return [self[name] for name in self.CONTACT_FIELDS if name in self.fields]
