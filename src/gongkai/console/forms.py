"""Console forms. They only shape input: the rules live in gongkai.publishing.services."""

from __future__ import annotations

import os

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.forms.models import fields_for_model
from django.template.defaultfilters import filesizeformat

from gongkai.catalogue.models import CatalogueEntry
from gongkai.orgs.models import Department
from gongkai.publishing import permissions
from gongkai.publishing.content import CONTENT_FIELDS
from gongkai.publishing.html import DocxImportError, docx_to_html
from gongkai.publishing.models import InformationItem, Revision, Topic

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _item_fields() -> tuple[str, ...]:
    """The editor's fields: the revision content the publishing service accepts, plus the co-producing
    departments (a many-to-many the service takes separately), shown right after the lead department."""
    fields = list(CONTENT_FIELDS)
    at = fields.index("lead_department") + 1 if "lead_department" in fields else len(fields)
    fields.insert(at, "co_departments")
    return tuple(fields)


ITEM_FIELDS = _item_fields()


class DepartmentsField(forms.ModelMultipleChoiceField):
    """Only ids that can exist reach the database (a 20-digit value is a form error, not an overflow)."""

    def _check_values(self, value):
        for pk in value or ():
            text = str(pk)
            if not (text.isascii() and text.isdigit() and len(text) <= 18):
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": text}
                )
        return super()._check_values(value)


class InterpretationSelect(forms.NullBooleanSelect):
    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("unknown", "按目录分类判定"), ("true", "需要解读"), ("false", "不需要解读")]


HELP = {
    "title": "不超过300字。",
    "document_number": "如:市文旅发〔2026〕12号;无文号可不填。",
    "publisher": "默认为本机构名称。",
    "lead_department": "牵头(制作)科室负责审核和发布(谁制作、谁审查、谁负责)。",
    "formed_on": "法定发布期限从成文日期起算 20 个工作日(条例第26条)。",
    "disclosure_attribute": "只有“主动公开”的信息可以发布。",
    "non_disclosure_reason": "公开属性为依申请公开或不予公开时必填。",
    "catalogue_entry": "按基本目录发布,提交审核前必须选择。",
    "summary": "提交审核前必须填写。",
    "body": "可直接编辑 HTML;保存时会清除脚本、样式等不安全内容。",
    "change_note": "修订已发布信息时,向公众说明更新了什么。",
    "is_major_change": "重大变更将在公开页面醒目提示。",
    "needs_interpretation": "按目录分类自动判定(应解读、尽解读);改变判定须说明理由。",
    "interprets": "本信息是解读材料时,选择所解读的文件(文件与解读页面将互相链接)。",
    "interpretation_form": "本信息是解读材料时选择其形式;文件本身留空。",
    "meeting_name": "解读会议精神(无文件)时填写会议名称。",
}


class ConsoleLoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码不正确。请注意区分大小写;连续输错 %(limit)s 次账号将被临时锁定。",
        "inactive": "该账号已停用,请联系系统管理员。",
    }

    def get_invalid_login_error(self):
        return forms.ValidationError(
            self.error_messages["invalid_login"],
            code="invalid_login",
            params={"limit": settings.AXES_FAILURE_LIMIT},
        )


