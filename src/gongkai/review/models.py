"""内容审核: expression dictionaries, the findings on each revision, and the reviewer's confirmations."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .constants import Category, FindingStatus, Severity


class Dictionary(models.Model):
    """A versioned list of expressions. ``organization`` empty = global (applies to every organisation)."""

    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="review_dictionaries",
        verbose_name=_("机构"),
        help_text=_("留空为全局词库,适用于所有机构。"),
    )
    name = models.CharField(_("词库名称"), max_length=80)
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("表述词库")
        verbose_name_plural = _("表述词库")
        ordering = ["organization_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="uniq_dictionary_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name}(v{self.version})"

    @property
    def is_global(self) -> bool:
        return self.organization_id is None


class Term(models.Model):
    dictionary = models.ForeignKey(Dictionary, on_delete=models.CASCADE, related_name="terms")
    text = models.CharField(_("词语"), max_length=100)
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices)
    severity = models.CharField(_("级别"), max_length=20, choices=Severity.choices)
    suggestion = models.CharField(
        _("正确表述"), max_length=200, blank=True, help_text=_("错误表述、过期表述、错别字应填写正确写法。")
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("词条")
        verbose_name_plural = _("词条")
        ordering = ["dictionary", "category", "text"]
        constraints = [models.UniqueConstraint(fields=["dictionary", "text"], name="uniq_term_text")]

    def __str__(self) -> str:
        return self.text


class DictionaryVersion(models.Model):
    """One change of a dictionary: who, when, what (added / changed / removed terms)."""

    dictionary = models.ForeignKey(Dictionary, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    summary = models.CharField(max_length=200)
    changes = models.JSONField(default=dict)

    class Meta:
        ordering = ["dictionary", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["dictionary", "version"], name="uniq_dictionary_version"),
        ]

    def __str__(self) -> str:
        return f"{self.dictionary.name} v{self.version}"


class Finding(models.Model):
    """A problem found in a revision (or, for the patrol, in a published item's live revision).

    Findings are recomputed from the revision's text whenever it changes; an acknowledgement of a warning
    is kept across recomputations as long as the same text is still found in the same field (``key``).
    """

    revision = models.ForeignKey("publishing.Revision", on_delete=models.CASCADE, related_name="findings")
    field = models.CharField(
        _("位置"), max_length=40
    )  # title, document_number, summary, body, attachment:<id>
    field_label = models.CharField(max_length=300)
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices)
    severity = models.CharField(_("级别"), max_length=20, choices=Severity.choices)
    detector = models.CharField(max_length=30)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    matched = models.CharField(_("命中内容"), max_length=500)
    suggestion = models.CharField(_("修改建议"), max_length=500, blank=True)
    context = models.CharField(max_length=400, blank=True)  # the text around it, for lists and exports
    key = models.CharField(max_length=64, db_index=True)  # field + detector + matched + occurrence
    status = models.CharField(max_length=20, choices=FindingStatus.choices, default=FindingStatus.OPEN)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledgement = models.TextField(_("确认理由"), blank=True)
    found_at = models.DateTimeField(default=timezone.now)
    by_patrol = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("审核发现")
        verbose_name_plural = _("审核发现")
        ordering = ["revision", "field", "start"]
        indexes = [models.Index(fields=["revision", "severity", "status"])]

    def __str__(self) -> str:
        return f"{self.get_category_display()}:{self.matched}"

    @property
    def is_open_blocking(self) -> bool:
        return self.severity == Severity.BLOCKING

    @property
    def needs_acknowledgement(self) -> bool:
        return self.severity == Severity.WARNING and self.status == FindingStatus.OPEN


class BottomLineConfirmation(models.Model):
    """The reviewer's confirmation of the seven bottom lines (七条底线) for one revision."""

    revision = models.ForeignKey(
        "publishing.Revision", on_delete=models.CASCADE, related_name="bottom_line_confirmations"
    )
    round = models.PositiveIntegerField()
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(default=timezone.now)
    lines = models.JSONField()  # the codes of the lines confirmed (all seven)

    class Meta:
        verbose_name = _("七条底线确认")
        verbose_name_plural = _("七条底线确认")
        ordering = ["revision", "-confirmed_at"]

    def __str__(self) -> str:
        return f"{self.revision_id}/{self.round}"


class MediaConfirmation(models.Model):
    """A reviewer's statement that an audio or video attachment was heard or watched in full."""

    revision = models.ForeignKey(
        "publishing.Revision", on_delete=models.CASCADE, related_name="media_confirmations"
    )
    attachment = models.ForeignKey("publishing.Attachment", on_delete=models.CASCADE, related_name="+")
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("音视频审看确认")
        verbose_name_plural = _("音视频审看确认")
        constraints = [
            models.UniqueConstraint(fields=["revision", "attachment"], name="uniq_media_confirmation"),
        ]

    def __str__(self) -> str:
        return f"{self.revision_id}/{self.attachment_id}"
