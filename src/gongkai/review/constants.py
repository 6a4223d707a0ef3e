from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    FORBIDDEN = "forbidden", _("禁用")
    SENSITIVE = "sensitive", _("敏感")
    WRONG = "wrong", _("错误表述")
    OUTDATED = "outdated", _("过期表述")
    TYPO = "typo", _("错别字")
    PERSONAL_DATA = "personal_data", _("个人信息")
    LINK = "link", _("链接")
    STRUCTURE = "structure", _("解读要素")


# The categories a dictionary term can have (personal data and links come from detectors).
TERM_CATEGORIES = [
    c for c in Category if c not in (Category.PERSONAL_DATA, Category.LINK, Category.STRUCTURE)
]


class Severity(models.TextChoices):
    BLOCKING = "blocking", _("必须修改")
    WARNING = "warning", _("提示")


class FindingStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    ACKNOWLEDGED = "acknowledged", _("已确认(附理由)")


DETECTOR_LABELS = {
    "dictionary": _("词库"),
    "id_card": _("身份证号"),
    "mobile": _("手机号"),
    "bank_card": _("银行卡号"),
    "email": _("电子邮箱"),
    "broken_link": _("失效链接"),
    "unpublished_link": _("指向未公开信息的链接"),
    "template": _("解读要素"),
}

# 七条底线 (the seven bottom lines every reviewer confirms for each item).
BOTTOM_LINES = (
    ("law", _("法律法规底线")),
    ("system", _("社会主义制度底线")),
    ("national_interest", _("国家利益底线")),
    ("citizens_rights", _("公民合法权益底线")),
    ("public_order", _("社会公共秩序底线")),
    ("morals", _("道德风尚底线")),
    ("truth", _("信息真实性底线")),
)

AUDIO_VIDEO_EXTENSIONS = (
    "mp3",
    "mp4",
    "wav",
    "wma",
    "m4a",
    "aac",
    "flac",
    "ogg",
    "avi",
    "mov",
    "wmv",
    "flv",
    "mkv",
    "webm",
)
