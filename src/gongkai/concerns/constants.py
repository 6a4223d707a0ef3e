"""Fixed vocabularies and the legal time limits of 政务舆情 (DOMAIN R1–R7)."""

from __future__ import annotations

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _


class SourceKind(models.TextChoices):
    FEED = "feed", _("RSS/Atom 订阅")
    WEB_LIST = "web_list", _("网页列表")
    LOCAL = "local", _("本地文件或文件夹")


class Channel(models.TextChoices):
    FEED = "feed", _("订阅源")
    WEB = "web", _("网页")
    MANUAL = "manual", _("人工录入")
    ERROR_REPORT = "error_report", _("网民纠错")
    COMMENT = "comment", _("征求意见留言")
    MESSAGE = "message", _("咨询建言")


class RuleKind(models.TextChoices):
    BUREAU = "bureau", _("本机构名称")
    LEADER = "leader", _("领导姓名")
    VENUE = "venue", _("场馆、景区")
    EVENT = "event", _("活动、事件")
    OTHER = "other", _("其他")


class Category(models.TextChoices):
    """The six key categories of collection (seed 四(三)2 (1)–(6))."""

    POLICY_MEASURES = "policy_measures", _("经济社会发展、民生、稳定、改革创新的政策措施")
    POLICY_DOCUMENTS = "policy_documents", _("与群众利益密切相关、易引起关注的政策文件")
    EMERGENCY = "emergency", _("文化旅游重大突发事件、易引发群体性事件")
    HOTSPOTS = "hotspots", _("公平正义、民生热点、办事创业堵点痛点")
    MORALITY = "morality", _("严重冲击社会道德底线")
    CREDIBILITY = "credibility", _("可能影响政府形象和公信力")


class Severity(models.TextChoices):
    ESPECIALLY_MAJOR = "especially_major", _("特别重大")
    MAJOR = "major", _("重大")
    LARGER = "larger", _("较大")
    GENERAL = "general", _("一般")


SEVERITY_RANK = {
    Severity.GENERAL: 0,
    Severity.LARGER: 1,
    Severity.MAJOR: 2,
    Severity.ESPECIALLY_MAJOR: 3,
}


class CaseStatus(models.TextChoices):
    NEW = "new", _("新发现")
    CONSULTING = "consulting", _("会商")
    ASSESSING = "assessing", _("研判")
    RESPONDING = "responding", _("回应处置")
    MONITORING = "monitoring", _("持续监测")
    CLOSED = "closed", _("已办结")


OPEN_STATUSES = (
    CaseStatus.NEW,
    CaseStatus.CONSULTING,
    CaseStatus.ASSESSING,
    CaseStatus.RESPONDING,
    CaseStatus.MONITORING,
)


class RiskLevel(models.TextChoices):
    HIGH = "high", _("高")
    MEDIUM = "medium", _("中")
    LOW = "low", _("低")


class ClockKind(models.TextChoices):
    AUTHORITATIVE = "authoritative", _("发布权威信息")
    PRESS_CONFERENCE = "press_conference", _("举行新闻发布会")
    RESPONSE = "response", _("回应")


# R5: 国办发〔2016〕80号 (5 h / 24 h for 特别重大 and 重大), 国办发〔2016〕61号 (48 h otherwise).
CLOCK_LIMITS: dict[str, datetime.timedelta] = {
    ClockKind.AUTHORITATIVE: datetime.timedelta(hours=5),
    ClockKind.PRESS_CONFERENCE: datetime.timedelta(hours=24),
    ClockKind.RESPONSE: datetime.timedelta(hours=48),
}


def clocks_for(severity: str) -> tuple[str, ...]:
    if severity in (Severity.ESPECIALLY_MAJOR, Severity.MAJOR):
        return (ClockKind.AUTHORITATIVE, ClockKind.PRESS_CONFERENCE)
    return (ClockKind.RESPONSE,)


class ResponseChannel(models.TextChoices):
    WEBSITE = "website", _("政府网站发布")
    NEW_MEDIA = "new_media", _("政务新媒体")
    PRESS_CONFERENCE = "press_conference", _("新闻发布会")
    INTERVIEW = "interview", _("媒体专访、在线访谈")


# Which clocks a response on each channel stops (a press conference is also authoritative information).
RESPONSE_MEETS: dict[str, tuple[str, ...]] = {
    ResponseChannel.WEBSITE: (ClockKind.AUTHORITATIVE, ClockKind.RESPONSE),
    ResponseChannel.NEW_MEDIA: (ClockKind.AUTHORITATIVE, ClockKind.RESPONSE),
    ResponseChannel.INTERVIEW: (ClockKind.AUTHORITATIVE, ClockKind.RESPONSE),
    ResponseChannel.PRESS_CONFERENCE: (
        ClockKind.PRESS_CONFERENCE,
        ClockKind.AUTHORITATIVE,
        ClockKind.RESPONSE,
    ),
}


class ReportKind(models.TextChoices):
    INITIAL = "initial", _("首报")
    FOLLOW_UP = "follow_up", _("续报")


class Authority(models.TextChoices):
    POLICE = "police", _("公安机关")
    CYBERSPACE = "cyberspace", _("网信部门")


class WebhookKind(models.TextChoices):
    WECOM = "wecom", _("企业微信群机器人")
    DINGTALK = "dingtalk", _("钉钉群机器人")


DEFAULT_ESCALATION_POINTS = "50,80,100"
DEFAULT_WATCH_DAYS = 7
MAX_SOURCE_FAILURES = 5
