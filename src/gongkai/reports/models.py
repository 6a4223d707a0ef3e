"""政府信息公开工作年度报告 (条例 第49–50条): one per organisation and year.

The report keeps only what the system cannot know: the texts of parts 一, 五 and 六 and the figures staff
enter (许可, 处罚, 强制, 收费 in part 二; the application table of part 三; the review and litigation table
of part 四). Everything else — the 规章 and 行政规范性文件 counts of part 二, every total — is computed from
the records each time it is read (reports/annual.py), so no counter is ever kept by hand.

Where a report stands is read from the item through which it is published, not stored beside it: no
item is a draft, an item being drafted, reviewed or approved is submitted, a published item is published
(a withdrawn one is withdrawn, and the next 生成发布稿 starts a new item).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongkai.publishing.constants import ItemStatus


class AnnualReportStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已生成发布稿(待审核发布)")
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已撤回(须重新生成发布稿)")


class AnnualReport(models.Model):
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="annual_reports", verbose_name=_("机构")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    # The entered figures, in the shape of reports.annual.ENTERED_SCHEMA (validated there): only the
    # cells staff fill in; totals are computed, never stored.
    figures = models.JSONField(_("填报数据"), default=dict, blank=True)
    overview = models.TextField(_("一、总体情况"), blank=True)
    problems = models.TextField(_("五、存在的主要问题及改进情况"), blank=True)
    other_matters = models.TextField(_("六、其他需要报告的事项"), blank=True)
    item = models.OneToOneField(
        "publishing.InformationItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="annual_report",
        verbose_name=_("发布稿"),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)
    lock_version = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("政府信息公开工作年度报告")
        verbose_name_plural = _("政府信息公开工作年度报告")
        ordering = ["organization", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "year"], name="uniq_annual_report_year"),
        ]

    def __str__(self) -> str:
        return f"{self.year}年政府信息公开工作年度报告"

    @property
    def status(self) -> str:
        """Read from the publication item: published, submitted (any other state of it) or draft."""
        if self.item_id is None:
            return AnnualReportStatus.DRAFT
        if self.item.status == ItemStatus.PUBLISHED and self.item.live_revision_id is not None:
            return AnnualReportStatus.PUBLISHED
        if self.item.status == ItemStatus.WITHDRAWN:
            return AnnualReportStatus.WITHDRAWN
        return AnnualReportStatus.SUBMITTED

    @property
    def status_label(self) -> str:
        return AnnualReportStatus(self.status).label


class AnnualReminder(models.Model):
    """One reminder about one year's report, sent once per reminder date (reports.annual.remind)."""

    organization = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("报告年度"))
    reminder_on = models.DateField(_("提醒日期"))
    sent_at = models.DateTimeField(default=timezone.now)
    recipients = models.PositiveIntegerField(_("提醒人数"), default=0)

    class Meta:
        verbose_name = _("年度报告提醒")
        verbose_name_plural = _("年度报告提醒")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year", "reminder_on"], name="uniq_annual_reminder"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}年度报告提醒 {self.reminder_on}"
