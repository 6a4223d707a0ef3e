"""Hand-entered corrections to the working-day calendar."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarOverride(models.Model):
    """One day whose working status is set by hand and wins over the chinesecalendar package.

    Used to enter next year's arrangement before the package is updated, or a local holiday.
    Write through ``services.set_override`` / ``services.delete_override``.
    """

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(
        _("是否工作日"), help_text=_("勾选表示上班(含调休上班),不勾选表示放假。")
    )
    note = models.CharField(
        _("说明"), max_length=200, blank=True, help_text=_("例如:2027年春节;依据国办通知。")
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("更新人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("工作日调整")
        verbose_name_plural = _("工作日调整")
        ordering = ["date"]

    def __str__(self) -> str:
        status = _("上班") if self.is_workday else _("放假")
        return f"{self.date.isoformat()} {status}"


class PublishedYear(models.Model):
    """A year whose official holiday arrangement has been entered by hand as overrides.

    Deadlines that reach into such a year are no longer marked provisional. Years the
    chinesecalendar package covers are published without a row here.
    """

    year = models.PositiveSmallIntegerField(
        _("年份"), unique=True, validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    note = models.CharField(_("说明"), max_length=200, blank=True, help_text=_("例如:国务院办公厅通知文号。"))
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("已发布放假安排的年份")
        verbose_name_plural = _("已发布放假安排的年份")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)
