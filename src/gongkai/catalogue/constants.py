from django.db import models
from django.utils.translation import gettext_lazy as _


class UpdateFrequency(models.TextChoices):
    REAL_TIME = "real_time", _("实时更新")
    MONTHLY = "monthly", _("每月更新")
    QUARTERLY = "quarterly", _("每季度更新")
    YEARLY = "yearly", _("每年更新")
    AS_NEEDED = "as_needed", _("根据需要")


class ColumnKind(models.TextChoices):
    """What kind of column a leaf is, for the staleness check of 国办秘函〔2019〕19号."""

    NEWS = "news", _("动态/新闻类")
    POLICY = "policy", _("政策/通知公告类")
    OTHER = "other", _("其他")


# 国办秘函〔2019〕19号: a news column not updated for 2 weeks, a policy/notice column for 6 months, fails.
STALE_AFTER_DAYS = {ColumnKind.NEWS: 14, ColumnKind.POLICY: 183}


class InterpretationScope(models.TextChoices):
    """政策解读 (DOMAIN I1): which columns hold documents that must be interpreted, and the column that holds
    the interpretations themselves."""

    NONE = "", _("不涉及")
    REQUIRED = "required", _("须解读")
    NORMATIVE = "normative", _("行政规范性文件(须解读,并征求政策法规科意见)")
    COLUMN = "column", _("政策解读栏目")
