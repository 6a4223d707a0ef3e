"""政务舆情: where mentions come from, what they are, the cases they form and how each case is handled.

A Source is polled on its own adaptive schedule; what it yields becomes a Mention when a monitoring rule
picks it. Mentions about the same matter join one Case, which runs new → 会商 → 研判 → responding →
monitoring → closed with every change on its timeline (CaseEvent). The legal time limits are Clock rows
on the case, started at detection; reports to superiors, responses and referrals are recorded against it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .constants import (
    DEFAULT_ESCALATION_POINTS,
    DEFAULT_WATCH_DAYS,
    Authority,
    CaseStatus,
    Category,
    Channel,
    ClockKind,
    ReportKind,
    ResponseChannel,
    RiskLevel,
    RuleKind,
    Severity,
    SourceKind,
    WebhookKind,
)


class Source(models.Model):
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="concern_sources", verbose_name=_("机构")
    )
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=SourceKind.choices)
    url = models.CharField(
        _("地址"),
        max_length=1000,
        help_text=_("订阅或网页的 http(s) 地址;本地源为服务器上的文件或文件夹路径。"),
    )
    encoding = models.CharField(
        _("编码"), max_length=20, blank=True, help_text=_("留空自动识别(支持 UTF-8、GBK、GB18030)。")
    )
    link_pattern = models.CharField(
        _("链接规则"),
        max_length=300,
        blank=True,
        help_text=_("网页列表:只抓取地址包含此文字的链接(留空为同站全部链接)。"),
    )
    enabled = models.BooleanField(_("启用"), default=True)
    base_interval_minutes = models.PositiveIntegerField(_("基准巡查间隔(分钟)"), default=30)
    min_interval_minutes = models.PositiveIntegerField(_("最短间隔(分钟)"), default=5)
    max_interval_minutes = models.PositiveIntegerField(_("最长间隔(分钟)"), default=720)
    interval_minutes = models.PositiveIntegerField(_("当前间隔(分钟)"), default=30)
    next_poll_at = models.DateTimeField(_("下次巡查"), default=timezone.now, db_index=True)
    last_polled_at = models.DateTimeField(_("上次巡查"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("上次成功"), null=True, blank=True)
    last_changed_at = models.DateTimeField(_("上次有新内容"), null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("连续失败次数"), default=0)
    last_error = models.CharField(_("最近错误"), max_length=500, blank=True)
    disabled_at = models.DateTimeField(_("停用时间"), null=True, blank=True)
    disabled_reason = models.CharField(_("停用原因"), max_length=500, blank=True)
    etag = models.CharField(max_length=200, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("舆情来源")
        verbose_name_plural = _("舆情来源")
        ordering = ["organization", "name"]

    def __str__(self) -> str:
        return self.name


class SeenEntry(models.Model):
    """An entry a source has already yielded (relevant or not): not fetched or matched again."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="seen")
    key = models.CharField(max_length=64)
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "key"], name="uniq_seen_entry")]

    def __str__(self) -> str:
        return self.key


class MonitoringRule(models.Model):
    """Names that make a text concern us (the bureau, its leaders, venues, events), minus excluded terms."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="monitoring_rules", verbose_name=_("机构")
    )
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=RuleKind.choices, default=RuleKind.OTHER)
    terms = models.TextField(_("关键词"), help_text=_("每行一个;出现任何一个即命中。"))
    excluded_terms = models.TextField(
        _("排除词"), blank=True, help_text=_("每行一个;出现任何一个则本规则不命中。")
    )
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("监测规则")
        verbose_name_plural = _("监测规则")
        ordering = ["organization", "kind", "name"]

    def __str__(self) -> str:
        return self.name


class CategoryRule(models.Model):
    """An organisation's own keywords for one of the six key categories (added to the defaults)."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="concern_category_rules"
    )
    category = models.CharField(_("重点类别"), max_length=30, choices=Category.choices)
    terms = models.TextField(_("关键词"), help_text=_("每行一个。"))

    class Meta:
        verbose_name = _("重点类别关键词")
        verbose_name_plural = _("重点类别关键词")
        constraints = [
            models.UniqueConstraint(fields=["organization", "category"], name="uniq_category_rule"),
        ]

    def __str__(self) -> str:
        return self.get_category_display()


