"""Forms of the 政务舆情 console pages. They check the shape of what was typed (Chinese messages); the
rules themselves (who, when, in which state) are in services.py and settings_services.py."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email

from gongkai.orgs.models import Department

from . import fetch, matching, ssrf
from .constants import (
    Authority,
    CaseStatus,
    ReportKind,
    ResponseChannel,
    RiskLevel,
    Severity,
    SourceKind,
)
from .models import Case, MonitoringRule, Policy, Source, Webhook
from .selectors import MAX_PERIOD_DAYS
from .services import ASSESSMENT_LABELS, MAX_TEXT
from .text import normalise

MAX_TERMS = 500
MAX_TERM_LENGTH = 100
MAX_SCREENSHOT_BYTES = 5 * 1024 * 1024  # as pipeline.SCREENSHOT_MAX_BYTES
MAX_INTERVAL_MINUTES = 7 * 24 * 60


def _text(
    label: str, *, required: bool = True, max_length: int = MAX_TEXT, rows: int = 4, help_text: str = ""
):
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": f"请填写{label}。", "max_length": f"{label}不能超过 {max_length} 字。"},
    )


def _line(label: str, *, required: bool = True, max_length: int = 200, help_text: str = ""):
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        help_text=help_text,
        error_messages={"required": f"请填写{label}。", "max_length": f"{label}不能超过 {max_length} 字。"},
    )


def _choice(label: str, choices, *, required: bool = True, radio: bool = False):
    return forms.ChoiceField(
        label=label,
        choices=choices,
        required=required,
        widget=forms.RadioSelect if radio else forms.Select,
        error_messages={"required": f"请选择{label}。", "invalid_choice": f"请选择有效的{label}。"},
    )


def _moment(label: str, *, help_text: str = "留空为现在。"):
    return forms.DateTimeField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": f"{label}格式不正确,请按“2026-12-01 14:30”的格式填写。"},
    )


def _url(label: str, *, required: bool = False, help_text: str = ""):
    return forms.URLField(
        label=label,
        required=required,
        max_length=1000,
        assume_scheme="https",
        help_text=help_text,
        error_messages={
            "required": f"请填写{label}。",
            "invalid": f"{label}不是有效的网址(应以 http:// 或 https:// 开头)。",
            "max_length": f"{label}不能超过 1000 个字符。",
        },
    )


def split_lines(value: str) -> list[str]:
    """One item a line, stripped, blanks and repeats dropped (order kept)."""
    seen: dict[str, None] = {}
    for line in (value or "").replace("\r", "\n").split("\n"):
        line = line.strip()
        if line:
            seen.setdefault(line, None)
    return list(seen)


def clean_terms(value: str, label: str, *, required: bool) -> str:
    """Terms as the matcher reads them (one a line; commas, 、 and semicolons also separate), each checked
    and stored one a line, repeats dropped."""
    terms = list(dict.fromkeys(matching.split_terms(value)))
    if required and not terms:
        raise ValidationError(f"请至少填写一个{label}(每行一个)。")
    if len(terms) > MAX_TERMS:
        raise ValidationError(f"{label}最多 {MAX_TERMS} 个,现有 {len(terms)} 个。")
    too_long = [t for t in terms if len(t) > MAX_TERM_LENGTH]
    if too_long:
        raise ValidationError(f"每个{label}不能超过 {MAX_TERM_LENGTH} 字:“{too_long[0][:20]}…”。")
    too_short = [t for t in terms if len(normalise(t)) < matching.MIN_TERM_CHARS]
    if too_short:
        raise ValidationError(
            f"{label}“{too_short[0][:20]}”去掉标点和空格后不足 {matching.MIN_TERM_CHARS} 个字"
            "(单字会命中太多无关内容)。"
        )
    return "\n".join(terms)


# --- a case --------------------------------------------------------------------------------------------


class AssessmentForm(forms.Form):
    """研判 (R3)."""

    background = _text(ASSESSMENT_LABELS["background"], required=False)
    situation = _text(ASSESSMENT_LABELS["situation"], required=False)
    viewpoints = _text(ASSESSMENT_LABELS["viewpoints"], required=False)
    trend = _text(ASSESSMENT_LABELS["trend"], required=False)
    risk_level = _choice(
        ASSESSMENT_LABELS["risk_level"], [("", "(尚未评估)"), *RiskLevel.choices], required=False
    )
    emergency_plan = _text(ASSESSMENT_LABELS["emergency_plan"], required=False)


class ClassifyForm(forms.Form):
    severity = _choice("级别", Severity.choices, radio=True)
    department = forms.ModelChoiceField(
        label="责任科室",
        queryset=Department.objects.none(),
        required=False,
        empty_label="(未指定)",
        error_messages={"invalid_choice": "请选择本机构的科室。"},
    )
    reason = _line("调整理由", required=False, max_length=500)

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(organization=organization).order_by(
            "ordering", "code", "pk"
        )


class MoveForm(forms.Form):
    to = _choice("目标状态", CaseStatus.choices)
    note = _line("说明", required=False, max_length=500)


class CloseForm(forms.Form):
    note = _text("办结说明", rows=3, help_text="处置结果和效果评估。")

    def clean_note(self):
        value = self.cleaned_data["note"].strip()
        if not value:
            raise ValidationError("请填写办结说明(处置结果和评估)。")
        return value


class ReportForm(forms.Form):
    """R4: 首报 (basic facts at once) and 续报."""

    kind = _choice("报告类型", ReportKind.choices, radio=True)
    sent_at = _moment("报送时间")
    recipients = _line("报送对象", max_length=500, help_text="例如:市委宣传部、市政府办公室。")
    content = _text("报告内容", rows=6)


class ResponseForm(forms.Form):
    """R6: a response recorded with its link, or an item published through the workflow."""

    channel = _choice("回应方式", ResponseChannel.choices)
    summary = _text("回应内容摘要", rows=3)
    url = _url("链接", help_text="新媒体发布、访谈或发布会报道的链接。")
    responded_at = _moment("回应时间", help_text="留空为现在;网站发布的以发布时间为准。")
    item = forms.ModelChoiceField(
        label="网站发布的信息",
        queryset=None,
        required=False,
        empty_label="(不选择)",
        error_messages={"invalid_choice": "请选择本机构的信息。"},
        help_text="网站回应:选择已通过发布流程的信息(发布后按发布时间计入时限)。",
    )

    def __init__(self, *args, organization, user, **kwargs):
        from gongkai.publishing.constants import ItemStatus
        from gongkai.publishing.models import InformationItem
        from gongkai.publishing.permissions import visible_items

        super().__init__(*args, **kwargs)
        field = self.fields["item"]
        # Only items this person may see (a draft of another department is neither offered nor accepted).
        field.queryset = visible_items(user, InformationItem.objects.filter(organization=organization))
        recent = (
            visible_items(user, InformationItem.objects.filter(organization=organization))
            .filter(latest_revision__isnull=False)
            .exclude(status=ItemStatus.WITHDRAWN)
            .select_related("latest_revision", "live_revision")
            .order_by("-pk")[:100]
        )
        # Offer the newest hundred; any item of the organisation is accepted (the queryset above).
        field.widget.choices = [("", "(不选择)")] + [
            (i.pk, f"{i.latest_revision.title[:60]}({i.get_status_display()})") for i in recent
        ]


class ReferralForm(forms.Form):
    authority = _choice("移交部门", Authority.choices, radio=True)
    referred_at = _moment("移交时间")
    content = _text("移交内容", rows=3, help_text="涉嫌违法的谣言线索、链接等。")
    reference = _line("回执或文号", required=False)


# --- mentions ------------------------------------------------------------------------------------------


class ManualMentionForm(forms.Form):
    """人工录入: a link, a title, the text, a screenshot."""

    url = _url("链接")
    title = _line("标题", required=False, max_length=500)
    text = _text("内容", required=False, rows=6)
    screenshot = forms.FileField(
        label="截图",
        required=False,
        help_text="PNG、JPEG、GIF 或 WebP 图片,不超过 5 MB。",
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}),
        error_messages={"invalid": "截图文件无效。", "empty": "截图文件是空的。"},
    )
    published_at = _moment("发布时间", help_text="原文的发布时间(可不填)。")

    def clean_screenshot(self):
        upload = self.cleaned_data.get("screenshot")
        if upload and upload.size > MAX_SCREENSHOT_BYTES:
            raise ValidationError("截图不能超过 5 MB。")
        return upload

    def clean(self):
        data = super().clean()
        if not self.errors and not (data.get("url") or data.get("text")):
            self.add_error("text", "请至少填写链接或内容。")
        return data


class MoveMentionForm(forms.Form):
    target = forms.ChoiceField(
        label="移至",
        choices=(),
        error_messages={"required": "请选择要移至的事件。", "invalid_choice": "请选择有效的事件。"},
    )

    def __init__(self, *args, cases, exclude=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.cases = {str(c.pk): c for c in cases if exclude is None or c.pk != exclude}
        self.fields["target"].choices = [("new", "新建一个事件")] + [
            (pk, f"{c.title[:50]}({c.get_status_display()})") for pk, c in self.cases.items()
        ]

    def target_case(self) -> Case | None:
        value = self.cleaned_data["target"]
        return None if value == "new" else self.cases[value]


# --- settings ------------------------------------------------------------------------------------------


class SourceForm(forms.ModelForm):
    class Meta:
        model = Source
        fields = [
            "name",
            "kind",
            "url",
            "encoding",
            "link_pattern",
            "enabled",
            "base_interval_minutes",
            "min_interval_minutes",
            "max_interval_minutes",
        ]
        error_messages = {
            "name": {"required": "请填写名称。", "max_length": "名称不能超过 100 字。"},
            "kind": {"required": "请选择类型。", "invalid_choice": "请选择有效的类型。"},
            "url": {"required": "请填写地址。", "max_length": "地址不能超过 1000 个字符。"},
            "encoding": {"max_length": "编码名称不能超过 20 个字符。"},
            "link_pattern": {"max_length": "链接规则不能超过 300 字。"},
        }

    def clean_encoding(self):
        value = self.cleaned_data.get("encoding", "").strip()
        if value and fetch.normalise_encoding(value) is None:
            raise ValidationError(f"不认识的编码“{value}”,请填写 UTF-8、GBK 或 GB18030,或留空自动识别。")
        return value

    def clean(self):
        data = super().clean()
        kind, url = data.get("kind"), (data.get("url") or "").strip()
        if kind and url:
            if kind == SourceKind.LOCAL:
                try:
                    fetch.resolve_local_path(url)
                except fetch.FetchError as exc:
                    self.add_error("url", str(exc))
            else:
                try:
                    URLValidator(schemes=["http", "https"])(url)
                except ValidationError:
                    self.add_error("url", "地址应是以 http:// 或 https:// 开头的网址。")
                else:
                    problem = ssrf.internal_address_problem(url)
                    if problem:
                        self.add_error("url", problem)
            data["url"] = url
        low, base, high = (
            data.get(f) for f in ("min_interval_minutes", "base_interval_minutes", "max_interval_minutes")
        )
        if None not in (low, base, high):
            if low < 1:
                self.add_error("min_interval_minutes", "最短间隔至少 1 分钟。")
            elif high > MAX_INTERVAL_MINUTES:
                self.add_error(
                    "max_interval_minutes", f"最长间隔不能超过 {MAX_INTERVAL_MINUTES} 分钟(7 天)。"
                )
            elif not low <= base <= high:
                self.add_error("base_interval_minutes", "须满足:最短间隔 ≤ 基准间隔 ≤ 最长间隔。")
        return data


class RuleForm(forms.ModelForm):
    class Meta:
        model = MonitoringRule
        fields = ["name", "kind", "terms", "excluded_terms", "active"]
        error_messages = {
            "name": {"required": "请填写名称。", "max_length": "名称不能超过 100 字。"},
            "kind": {"required": "请选择类型。", "invalid_choice": "请选择有效的类型。"},
            "terms": {"required": "请至少填写一个关键词(每行一个)。"},
        }

    def clean_terms(self):
        return clean_terms(self.cleaned_data.get("terms", ""), "关键词", required=True)

    def clean_excluded_terms(self):
        return clean_terms(self.cleaned_data.get("excluded_terms", ""), "排除词", required=False)


class CategoryTermsForm(forms.Form):
    terms = forms.CharField(
        label="本机构补充的关键词",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="每行一个;与系统默认关键词一起使用。清空即删除本机构的补充。",
    )

    def clean_terms(self):
        return clean_terms(self.cleaned_data.get("terms", ""), "关键词", required=False)


def parse_points(value: str) -> list[int]:
    """'50,80,100' (half- or full-width commas) → [50, 80, 100]; ValidationError in Chinese otherwise."""
    parts = [p.strip() for p in (value or "").replace(",", ",").replace("、", ",").split(",")]
    parts = [p for p in parts if p]
    if not parts:
        raise ValidationError("请填写至少一个提醒节点,例如 50,80,100。")
    points = []
    for part in parts:
        if not (part.isascii() and part.isdigit()) or not 1 <= int(part) <= 100:
            raise ValidationError(f"“{part[:10]}”不是 1 到 100 之间的整数;请用逗号分隔,例如 50,80,100。")
        points.append(int(part))
    return sorted(set(points))


class PolicyForm(forms.ModelForm):
    class Meta:
        model = Policy
        fields = [
            "escalation_points",
            "watch_days",
            "burst_window_minutes",
            "burst_baseline_hours",
            "burst_factor",
            "burst_min_mentions",
            "notify_emails",
        ]
        error_messages = {
            "escalation_points": {"required": "请填写提醒节点,例如 50,80,100。"},
            "watch_days": {"required": "请填写持续监测天数。", "invalid": "持续监测天数应为整数。"},
            "burst_window_minutes": {"required": "请填写突增检测窗口。", "invalid": "突增检测窗口应为整数。"},
            "burst_baseline_hours": {"required": "请填写基线时长。", "invalid": "基线时长应为整数。"},
            "burst_factor": {"required": "请填写突增倍数。", "invalid": "突增倍数应为数字。"},
            "burst_min_mentions": {"required": "请填写突增最少条数。", "invalid": "突增最少条数应为整数。"},
        }

    def clean_escalation_points(self):
        return ",".join(str(p) for p in parse_points(self.cleaned_data.get("escalation_points", "")))

    def clean_watch_days(self):
        value = self.cleaned_data["watch_days"]
        if not 1 <= value <= 365:
            raise ValidationError("持续监测天数应在 1 到 365 之间。")
        return value

    def clean_burst_window_minutes(self):
        value = self.cleaned_data["burst_window_minutes"]
        if not 5 <= value <= 24 * 60:
            raise ValidationError("突增检测窗口应在 5 到 1440 分钟之间。")
        return value

    def clean_burst_baseline_hours(self):
        value = self.cleaned_data["burst_baseline_hours"]
        if not 1 <= value <= 24 * 90:
            raise ValidationError("基线时长应在 1 到 2160 小时(90 天)之间。")
        return value

    def clean_burst_factor(self):
        value = self.cleaned_data["burst_factor"]
        if not 1 < value <= 100:
            raise ValidationError("突增倍数应大于 1、不超过 100。")
        return value

    def clean_burst_min_mentions(self):
        value = self.cleaned_data["burst_min_mentions"]
        if not 1 <= value <= 10000:
            raise ValidationError("突增最少条数应在 1 到 10000 之间。")
        return value

    def clean_notify_emails(self):
        addresses = split_lines(
            self.cleaned_data.get("notify_emails", "")
            .replace(",", "\n")
            .replace(",", "\n")
            .replace(";", "\n")
        )
        for address in addresses:
            try:
                validate_email(address)
            except ValidationError:
                raise ValidationError(f"“{address[:60]}”不是有效的电子邮箱地址。") from None
        if len(addresses) > 50:
            raise ValidationError("通知邮箱最多 50 个。")
        return "\n".join(addresses)

    def clean(self):
        data = super().clean()
        window, baseline = data.get("burst_window_minutes"), data.get("burst_baseline_hours")
        if window and baseline and baseline * 60 <= window:
            self.add_error("burst_baseline_hours", "基线时长应长于突增检测窗口。")
        return data


class WebhookForm(forms.ModelForm):
    url = forms.URLField(
        label="Webhook 地址",
        max_length=500,
        assume_scheme="https",
        help_text="企业微信或钉钉群机器人的 Webhook 地址。",
        error_messages={
            "required": "请填写 Webhook 地址。",
            "invalid": "Webhook 地址不是有效的网址(应以 https:// 开头)。",
            "max_length": "Webhook 地址不能超过 500 个字符。",
        },
    )

    class Meta:
        model = Webhook
        fields = ["name", "kind", "url", "secret", "active"]
        error_messages = {
            "name": {"required": "请填写名称。", "max_length": "名称不能超过 100 字。"},
            "kind": {"required": "请选择类型。", "invalid_choice": "请选择有效的类型。"},
            "url": {
                "required": "请填写 Webhook 地址。",
                "invalid": "Webhook 地址不是有效的网址(应以 https:// 开头)。",
                "max_length": "Webhook 地址不能超过 500 个字符。",
            },
            "secret": {"max_length": "加签密钥不能超过 200 个字符。"},
        }
        widgets = {"secret": forms.PasswordInput(render_value=True, attrs={"autocomplete": "off"})}

    def clean_url(self):
        value = self.cleaned_data.get("url", "").strip()
        if not value.lower().startswith(("http://", "https://")):
            raise ValidationError("Webhook 地址应以 https:// 开头。")
        problem = ssrf.internal_address_problem(value)
        if problem:
            raise ValidationError(f"Webhook {problem}")
        return value


# --- the dashboard ------------------------------------------------------------------------------------


class PeriodForm(forms.Form):
    start = forms.DateField(
        label="开始日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "开始日期格式不正确,请按“2026-12-01”的格式填写。"},
    )
    end = forms.DateField(
        label="结束日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "结束日期格式不正确,请按“2026-12-01”的格式填写。"},
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if start > end:
                raise ValidationError("开始日期不能晚于结束日期。")
            if (end - start).days + 1 > MAX_PERIOD_DAYS:
                raise ValidationError(f"统计区间不能超过 {MAX_PERIOD_DAYS} 天。")
        return data

    def period(self, default: tuple[datetime.date, datetime.date]) -> tuple[datetime.date, datetime.date]:
        """The chosen period, the default where a date is missing or the input is wrong."""
        if not self.is_valid():
            return default
        start, end = self.cleaned_data.get("start"), self.cleaned_data.get("end")
        span = default[1] - default[0]
        if start and not end:
            end = min(max(start, default[1]), start + datetime.timedelta(days=MAX_PERIOD_DAYS - 1))
        elif end and not start:
            start = end - span
        elif not start:
            return default
        return start, end
