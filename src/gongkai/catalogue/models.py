"""基本目录: an organisation's basic catalogue of proactive disclosure, as a tree of entries."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .constants import ColumnKind, InterpretationScope, UpdateFrequency


class DocumentKind(models.TextChoices):
    """What a column holds, where the annual report (年度报告) or the portal needs to know it.

    行政规范性文件 are not marked here: a column holds them when its interpretation scope (or an
    ancestor's) is 行政规范性文件 (``interpretation``), the one mark the review rules already use."""

    NONE = "", _("不涉及")
    REGULATION = "regulation", _("规章")
    ANNUAL_REPORT = "annual_report", _("政府信息公开年报")


# Columns named like the 政府信息公开年报 column, for catalogues made before the explicit mark (or imported
# without it). Both words are needed: "行政执法统计年报" is an annual report, but not this one.
ANNUAL_REPORT_NAME = "政府信息公开"
ANNUAL_REPORT_WORDS = ("年报", "年度报告")


def annual_report_column_q(prefix: str = "") -> Q:
    """Entries of the 政府信息公开年报 column: marked as such (or under a marked heading), or — for catalogues
    without the mark — named 政府信息公开…年报/年度报告. ``prefix`` is the lookup path to the entry
    (e.g. "live_revision__catalogue_entry__")."""
    marked = Q(**{f"{prefix}document_kind": DocumentKind.ANNUAL_REPORT}) | Q(
        **{f"{prefix}parent__document_kind": DocumentKind.ANNUAL_REPORT}
    )
    words = Q()
    for word in ANNUAL_REPORT_WORDS:
        words |= Q(**{f"{prefix}name__contains": word})
    return marked | (Q(**{f"{prefix}name__contains": ANNUAL_REPORT_NAME}) & words)


class CatalogueEntry(models.Model):
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="catalogue", verbose_name=_("机构")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级目录"),
    )
    code = models.CharField(_("目录编码"), max_length=40)
    name = models.CharField(_("目录名称"), max_length=120)
    ordering = models.PositiveIntegerField(_("排序"), default=0)
    content_type = models.CharField(_("公开内容"), max_length=200, blank=True)
    responsible_department = models.ForeignKey(
        "orgs.Department", on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("责任科室")
    )
    update_frequency = models.CharField(
        _("更新频率"), max_length=20, choices=UpdateFrequency.choices, default=UpdateFrequency.AS_NEEDED
    )
    column_kind = models.CharField(
        _("栏目类型"),
        max_length=20,
        choices=ColumnKind.choices,
        default=ColumnKind.OTHER,
        help_text=_("用于栏目更新检查:动态类两周、政策/通知公告类六个月未更新即预警(国办秘函〔2019〕19号)。"),
    )
    interpretation = models.CharField(
        _("政策解读"),
        max_length=20,
        choices=InterpretationScope.choices,
        default=InterpretationScope.NONE,
        blank=True,
        help_text=_("本栏目的文件是否须解读(应解读、尽解读);“政策解读栏目”用于发布解读材料。"),
    )
    document_kind = models.CharField(
        _("文件类别"),
        max_length=20,
        choices=DocumentKind.choices,
        default=DocumentKind.NONE,
        blank=True,
        help_text=_(
            "“规章”栏目的文件计入年度报告“主动公开政府信息情况”表中的规章(行政规范性文件按“政策解读”"
            "设为行政规范性文件的栏目统计);“政府信息公开年报”栏目的信息显示在公开平台的年报栏目。"
        ),
    )

    class Meta:
        verbose_name = _("目录分类")
        verbose_name_plural = _("基本目录")
        ordering = ["organization", "ordering", "code"]
        constraints = [models.UniqueConstraint(fields=["organization", "code"], name="uniq_catalogue_code")]

    def __str__(self) -> str:
        return self.name

    @property
    def path_names(self) -> list[str]:
        names, node = [], self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return list(reversed(names))
