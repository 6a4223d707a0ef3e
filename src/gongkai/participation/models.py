"""公众参与: consultations on draft decisions (征求意见 / 预公开) with comments and their feedback, messages
from the public (咨询 / 建言), and online interviews (在线访谈).

A consultation's notice — the draft, its explanation (起草说明) and attachments — is an InformationItem
reviewed and published through the publishing workflow; so is the feedback report afterwards. The
Consultation row carries the period, what the public must give, and the state; comments hang off it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .constants import (
    DEFAULT_FEEDBACK_WORKDAYS,
    DEFAULT_MESSAGE_WORKDAYS,
    CommentStatus,
    ConsultationKind,
    ConsultationStatus,
    Disposition,
    InterviewStatus,
    MessageKind,
    MessageStatus,
    QuestionStatus,
)


class Consultation(models.Model):
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="consultations", verbose_name=_("机构")
    )
    department = models.ForeignKey(
        "orgs.Department", on_delete=models.PROTECT, related_name="consultations", verbose_name=_("起草科室")
    )
    kind = models.CharField(_("类别"), max_length=20, choices=ConsultationKind.choices)
    title = models.CharField(_("征求意见稿名称"), max_length=300)
    explanation = models.TextField(
        _("起草说明"), help_text=_("起草的必要性、依据、主要内容和需要说明的问题。")
    )
    item = models.OneToOneField(
        "publishing.InformationItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consultation",
        verbose_name=_("征求意见公告"),
        help_text=_("征求意见稿全文及附件,经审核后发布。"),
    )
    opens_on = models.DateField(_("开始日期"))
    closes_on = models.DateField(_("截止日期"))
    short_period_reason = models.TextField(
        _("期限缩短理由"), blank=True, help_text=_("少于法定期限时必须填写,并向公众公开。")
    )
    ask_name = models.BooleanField(_("要求填写姓名"), default=True)
    ask_phone = models.BooleanField(_("要求填写联系电话"), default=True)
    ask_email = models.BooleanField(_("要求填写电子邮箱"), default=False)
    ask_address = models.BooleanField(_("要求填写通讯地址"), default=False)
    show_comments = models.BooleanField(_("公开显示意见"), default=False)
    feedback_workdays = models.PositiveSmallIntegerField(
        _("反馈期限(工作日)"), default=DEFAULT_FEEDBACK_WORKDAYS
    )
    feedback_due_on = models.DateField(_("反馈期限"), null=True, blank=True)
    feedback_due_provisional = models.BooleanField(default=False)
    feedback_escalation_level = models.PositiveSmallIntegerField(default=0)
    feedback_summary = models.TextField(_("采纳情况说明"), blank=True)
    feedback_item = models.OneToOneField(
        "publishing.InformationItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consultation_feedback",
        verbose_name=_("意见采纳情况反馈"),
    )
    status = models.CharField(
        _("状态"), max_length=30, choices=ConsultationStatus.choices, default=ConsultationStatus.DRAFT
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("征求意见")
        verbose_name_plural = _("征求意见")
        ordering = ["-opens_on", "-pk"]

    def __str__(self) -> str:
        return self.title


class Comment(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="comments")
    anchor = models.CharField(_("针对条款"), max_length=40, blank=True, help_text=_("留空为对全文的意见。"))
    anchor_label = models.CharField(_("条款"), max_length=100, blank=True)
    text = models.TextField(_("意见内容"))
    name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    address = models.CharField(_("通讯地址"), max_length=200, blank=True)
    consented_at = models.DateTimeField(_("同意个人信息告知时间"))
    client_key = models.CharField(max_length=64, blank=True, help_text="keyed hash of the client address")
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    status = models.CharField(
        _("审核状态"), max_length=20, choices=CommentStatus.choices, default=CommentStatus.PENDING
    )
    screening = models.JSONField(_("内容检查"), default=list, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderation_note = models.CharField(_("审核说明"), max_length=300, blank=True)
    disposition = models.CharField(_("采纳情况"), max_length=20, choices=Disposition.choices, blank=True)
    reason = models.TextField(_("理由"), blank=True)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("与之重复")
    )
    classified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    classified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("意见")
        verbose_name_plural = _("意见")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        # Never the citizen's words: this is what the audit log keeps for good (object_repr).
        return f"意见 #{self.pk}"


class Message(models.Model):
    """A letter from the public (咨询 / 建言), routed to a department and answered in time."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="public_messages", verbose_name=_("机构")
    )
    kind = models.CharField(_("类型"), max_length=20, choices=MessageKind.choices)
    subject = models.CharField(_("标题"), max_length=200)
    text = models.TextField(_("内容"))
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    publish_ok = models.BooleanField(_("同意公开"), default=False)
    consented_at = models.DateTimeField(_("同意个人信息告知时间"))
    client_key = models.CharField(max_length=64, blank=True)
    tracking_code = models.CharField(_("查询码"), max_length=20, unique=True)
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    department = models.ForeignKey(
        "orgs.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="public_messages",
        verbose_name=_("办理科室"),
    )
    routed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    routed_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=MessageStatus.choices, default=MessageStatus.NEW
    )
    due_on = models.DateField(_("答复期限"))
    due_provisional = models.BooleanField(default=False)
    final_due_on = models.DateField(_("最迟答复日期"), help_text=_("任何留言不得超过3个月未答复。"))
    escalation_level = models.PositiveSmallIntegerField(default=0)
    answer = models.TextField(_("答复"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    shown_publicly = models.BooleanField(_("公开显示"), default=False)
    routing_note = models.TextField(_("分办说明"), blank=True)
    return_reason = models.TextField(_("退回理由"), blank=True, help_text=_("科室退回办公室重新分办的理由。"))
    returned_at = models.DateTimeField(_("退回时间"), null=True, blank=True)
    screening = models.JSONField(
        _("内容检查"), default=dict, blank=True, help_text="findings of the message text and of the answer"
    )

    class Meta:
        verbose_name = _("留言")
        verbose_name_plural = _("留言")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organization", "status", "due_on"])]

    def __str__(self) -> str:
        # Never the subject (it may hold personal data): the audit log keeps this for good (object_repr).
        return f"留言 #{self.pk}"


# An answer period longer than this would meet the 3-month hard limit (MESSAGE_HARD_LIMIT_MONTHS) anyway.
MAX_MESSAGE_WORKDAYS = 60


class MessagePolicy(models.Model):
    """An organisation's own answer period for messages (the default is DEFAULT_MESSAGE_WORKDAYS)."""

    organization = models.OneToOneField(
        "orgs.Organization", on_delete=models.CASCADE, related_name="message_policy", verbose_name=_("机构")
    )
    answer_workdays = models.PositiveSmallIntegerField(
        _("答复期限(工作日)"),
        default=DEFAULT_MESSAGE_WORKDAYS,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_MESSAGE_WORKDAYS)],
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("留言答复期限")
        verbose_name_plural = _("留言答复期限")

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.answer_workdays}"