class Policy(models.Model):
    """An organisation's settings for 舆情 handling (created with the defaults when first needed)."""

    organization = models.OneToOneField(
        "orgs.Organization", on_delete=models.CASCADE, related_name="concern_policy"
    )
    escalation_points = models.CharField(
        _("提醒节点(时限百分比)"),
        max_length=60,
        default=DEFAULT_ESCALATION_POINTS,
        help_text=_("逗号分隔的百分比,例如 50,80,100;到达每个节点时提醒责任科室负责人和办公室。"),
    )
    watch_days = models.PositiveSmallIntegerField(
        _("办结后持续监测天数"),
        default=DEFAULT_WATCH_DAYS,
        help_text=_("期间出现新的相关信息时自动重新打开(防止回温)。"),
    )
    burst_window_minutes = models.PositiveIntegerField(_("突增检测窗口(分钟)"), default=60)
    burst_baseline_hours = models.PositiveIntegerField(_("基线时长(小时)"), default=24 * 7)
    burst_factor = models.FloatField(_("突增倍数"), default=3.0)
    burst_min_mentions = models.PositiveIntegerField(_("突增最少条数"), default=5)
    notify_emails = models.TextField(
        _("通知邮箱"), blank=True, help_text=_("每行一个;重大舆情和时限提醒同时发送。")
    )

    class Meta:
        verbose_name = _("舆情处置设置")
        verbose_name_plural = _("舆情处置设置")

    def __str__(self) -> str:
        return f"舆情处置设置({self.organization_id})"

    def points(self) -> list[int]:
        values = []
        for part in self.escalation_points.replace(",", ",").split(","):
            part = part.strip()
            if part.isdigit() and 0 < int(part) <= 100:
                values.append(int(part))
        return sorted(set(values)) or [50, 80, 100]


