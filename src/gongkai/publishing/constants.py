"""Names and legal limits of the publishing workflow (seed chapter 二, DOMAIN P1–P8)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from gongkai.orgs.constants import Role

# 政府信息公开条例 第26条: 主动公开 information is published within 20 working days of being formed or changed.
PUBLICATION_DEADLINE_WORKDAYS = 20
# The inbox warns this many working days before the publication deadline.
PUBLICATION_WARNING_WORKDAYS = 5


class ItemStatus(models.TextChoices):
    """The public life of an item. Validity (有效/已废止/已失效) is separate: it follows from dates."""

    DRAFT = "draft", _("草稿")
    IN_REVIEW = "in_review", _("审核中")
    APPROVED = "approved", _("待发布")
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已撤回")


class RevisionStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    IN_REVIEW = "in_review", _("审核中")
    REJECTED = "rejected", _("已退回")
    APPROVED = "approved", _("审核通过")
    PUBLISHED = "published", _("已发布")
    SUPERSEDED = "superseded", _("已被替代")


class DisclosureAttribute(models.TextChoices):
    PROACTIVE = "proactive", _("主动公开")
    ON_REQUEST = "on_request", _("依申请公开")
    NOT_DISCLOSED = "not_disclosed", _("不予公开")


class Validity(models.TextChoices):
    VALID = "valid", _("有效")
    ABOLISHED = "abolished", _("已废止")
    EXPIRED = "expired", _("已失效")
    NOT_APPLICABLE = "n/a", _("—")


class StepScope(models.TextChoices):
    """Whose people may act on a review step."""

    LEAD_DEPARTMENT = "lead_department", _("牵头(制作)科室")
    ANY_DEPARTMENT = "any", _("本机构任一科室")
    FIXED_DEPARTMENT = "department", _("指定科室")


class TaskStatus(models.TextChoices):
    WAITING = "waiting", _("等待前序环节")
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("同意")
    REJECTED = "rejected", _("退回")
    CANCELLED = "cancelled", _("已取消")


# Roles that can hold a review step (administrators and drafters never review).
REVIEW_ROLES = (
    Role.DEPARTMENT_HEAD,
    Role.CONFIDENTIALITY_REVIEWER,
    Role.OFFICE_EDITOR,
    Role.LEADER,
    Role.POLICY_REVIEWER,
)
REVIEW_ROLE_CHOICES = [(role.value, role.label) for role in REVIEW_ROLES]

# The seed's chain (谁制作、谁审查): department review → confidentiality review → office approval → leader sign-off.
DEFAULT_REVIEW_CHAIN = (
    ("科室审核", Role.DEPARTMENT_HEAD, StepScope.LEAD_DEPARTMENT),
    ("保密审查", Role.CONFIDENTIALITY_REVIEWER, StepScope.ANY_DEPARTMENT),
    ("办公室审核", Role.OFFICE_EDITOR, StepScope.ANY_DEPARTMENT),
    ("分管领导签发", Role.LEADER, StepScope.ANY_DEPARTMENT),
)
# The step at which the reviewer confirms the seven bottom lines (七条底线) in the default chain.
BOTTOM_LINES_STEP = "办公室审核"

# Attachments: what may be uploaded. The real type is read from the content, not the name.
ALLOWED_ATTACHMENT_EXTENSIONS = (
    "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "wps", "et", "ofd", "txt", "csv",
    "jpg", "jpeg", "png", "gif", "zip", "mp3", "mp4",
)  # fmt: skip


class AttachmentKind(models.TextChoices):
    """What an attachment is, for what happens after upload (audio and video need a reviewer's word)."""

    DOCUMENT = "document", _("文档")
    IMAGE = "image", _("图片")
    AUDIO = "audio", _("音频")
    VIDEO = "video", _("视频")
    ARCHIVE = "archive", _("压缩包")
    OTHER = "other", _("其他")


# The kind of each extension the checks know (a few more than are allowed, so widening the list is one line).
ATTACHMENT_KINDS = {
    **dict.fromkeys(("pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "wps", "et", "ofd", "txt", "csv"),
                    AttachmentKind.DOCUMENT),
    **dict.fromkeys(("jpg", "jpeg", "png", "gif", "bmp", "webp"), AttachmentKind.IMAGE),
    **dict.fromkeys(("mp3", "wav"), AttachmentKind.AUDIO),
    **dict.fromkeys(("mp4",), AttachmentKind.VIDEO),
    **dict.fromkeys(("zip",), AttachmentKind.ARCHIVE),
}  # fmt: skip

# Zip bombs: a package (.docx, .ofd, .zip …) is refused when it would unpack to more than this many
# times its own size *and* more than this many bytes, or when it has more entries than this.
ATTACHMENT_UNPACKED_MAX_RATIO = 50
ATTACHMENT_UNPACKED_MAX_BYTES = 200 * 1024 * 1024
ATTACHMENT_MAX_ENTRIES = 10_000
# Where readers look for the PDF header and end marker (the PDF reference's implementation notes).
PDF_HEADER_WINDOW = 1024
PDF_EOF_WINDOW = 1024

# Tags and attributes kept in an item body; everything else (scripts, handlers, styles) is removed.
BODY_ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "b", "em", "i", "u", "s", "sub", "sup",
    "blockquote", "ul", "ol", "li", "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption",
    "colgroup", "col", "a", "img", "span", "div", "pre", "code", "figure", "figcaption",
}  # fmt: skip
BODY_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "p": {"align"},
    "col": {"span"},
}
BODY_URL_SCHEMES = {"http", "https", "mailto"}


class InterpretationForm(models.TextChoices):
    """解读形式 (DOMAIN I7, I8): an interpretation is an item of its own, in one of these forms."""

    TEXT = "text", _("文字解读")
    GRAPHIC = "graphic", _("图解")
    CHART = "chart", _("图片/图表")
    COMIC = "comic", _("漫画")
    AUDIO = "audio", _("音频")
    VIDEO = "video", _("视频")
    PRESS_CONFERENCE = "press_conference", _("新闻发布会")
    INTERVIEW = "interview", _("在线访谈")
    COMMENTARY = "commentary", _("评论文章")
    THIRD_PARTY = "third_party", _("第三方解读(专家、媒体)")
