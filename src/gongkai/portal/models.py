"""Editable pages of the disclosure platform: 政府信息公开指南 and 政府信息公开制度."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PortalPage(models.Model):
    class Kind(models.TextChoices):
        GUIDE = "guide", _("政府信息公开指南")
        RULES = "rules", _("政府信息公开制度")

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("机构")
    )
    kind = models.CharField(_("栏目"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"), blank=True)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("更新人"),
    )

    class Meta:
        verbose_name = _("公开平台页面")
        verbose_name_plural = _("公开平台页面")
        ordering = ["organization", "kind"]
        constraints = [models.UniqueConstraint(fields=["organization", "kind"], name="uniq_portal_page")]

    def __str__(self) -> str:
        return self.title