class Case(models.Model):
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="concern_cases", verbose_name=_("机构")
    )
    title = models.CharField(_("事件名称"), max_length=200)
    summary = models.TextField(_("基本情况"), blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.NEW)
    severity = models.CharField(_("级别"), max_length=20, choices=Severity.choices, default=Severity.GENERAL)
    department = models.ForeignKey(
        "orgs.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="concern_cases",
        verbose_name=_("责任科室"),
    )
    categories = models.JSONField(_("重点类别"), default=list, blank=True)
    detected_at = models.DateTimeField(_("发现时间"))
    last_mention_at = models.DateTimeField(_("最近信息时间"), null=True, blank=True)
    mention_count = models.PositiveIntegerField(_("信息条数"), default=0)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # 研判 (R3)
    background = models.TextField(_("事件背景"), blank=True)
    situation = models.TextField(_("境内外舆情态势"), blank=True)
    viewpoints = models.TextField(_("主要观点"), blank=True)
    trend = models.TextField(_("传播趋势及可能后果"), blank=True)
    risk_level = models.CharField(_("风险等级"), max_length=10, choices=RiskLevel.choices, blank=True)
    emergency_plan = models.TextField(_("应急处置方案"), blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closing_note = models.TextField(_("办结说明"), blank=True)
    watch_until = models.DateTimeField(_("持续监测至"), null=True, blank=True)
    reopened_count = models.PositiveIntegerField(_("回温次数"), default=0)

    class Meta:
        verbose_name = _("舆情事件")
        verbose_name_plural = _("舆情事件")
        ordering = ["-detected_at", "-pk"]
        indexes = [models.Index(fields=["organization", "status"])]

    def __str__(self) -> str:
        return self.title


class Mention(models.Model):
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="mentions", verbose_name=_("机构")
    )
    source = models.ForeignKey(
        Source,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mentions",
        verbose_name=_("来源"),
    )
    channel = models.CharField(_("渠道"), max_length=20, choices=Channel.choices)
    url = models.CharField(_("链接"), max_length=1000, blank=True)
    url_key = models.CharField(max_length=64, blank=True, help_text="sha1 of the normalised URL")
    origin_key = models.CharField(max_length=80, blank=True, help_text="e.g. feedback.errorreport:12")
    title = models.CharField(_("标题"), max_length=500, blank=True)
    text = models.TextField(_("内容"), blank=True)
    author = models.CharField(_("发布者"), max_length=200, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    detected_at = models.DateTimeField(_("发现时间"), default=timezone.now)
    content_hash = models.CharField(max_length=64, db_index=True)
    signature = models.BinaryField(null=True, blank=True, help_text="MinHash values of the text")
    matched_terms = models.JSONField(_("命中关键词"), default=list, blank=True)
    categories = models.JSONField(_("重点类别"), default=list, blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("重复于"),
    )
    similarity = models.FloatField(_("相似度"), null=True, blank=True)
    case = models.ForeignKey(
        Case,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mentions",
        verbose_name=_("事件"),
    )
    screenshot = models.FileField(_("截图"), upload_to="concerns/screenshots/%Y/%m/", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("舆情信息")
        verbose_name_plural = _("舆情信息")
        ordering = ["-detected_at", "-pk"]
        indexes = [models.Index(fields=["organization", "detected_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "url_key"], condition=~Q(url_key=""), name="uniq_mention_url"
            ),
            models.UniqueConstraint(
                fields=["organization", "origin_key"], condition=~Q(origin_key=""), name="uniq_mention_origin"
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.url


class Clock(models.Model):
    """One legal time limit of a case, started at detection (R5)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="clocks")
    kind = models.CharField(_("时限"), max_length=20, choices=ClockKind.choices)
    started_at = models.DateTimeField(_("起算时间"))
    due_at = models.DateTimeField(_("到期时间"))
    met_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    escalated_percent = models.PositiveSmallIntegerField(_("已提醒节点"), default=0)
    breached_at = models.DateTimeField(_("超时记录时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("回应时限")
        verbose_name_plural = _("回应时限")
        ordering = ["due_at"]
        constraints = [models.UniqueConstraint(fields=["case", "kind"], name="uniq_case_clock")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_at:%Y-%m-%d %H:%M}"


class CaseEvent(models.Model):
    """One line of a case's timeline."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=40)
    text = models.CharField(max_length=1000)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return self.text


class Report(models.Model):
    """A report to superiors (R4): the basic facts at once, follow-ups after."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField(_("类型"), max_length=20, choices=ReportKind.choices)
    sent_at = models.DateTimeField(_("报送时间"))
    recipients = models.CharField(_("报送对象"), max_length=500)
    content = models.TextField(_("报告内容"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("舆情报告")
        verbose_name_plural = _("舆情报告")
        ordering = ["sent_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.sent_at:%Y-%m-%d %H:%M}"


class Response(models.Model):
    """A response (R6): published through the workflow (item) or recorded with its link."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="responses")
    channel = models.CharField(_("回应方式"), max_length=20, choices=ResponseChannel.choices)
    item = models.ForeignKey(
        "publishing.InformationItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="concern_responses",
        verbose_name=_("网站发布的信息"),
    )
    url = models.URLField(_("链接"), max_length=1000, blank=True)
    summary = models.TextField(_("回应内容摘要"))
    responded_at = models.DateTimeField(_("回应时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("回应")
        verbose_name_plural = _("回应")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.get_channel_display()


class Referral(models.Model):
    """Clues about rumours suspected of breaking the law, handed to the police or network regulators (R6)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="referrals")
    authority = models.CharField(_("移交部门"), max_length=20, choices=Authority.choices)
    referred_at = models.DateTimeField(_("移交时间"))
    content = models.TextField(_("移交内容"))
    reference = models.CharField(_("回执或文号"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("移交记录")
        verbose_name_plural = _("移交记录")
        ordering = ["referred_at", "pk"]

    def __str__(self) -> str:
        return self.get_authority_display()


class Alert(models.Model):
    """A burst of mentions against the rolling baseline."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="concern_alerts"
    )
    raised_at = models.DateTimeField(default=timezone.now)
    window_minutes = models.PositiveIntegerField()
    count = models.PositiveIntegerField()
    baseline = models.FloatField(help_text="expected mentions in a window of this length")
    case = models.ForeignKey(Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts")
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("突增预警")
        verbose_name_plural = _("突增预警")
        ordering = ["-raised_at"]

    def __str__(self) -> str:
        return f"突增预警 {self.raised_at:%Y-%m-%d %H:%M}({self.count} 条)"


class Webhook(models.Model):
    """A WeCom or DingTalk group robot that hears the alerts."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="concern_webhooks"
    )
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=WebhookKind.choices)
    url = models.URLField(_("Webhook 地址"), max_length=500)
    secret = models.CharField(
        _("加签密钥"), max_length=200, blank=True, help_text=_("钉钉“加签”安全设置的密钥。")
    )
    active = models.BooleanField(_("启用"), default=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("群机器人")
        verbose_name_plural = _("群机器人")

    def __str__(self) -> str:
        return self.name


class OutboundMessage(models.Model):
    """One e-mail to one address, or one message to one group robot, that `notify.announce()` is to send:
    a transactional outbox. The row is written in the caller's transaction (so it exists exactly when the
    change that caused it does); after commit a worker task sends it by its id, and the outbox job sends
    what such a task never did (notify.deliver_due). `sent_at` is set once it got through;
    `next_attempt_at` empty and `sent_at` empty means given up (the reason in `last_error`).

    Holds personal data (addresses and the message): rows are deleted 90 days after they were sent or
    given up (notify.purge_outbox).
    """

    class Kind(models.TextChoices):
        EMAIL = "email", _("邮件")
        ROBOT = "robot", _("群机器人")

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="concern_outbound_messages"
    )
    channel = models.CharField(_("方式"), max_length=10, choices=Kind.choices)
    address = models.EmailField(_("邮箱"), max_length=254, blank=True)
    webhook = models.ForeignKey(
        Webhook,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("群机器人"),
    )
    subject = models.TextField(_("标题"), help_text="the e-mail's subject, or the robot message's title")
    body = models.TextField(_("内容"), blank=True, help_text="the e-mail's body, or the robot message's text")
    url = models.TextField(_("链接"), blank=True, help_text="robot: the case's path in the console")
    urgent = models.BooleanField(_("紧急"), default=False)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.CharField(_("最近错误"), max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True, default=timezone.now)

    class Meta:
        verbose_name = _("待发消息")
        verbose_name_plural = _("待发消息")
        ordering = ["pk"]
        indexes = [models.Index(fields=["sent_at", "next_attempt_at"], name="concerns_outbox_due")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(channel="email") & ~Q(address="") & Q(webhook__isnull=True))
                | (Q(channel="robot") & Q(address="") & Q(webhook__isnull=False)),
                name="outbox_one_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.address or self.webhook_id}"
