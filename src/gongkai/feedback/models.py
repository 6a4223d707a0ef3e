"""Error reports from the public (网民纠错), answered within 3 working days (provincial rules under
国办发〔2017〕47号)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

ANSWER_WORKDAYS = 3
MAX_DESCRIPTION = 2000


class Category(models.TextChoices):
    TYPO = "typo", _("错别字")
    WRONG_CONTENT = "wrong_content", _("内容错误")
    BROKEN_LINK = "broken_link", _("链接失效")
    OUTDATED = "outdated", _("信息过期")
    OTHER = "other", _("其他")


class Status(models.TextChoices):
    NEW = "new", _("待答复")
    ANSWERED = "answered", _("已答复")
    REJECTED = "rejected", _("无效")


class Escalation(models.IntegerChoices):
    NONE = 0, _("未提醒")
    DUE_TODAY = 1, _("今日到期")
    OVERDUE = 2, _("已超期")


class ErrorReport(models.Model):
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="error_reports", verbose_name=_("机构")
    )
    page_url = models.CharField(_("纠错页面"), max_length=500)
    item = models.ForeignKey(
        "publishing.InformationItem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="error_reports",
        verbose_name=_("相关信息"),
    )
    category = models.CharField(_("错误类型"), max_length=20, choices=Category.choices)
    description = models.TextField(_("问题描述"), max_length=MAX_DESCRIPTION)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact = models.CharField(_("联系电话或电子邮箱"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    due_on = models.DateField(_("答复期限"))
    due_provisional = models.BooleanField(_("期限暂定"), default=False)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.NEW)
    answer = models.TextField(_("答复或无效理由"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("答复人"),
    )
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(
        _("提醒级别"), choices=Escalation.choices, default=Escalation.NONE
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("网民纠错")
        verbose_name_plural = _("网民纠错")
        indexes = [models.Index(fields=["organization", "status", "due_on"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.get_category_display()}"

    @property
    def reference(self) -> str:
        """The number the reporter is given: JC + date + id."""
        from django.utils import timezone

        day = timezone.localtime(self.created_at).strftime("%Y%m%d") if self.created_at else "00000000"
        return f"JC{day}-{self.pk:06d}"

    @property
    def is_open(self) -> bool:
        return self.status == Status.NEW