class ItemForm(forms.Form):
    """The content fields of a revision, plus the optimistic lock and an optional .docx to import."""

    lock_version = forms.IntegerField(
        label="页面版本",
        widget=forms.HiddenInput,
        required=False,
        error_messages={
            "required": "页面已过期,请刷新后重新编辑。",
            "invalid": "页面已过期,请刷新后重新编辑。",
        },
    )
    docx_file = forms.FileField(
        label="从 Word 导入正文",
        required=False,
        help_text="选择 .docx 文件后保存,其内容将替换正文(图片请作为附件上传)。",
        widget=forms.FileInput(
            attrs={"accept": ".docx,application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
        ),
    )

    def __init__(self, *args, organization, user=None, revising: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.revising = revising
        self.import_messages: list[str] = []
        fields = [f for f in ITEM_FIELDS if revising or f != "is_major_change"]
        model_fields = fields_for_model(
            Revision,
            fields=fields,
            field_classes={"co_departments": DepartmentsField},
            widgets={
                "formed_on": DATE_WIDGET,
                "effective_on": DATE_WIDGET,
                "co_departments": forms.CheckboxSelectMultiple,
                "disclosure_attribute": forms.RadioSelect,
                "summary": forms.Textarea(attrs={"rows": 4}),
                "body": forms.Textarea(attrs={"rows": 18, "class": "code-input", "spellcheck": "false"}),
                "non_disclosure_reason": forms.Textarea(attrs={"rows": 3}),
                "change_note": forms.Textarea(attrs={"rows": 3}),
            },
            help_texts=HELP,
        )
        docx = self.fields.pop("docx_file")
        lock = self.fields.pop("lock_version")
        for name in fields:
            self.fields[name] = model_fields[name]
            if name == "body":
                self.fields["docx_file"] = docx
        self.fields["lock_version"] = lock

        departments = Department.objects.filter(organization=organization).order_by("ordering", "code")
        self.fields["lead_department"].queryset = departments
        self.fields["co_departments"].queryset = departments
        self.fields["topic"].queryset = Topic.objects.filter(organization=organization)
        self.fields["catalogue_entry"].queryset = CatalogueEntry.objects.filter(organization=organization)
        self.fields["catalogue_entry"].label_from_instance = lambda e: " / ".join(e.path_names)
        self.fields["needs_interpretation"] = forms.NullBooleanField(
            label="是否需要解读",
            required=False,
            help_text=HELP["needs_interpretation"],
            widget=InterpretationSelect(),
        )
        # The documents an interpretation may name: those the person may see (published ones only when
        # nobody is named), each as they see it.
        documents = InformationItem.objects.filter(organization=organization)
        documents = (
            permissions.visible_items(user, documents)
            if user is not None
            else documents.filter(live_revision__isnull=False)
        )
        documents = (
            documents.exclude(latest_revision__interpretation_form__gt="")
            .select_related("latest_revision", "live_revision")
            .order_by("-pk")
        )
        self.fields["interprets"].queryset = documents
        self.fields["interprets"].label_from_instance = lambda i: (
            f"{i.latest_revision.title}({i.index_number or '未发布'})" if i.latest_revision_id else str(i.pk)
        )
        self.fields["interprets"].empty_label = "(不是解读材料)"
        for name in ("lead_department", "topic", "catalogue_entry"):
            self.fields[name].empty_label = "(请选择)"
        self.fields["publisher"].required = False
        self.fields["disclosure_attribute"].choices = [
            c for c in self.fields["disclosure_attribute"].choices if c[0]
        ]
        for name in ("formed_on", "effective_on"):
            self.fields[name].input_formats = ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日"]

    def clean_docx_file(self):
        upload = self.cleaned_data.get("docx_file")
        if not upload:
            return None
        if os.path.splitext(upload.name or "")[1].lower() != ".docx":
            raise forms.ValidationError("只能导入 .docx 格式的 Word 文档(旧版 .doc 请先另存为 .docx)。")
        limit = settings.GONGKAI_MAX_ATTACHMENT_BYTES
        if upload.size > limit:
            raise forms.ValidationError(f"文件超过了 {filesizeformat(limit)} 的上限。")
        try:
            html, messages = docx_to_html(upload.read())
        except DocxImportError as exc:
            raise forms.ValidationError(str(exc)) from exc
        self.import_messages = messages
        return html

    def clean(self):
        data = super().clean()
        imported = data.get("docx_file")
        if imported is not None:
            data["body"] = imported
            # Show the imported body in the form too, so nothing is lost if another field needs fixing
            # (a browser never re-sends a file).
            self.data = self.data.copy()
            self.data[self.add_prefix("body")] = imported
        return data

    def content(self) -> dict:
        """The content for create_draft / update_draft."""
        data = {k: v for k, v in self.cleaned_data.items() if k in ITEM_FIELDS}
        data["co_departments"] = list(data.get("co_departments") or [])
        if not (data.get("publisher") or "").strip():
            data.pop("publisher", None)
        return data

    def add_service_errors(self, error) -> None:
        """Show a service's ValidationError on the fields it names (the rest above the form)."""
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        else:
            self.add_error(None, error)


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", max_length=2000, required=False)


class OpinionForm(forms.Form):
    opinion = forms.CharField(label="审核意见", max_length=2000, required=False)


class AbolishForm(forms.Form):
    abolished_on = forms.DateField(
        label="废止日期",
        widget=DATE_WIDGET,
        input_formats=["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日"],
        error_messages={"required": "请填写废止日期。", "invalid": "废止日期格式不正确,请按“年-月-日”填写。"},
    )
    replaced_by = forms.ModelChoiceField(
        label="替代文件",
        queryset=InformationItem.objects.none(),
        required=False,
        empty_label="(无)",
        error_messages={"invalid_choice": "替代文件须为本机构已发布的信息。"},
    )
    note = forms.CharField(
        label="废止说明", widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )

    def __init__(self, *args, item, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["replaced_by"].queryset = (
            InformationItem.objects.published()
            .filter(organization_id=item.organization_id)
            .exclude(pk=item.pk)
            .select_related("live_revision")
            .order_by("index_number")
        )
        self.fields["replaced_by"].label_from_instance = lambda i: f"{i.index_number} {i.live_revision.title}"


class AttachmentForm(forms.Form):
    file = forms.FileField(label="上传附件", error_messages={"required": "请选择要上传的文件。"})
