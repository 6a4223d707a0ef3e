"""政府信息 (InformationItem): its revisions, attachments, review chain and approval forms.

An item is the lasting identity (index number, public status, view count); each revision holds one
version of the content and goes through review. The public sees the item's live revision, so a
revision under review never disturbs what is published (P8).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .constants import (
    REVIEW_ROLE_CHOICES,
    DisclosureAttribute,
    InterpretationForm,
    ItemStatus,
    RevisionStatus,
    StepScope,
    TaskStatus,
    Validity,
)


class Topic(models.Model):
    """主题分类."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="topics", verbose_name=_("机构")
    )
    code = models.CharField(_("编码"), max_length=40)
    name = models.CharField(_("主题名称"), max_length=80)
    ordering = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("主题分类")
        verbose_name_plural = _("主题分类")
        ordering = ["organization", "ordering", "code"]
        constraints = [models.UniqueConstraint(fields=["organization", "code"], name="uniq_topic_code")]

    def __str__(self) -> str:
        return self.name


class ReviewStep(models.Model):
    """One step of an organisation's review chain: the chain is data, configured per organisation."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="review_steps", verbose_name=_("机构")
    )
    position = models.PositiveSmallIntegerField(_("顺序"))
    name = models.CharField(_("环节名称"), max_length=40)
    role = models.CharField(_("审核角色"), max_length=40, choices=REVIEW_ROLE_CHOICES)
    scope = models.CharField(_("科室范围"), max_length=20, choices=StepScope.choices)
    department = models.ForeignKey(
        "orgs.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("指定科室"),
        help_text=_("仅当科室范围为“指定科室”时填写。"),
    )
    confirms_bottom_lines = models.BooleanField(
        _("确认七条底线"), default=False, help_text=_("本环节审核人须逐项确认七条底线。")
    )

    class Meta:
        verbose_name = _("审核环节")
        verbose_name_plural = _("审核流程")
        ordering = ["organization", "position"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "position"], name="uniq_review_step_position"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.scope == StepScope.FIXED_DEPARTMENT:
            if self.department_id is None:
                raise ValidationError({"department": _("科室范围为“指定科室”时必须选择科室。")})
            if self.department.organization_id != self.organization_id:
                raise ValidationError({"department": _("指定科室须属于本机构。")})
        elif self.department_id is not None:
            raise ValidationError({"department": _("只有科室范围为“指定科室”时才填写科室。")})


class ItemQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=ItemStatus.PUBLISHED, live_revision__isnull=False)

    def with_live(self):
        return self.select_related(
            "organization",
            "live_revision",
            "live_revision__lead_department",
            "live_revision__topic",
            "live_revision__catalogue_entry",
        )


class InformationItem(models.Model):
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="items", verbose_name=_("发布机构")
    )
    index_number = models.CharField(
        _("索引号"), max_length=80, unique=True, null=True, blank=True, editable=False
    )
    status = models.CharField(_("状态"), max_length=20, choices=ItemStatus.choices, default=ItemStatus.DRAFT)
    live_revision = models.ForeignKey(
        "Revision", on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    latest_revision = models.ForeignKey(
        "Revision", on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    first_published_at = models.DateTimeField(_("首次发布时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    view_count = models.PositiveBigIntegerField(_("浏览次数"), default=0)
    # 条例 第26条 deadline, from the formed date of the first revision or the change date of a later one.
    publication_due_on = models.DateField(_("法定发布期限"), null=True, blank=True)
    publication_due_provisional = models.BooleanField(default=False)
    # Urgent fast track (P6): published first, reviewed afterwards by someone else.
    fast_tracked = models.BooleanField(_("紧急发布"), default=False)
    fast_track_reason = models.TextField(_("紧急发布理由"), blank=True)
    fast_tracked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    post_review_due_at = models.DateTimeField(_("事后审核期限"), null=True, blank=True)
    post_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    post_reviewed_at = models.DateTimeField(null=True, blank=True)
    post_review_opinion = models.TextField(blank=True)
    post_review_overdue_notified = models.BooleanField(default=False, editable=False)
    # Withdrawal and abolition (P8) carry public explanations.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.TextField(_("撤回说明"), blank=True)
    abolished_on = models.DateField(_("废止日期"), null=True, blank=True)
    abolition_note = models.TextField(_("废止说明"), blank=True)
    replaced_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replaces",
        verbose_name=_("替代文件"),
    )
    expires_on = models.DateField(_("失效日期"), null=True, blank=True)
    interpretation_due_on = models.DateField(_("解读期限"), null=True, blank=True)
    interpretation_due_provisional = models.BooleanField(default=False)
    interpretation_escalation_level = models.PositiveSmallIntegerField(default=0, editable=False)
    escalation_level = models.PositiveSmallIntegerField(default=0, editable=False)
    lock_version = models.PositiveIntegerField(default=0)

    objects = ItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("政府信息")
        verbose_name_plural = _("政府信息")
        ordering = ["-published_at", "-pk"]
        indexes = [
            models.Index(fields=["organization", "status", "-published_at"]),
            models.Index(fields=["status", "publication_due_on"]),
        ]

    def __str__(self) -> str:
        revision = self.live_revision or self.latest_revision
        return revision.title if revision else f"#{self.pk}"

    def save(self, *args, **kwargs):
        # An item read for someone who may not see its unpublished revision has the live revision in
        # `latest_revision` (permissions.hide_unpublished): writing it back would lose the revision.
        if getattr(self, "hidden_revision_id", None):
            raise RuntimeError("An item read with its unpublished revision hidden is never saved.")
        super().save(*args, **kwargs)

    @property
    def current(self) -> Revision | None:
        """The revision staff work on: the latest one."""
        return self.latest_revision

    def validity_on(self, day: datetime.date) -> str:
        if self.abolished_on and self.abolished_on <= day:
            return Validity.ABOLISHED
        if self.expires_on and self.expires_on <= day:
            return Validity.EXPIRED
        return Validity.VALID

    @property
    def validity(self) -> str:
        return self.validity_on(timezone.localdate())

    @property
    def validity_label(self) -> str:
        return Validity(self.validity).label

    @property
    def is_public(self) -> bool:
        return self.status == ItemStatus.PUBLISHED and self.live_revision_id is not None


class Attachment(models.Model):
    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to="attachments/%Y/%m/", max_length=255)
    original_name = models.CharField(_("文件名"), max_length=255)
    extension = models.CharField(max_length=10)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    # Text read from a PDF, .docx or .txt on upload (search, content review); None = not read yet.
    text = models.TextField(_("附件文本"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.original_name


class Revision(models.Model):
    """One version of an item's content, reviewed as a whole."""

    item = models.ForeignKey(InformationItem, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("版本"))
    status = models.CharField(
        _("状态"), max_length=20, choices=RevisionStatus.choices, default=RevisionStatus.DRAFT
    )
    title = models.CharField(_("标题"), max_length=300)
    document_number = models.CharField(_("文号"), max_length=100, blank=True)
    publisher = models.CharField(_("发布机构"), max_length=120)
    lead_department = models.ForeignKey(
        "orgs.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("牵头(制作)科室")
    )
    co_departments = models.ManyToManyField(
        "orgs.Department", blank=True, related_name="+", verbose_name=_("联合制作科室")
    )
    formed_on = models.DateField(_("成文日期"))
    effective_on = models.DateField(_("生效日期"), null=True, blank=True)
    disclosure_attribute = models.CharField(
        _("公开属性"),
        max_length=20,
        choices=DisclosureAttribute.choices,
        default=DisclosureAttribute.PROACTIVE,
    )
    non_disclosure_reason = models.TextField(_("不公开理由"), blank=True)
    topic = models.ForeignKey(
        Topic, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("所属主题")
    )
    catalogue_entry = models.ForeignKey(
        "catalogue.CatalogueEntry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="revisions",
        verbose_name=_("目录分类"),
    )
    summary = models.TextField(_("内容概述"), blank=True)
    body = models.TextField(_("正文"), blank=True)
    source = models.CharField(_("来源"), max_length=120, blank=True)
    attachments = models.ManyToManyField(Attachment, blank=True, related_name="revisions")
    change_note = models.TextField(_("更新说明"), blank=True)
    # 政策解读 (DOMAIN I1–I8). For a document: does it need interpretation (None: as its catalogue entry
    # proposes) and why the proposal was overridden. For an interpretation: which document (or meeting) it
    # interprets, and its form.
    needs_interpretation = models.BooleanField(_("需要解读"), null=True, blank=True)
    interpretation_override_reason = models.TextField(_("解读判定理由"), blank=True)
    interprets = models.ForeignKey(
        "InformationItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="interpretation_revisions",
        verbose_name=_("解读的文件"),
    )
    interpretation_form = models.CharField(
        _("解读形式"), max_length=20, choices=InterpretationForm.choices, blank=True
    )
    meeting_name = models.CharField(_("解读的会议"), max_length=200, blank=True)
    is_major_change = models.BooleanField(_("重大变更"), default=False)
    changed_on = models.DateField(_("变更日期"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    review_round = models.PositiveIntegerField(default=0)
    rejection_reason = models.TextField(_("退回理由"), blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("版本")
        verbose_name_plural = _("版本")
        ordering = ["item", "number"]
        constraints = [models.UniqueConstraint(fields=["item", "number"], name="uniq_revision_number")]

    def __str__(self) -> str:
        return f"{self.title} (v{self.number})"

    @property
    def departments(self) -> list:
        return [self.lead_department, *self.co_departments.all()]


class ReviewTask(models.Model):
    """One step of one review round of a revision, with its decision."""

    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="tasks")
    round = models.PositiveIntegerField()
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=40)
    role = models.CharField(max_length=40)
    scope = models.CharField(max_length=20, choices=StepScope.choices)
    department = models.ForeignKey("orgs.Department", on_delete=models.PROTECT, null=True, blank=True)
    confirms_bottom_lines = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=TaskStatus.choices, default=TaskStatus.WAITING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    opinion = models.TextField(_("审核意见"), blank=True)
    started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("审核任务")
        verbose_name_plural = _("审核任务")
        ordering = ["revision", "round", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["revision", "round", "position"], name="uniq_task_round_position"
            ),
        ]
        indexes = [models.Index(fields=["status", "role"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_status_display()})"


class Counter(models.Model):
    """Gap-free serials (index numbers, archive numbers) per organisation, key and year, row-locked."""

    organization = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=20)
    year = models.PositiveSmallIntegerField()
    value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "key", "year"], name="uniq_counter"),
        ]

    def __str__(self) -> str:
        return f"{self.key}/{self.year}: {self.value}"


class PublicGeneration(models.Model):
    """One row (pk 1) whose token changes inside the transaction of every change the public sees of an
    item (`signals.announce_public_change`). Caches of public pages key on it: a page cached before a
    change is never served after it commits, in any process, whatever cache backend is configured."""

    token = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.token)


class ApprovalForm(models.Model):
    """《政府信息公开审批表》(P5): generated from the review record, registered and archived."""

    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    revision = models.OneToOneField(Revision, on_delete=models.PROTECT, related_name="approval_form")
    archive_number = models.CharField(_("档案编号"), max_length=40, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    data = models.JSONField(_("审批表内容"))

    class Meta:
        verbose_name = _("审批表")
        verbose_name_plural = _("审批表台账")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.archive_number