class Interview(models.Model):
    """在线访谈 (C3): department heads answer the public live; also an interpretation form and a response channel."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="interviews", verbose_name=_("机构")
    )
    department = models.ForeignKey(
        "orgs.Department", on_delete=models.PROTECT, related_name="interviews", verbose_name=_("承办科室")
    )
    title = models.CharField(_("访谈主题"), max_length=200)
    description = models.TextField(_("访谈简介"), blank=True)
    guests = models.TextField(_("嘉宾"), help_text=_("每行一位:姓名 职务。"))
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    status = models.CharField(
        _("状态"), max_length=20, choices=InterviewStatus.choices, default=InterviewStatus.SCHEDULED
    )
    published = models.BooleanField(_("已发布预告"), default=False)
    interprets = models.ForeignKey(
        "publishing.InformationItem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="interviews",
        verbose_name=_("解读的文件"),
    )
    summary = models.TextField(_("访谈摘要"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("在线访谈")
        verbose_name_plural = _("在线访谈")
        ordering = ["-starts_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="questions")
    text = models.TextField(_("问题"))
    name = models.CharField(_("网友昵称"), max_length=50, blank=True)
    client_key = models.CharField(max_length=64, blank=True)
    asked_at = models.DateTimeField(_("提问时间"), default=timezone.now)
    beforehand = models.BooleanField(_("访谈前征集"), default=False)
    status = models.CharField(
        _("状态"), max_length=20, choices=QuestionStatus.choices, default=QuestionStatus.PENDING
    )
    screening = models.JSONField(default=list, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answer = models.TextField(_("回答"), blank=True)
    answered_by_guest = models.CharField(_("回答嘉宾"), max_length=100, blank=True)
    answered_at = models.DateTimeField(_("回答时间"), null=True, blank=True)
    shown_at = models.DateTimeField(null=True, blank=True, help_text="when it appeared on the live page")
    seq = models.PositiveIntegerField(default=0, help_text="order of appearance on the live page")

    class Meta:
        verbose_name = _("访谈问题")
        verbose_name_plural = _("访谈问题")
        ordering = ["seq", "asked_at", "pk"]
        indexes = [models.Index(fields=["interview", "seq"])]

    def __str__(self) -> str:
        # Never the question (unmoderated, it may hold personal data): the audit log keeps this for good.
        return f"访谈问题 #{self.pk}"
