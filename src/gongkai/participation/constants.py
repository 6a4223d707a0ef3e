"""Vocabularies and the legal periods of 公众参与 (DOMAIN C1–C3)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ConsultationKind(models.TextChoices):
    """The five kinds of major decisions to pre-disclose (seed 五(二)1, C2), and 行政规范性文件."""

    PLAN = "plan", _("重点计划规划")
    REFORM = "reform", _("重要改革方案")
    POLICY = "policy", _("重大政策措施")
    LIVELIHOOD = "livelihood", _("重大民生事项")
    PROJECT = "project", _("重大建设项目")
    NORMATIVE = "normative", _("行政规范性文件")


MAJOR_DECISION_KINDS = (
    ConsultationKind.PLAN,
    ConsultationKind.REFORM,
    ConsultationKind.POLICY,
    ConsultationKind.LIVELIHOOD,
    ConsultationKind.PROJECT,
)
# 重大行政决策程序暂行条例 第15条: 征求意见期限一般不少于30日 (calendar days).
MAJOR_DECISION_MIN_DAYS = 30
# 国办发〔2018〕37号: 行政规范性文件 征求意见期限一般不少于7个工作日.
NORMATIVE_MIN_WORKDAYS = 7
DEFAULT_FEEDBACK_WORKDAYS = 15


class ConsultationStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    OPEN = "open", _("征求意见中")
    CLOSED = "closed", _("已截止")
    FEEDBACK_PUBLISHED = "feedback_published", _("已公布采纳情况")


class CommentStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("未通过")


class Disposition(models.TextChoices):
    ADOPTED = "adopted", _("采纳")
    PARTLY = "partly", _("部分采纳")
    NOT_ADOPTED = "not_adopted", _("未采纳")
    DUPLICATE = "duplicate", _("重复意见")


class MessageKind(models.TextChoices):
    CONSULT = "consult", _("咨询")
    SUGGEST = "suggest", _("建言")


class MessageStatus(models.TextChoices):
    NEW = "new", _("待分办")
    ROUTED = "routed", _("办理中")
    ANSWERED = "answered", _("已答复")
    REJECTED = "rejected", _("不予受理")


DEFAULT_MESSAGE_WORKDAYS = 5
# 国办秘函〔2019〕19号: no message may stay unanswered for more than 3 months.
MESSAGE_HARD_LIMIT_MONTHS = 3


class InterviewStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("预告")
    LIVE = "live", _("直播中")
    ENDED = "ended", _("已结束")


class QuestionStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已采用")
    REJECTED = "rejected", _("未采用")
    ANSWERED = "answered", _("已回答")
