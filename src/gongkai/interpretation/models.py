"""政策解读: the interpretation plan drafted with a document (I3) and the policy department's opinion (I4).

The interpretations themselves are information items (publishing.Revision.interprets / interpretation_form).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class InterpretationPlan(models.Model):
    """解读方案 of one revision of a document: reviewed in the same chain as the document."""

    revision = models.OneToOneField(
        "publishing.Revision", on_delete=models.CASCADE, related_name="interpretation_plan"
    )
    organizer = models.TextField(_("解读工作的组织"), help_text=_("牵头科室、第一责任人、参与人员等。"))
    outline = models.TextField(_("解读提纲"))
    forms = models.JSONField(_("解读形式"), default=list)
    planned_on = models.DateField(_("计划发布时间"))
    channels = models.CharField(_("发布渠道"), max_length=300)
    materials = models.ManyToManyField(
        "publishing.Attachment", blank=True, related_name="+", verbose_name=_("解读材料(附件)")
    )
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("解读方案")
        verbose_name_plural = _("解读方案")

    def __str__(self) -> str:
        return f"解读方案({self.revision_id})"


class PolicyOpinion(models.Model):
    """The policy & regulations department's recorded opinion on a 规范性文件's interpretation materials."""

    revision = models.ForeignKey(
        "publishing.Revision", on_delete=models.CASCADE, related_name="policy_opinions"
    )
    opinion = models.TextField(_("政策法规科意见"))
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    given_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("政策法规科解读意见")
        verbose_name_plural = _("政策法规科解读意见")
        ordering = ["revision", "-given_at"]

    def __str__(self) -> str:
        return f"意见({self.revision_id})"
