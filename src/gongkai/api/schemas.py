"""Request and response shapes of the JSON API (they are also the OpenAPI document)."""

import datetime
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import AfterValidator, ConfigDict

MAX_ID = 2**53  # well inside every database's integer range


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("不能包含空字符(\\u0000)。")
    return value


def Text(max_length: int, **kwargs):  # noqa: N802  (a type factory)
    return Annotated[str, Field(max_length=max_length, **kwargs), AfterValidator(_no_nul)]


Code = Annotated[str, Field(min_length=1, max_length=40), AfterValidator(_no_nul)]
Title = Text(300)
DocumentNumber = Text(100)
Reason = Text(2000)
Summary = Text(5000)
BodyHtml = Text(1_000_000)
Source = Text(120)
ItemId = Annotated[int, Field(ge=1, le=MAX_ID)]
LockVersion = Annotated[
    int, Field(ge=0, le=2**31 - 1, description="乐观锁版本号:取自最近一次读取的 lock_version。")
]
Attribute = Literal["proactive", "on_request", "not_disclosed"]

ATTRIBUTE_HELP = "公开属性:proactive 主动公开 / on_request 依申请公开 / not_disclosed 不予公开。"


class StrictIn(Schema):
    """Unknown fields are refused (a misspelt field must not be ignored silently); text is trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# --- staff: requests ---------------------------------------------------------------------------------


class ItemIn(StrictIn):
    """A new draft pushed by an office automation system. Codes name objects of the organisation."""

    organization: Code = Field(description="机构代码")
    title: Title = Field(description="标题")
    document_number: DocumentNumber = Field("", description="文号")
    lead_department: Code = Field(description="牵头(制作)科室代码")
    co_departments: list[Code] = Field(default_factory=list, max_length=50, description="联合制作科室代码")
    formed_on: datetime.date = Field(description="成文日期 YYYY-MM-DD")
    effective_on: datetime.date | None = Field(None, description="生效日期 YYYY-MM-DD")
    disclosure_attribute: Attribute = Field("proactive", description=ATTRIBUTE_HELP)
    non_disclosure_reason: Reason = Field("", description="不公开理由(依申请公开、不予公开时必填)")
    topic: Code | None = Field(None, description="主题分类代码")
    catalogue_entry: Code | None = Field(None, description="目录分类代码")
    summary: Summary = Field("", description="内容概述")
    body: BodyHtml = Field("", description="正文(HTML,会被净化)")
    source: Source = Field("", description="来源")


class ItemPatch(StrictIn):
    """Fields to change in the working revision; absent fields stay as they are."""

    lock_version: LockVersion
    title: Title | None = None
    document_number: DocumentNumber | None = None
    lead_department: Code | None = None
    co_departments: list[Code] | None = Field(None, max_length=50)
    formed_on: datetime.date | None = None
    effective_on: datetime.date | None = None
    disclosure_attribute: Attribute | None = Field(None, description=ATTRIBUTE_HELP)
    non_disclosure_reason: Reason | None = None
    topic: Code | None = None
    catalogue_entry: Code | None = None
    summary: Summary | None = None
    body: BodyHtml | None = None
    source: Source | None = None
    change_note: Reason | None = Field(None, description="更新说明(修订已发布信息时填写)")
    is_major_change: bool | None = None


class ActionIn(StrictIn):
    lock_version: LockVersion | None = None


BottomLine = Literal[
    "law", "system", "national_interest", "citizens_rights", "public_order", "morals", "truth"
]


class ApproveIn(ActionIn):
    opinion: Reason = Field("", description="审核意见(默认“同意”)")
    bottom_lines: list[BottomLine] = Field(
        default_factory=list,
        max_length=7,
        description="七条底线确认(须确认七条底线的环节必填全部七项):law 法律法规、system 社会主义制度、"
        "national_interest 国家利益、citizens_rights 公民合法权益、public_order 社会公共秩序、morals 道德风尚、"
        "truth 信息真实性",
    )


class CheckIn(StrictIn):
    text: Text(1_000_000) = Field(description="要检查的文字")
    organization: Code | None = Field(None, description="按哪个机构的词库检查(默认:令牌用户所在的第一个机构)")


class CheckFindingOut(Schema):
    category: str = Field(
        description="forbidden 禁用 / sensitive 敏感 / wrong 错误表述 / outdated 过期表述 / typo 错别字 / personal_data 个人信息"
    )
    category_label: str
    severity: str = Field(description="blocking 必须修改 / warning 提示")
    start: int = Field(description="起始位置(字符,从0计)")
    end: int = Field(description="结束位置(不含)")
    matched: str
    suggestion: str
    detector: str


class CheckOut(Schema):
    findings: list[CheckFindingOut]
    blocking: int
    warnings: int


class RejectIn(ActionIn):
    opinion: Reason = Field(description="退回理由(必填)")


# --- shared parts of responses -----------------------------------------------------------------------


class CodeName(Schema):
    code: str
    name: str


class Label(Schema):
    code: str
    label: str


# --- staff: responses --------------------------------------------------------------------------------


class StaffAttachmentOut(Schema):
    id: int
    name: str
    size: int
    content_type: str
    sha256: str
    uploaded_at: datetime.datetime


class TaskOut(Schema):
    revision: int
    round: int
    position: int
    name: str
    role: Label
    status: Label
    started_at: datetime.datetime | None
    decided_by: str | None
    decided_at: datetime.datetime | None
    opinion: str


class RevisionOut(Schema):
    number: int
    status: Label
    title: str
    document_number: str
    publisher: str
    lead_department: CodeName
    co_departments: list[CodeName]
    formed_on: datetime.date
    effective_on: datetime.date | None
    disclosure_attribute: Label
    non_disclosure_reason: str
    topic: CodeName | None
    catalogue_entry: CodeName | None
    summary: str
    body: str
    source: str
    change_note: str
    attachments: list[StaffAttachmentOut]
    created_by: str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    submitted_by: str | None
    submitted_at: datetime.datetime | None
    review_round: int
    rejection_reason: str
    approved_at: datetime.datetime | None
    published_at: datetime.datetime | None


class EventOut(Schema):
    seq: int
    action: str
    label: str
    actor: str
    created_at: datetime.datetime
    data: dict


class StaffItemOut(Schema):
    id: int
    organization: CodeName
    index_number: str | None
    status: Label
    lock_version: int
    publication_due_on: datetime.date | None
    publication_due_provisional: bool
    public_url: str | None = Field(description="公开页面地址(仅已发布时)")
    current_step: TaskOut | None = Field(description="当前待审核环节")
    revisions: list[RevisionOut]
    review_tasks: list[TaskOut] = Field(description="全部审核轮次的审核任务")
    history: list[EventOut] = Field(description="该信息的审计记录,按时间先后")


# --- public ------------------------------------------------------------------------------------------


class PublicAttachmentOut(Schema):
    name: str
    size: int
    content_type: str
    url: str


class PublicItemOut(Schema):
    index_number: str
    title: str
    url: str = Field(description="公开页面的绝对地址")
    document_number: str
    publisher: str
    organization: CodeName
    lead_department: CodeName
    formed_on: datetime.date
    effective_on: datetime.date | None
    abolished_on: datetime.date | None
    expires_on: datetime.date | None
    validity: Label = Field(description="有效性:valid 有效 / abolished 已废止 / expired 已失效")
    replaced_by: str | None = Field(description="替代文件的索引号")
    topic: CodeName | None
    catalogue_entry: CodeName | None
    summary: str
    published_at: datetime.datetime
    first_published_at: datetime.datetime | None
    attachments: list[PublicAttachmentOut]


class PublicItemDetailOut(PublicItemOut):
    body: str = Field(description="正文(已净化的 HTML)")
    change_note: str


class PublicPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[PublicItemOut]


class PublicFilters(Schema):
    """The filters of the public list and search pages (/xxgk/list/, /xxgk/search/), same meaning."""

    organization: Code | None = Field(None, description="机构代码")
    year: int | None = Field(None, ge=1949, le=2999, description="发布年份")
    catalogue_entry: Code | None = Field(None, description="目录分类代码(含其下级分类)")
    topic: Code | None = Field(None, description="主题分类代码")
    validity: Literal["valid", "abolished", "expired"] | None = Field(
        None, description="有效性:valid 有效 / abolished 已废止 / expired 已失效(按今天的日期)"
    )
    limit: int = Field(20, ge=1, le=100, description="每页条数,最多100")
    offset: int = Field(0, ge=0, le=10_000_000)


class SearchFilters(PublicFilters):
    q: str = Field(
        min_length=1,
        max_length=200,
        description="检索词:标题、文号、内容概述、正文和附件文本中的任意连续文字(两个字以上);"
        "多个词用空格分开,须同时包含;文号括号〔〕[]()不限。",
    )
    order: Literal["relevance", "date"] = Field("relevance", description="relevance 相关度 / date 发布时间")
    offset: int = Field(0, ge=0, le=10_000, description="最多可翻到第10000条")


class SearchHitOut(PublicItemOut):
    score: int = Field(description="相关度:标题命中10000、文号1000、概述100、正文10、附件1,按检索词累加")
    title_highlighted: str = Field(description="标题(HTML,已转义,命中处为 <mark>)")
    snippet: str = Field(description="命中处前后的摘录(纯文本);无摘录时为空")
    snippet_highlighted: str = Field(description="摘录(HTML,已转义,命中处为 <mark>)")
    snippet_field: str = Field(description="摘录来自:正文 / 内容概述 / 附件")


class FacetOut(Schema):
    value: str
    label: str
    count: int


class SearchPageOut(Schema):
    count: int
    limit: int
    offset: int
    terms: list[str] = Field(description="实际使用的检索词(规范化后)")
    messages: list[str] = Field(description="对检索词或筛选条件所做调整的说明")
    facets: dict[str, list[FacetOut]] = Field(
        description="分面统计:year / catalogue / topic / validity / org"
    )
    items: list[SearchHitOut]


class ErrorOut(Schema):
    detail: str


class WorkflowErrorOut(Schema):
    detail: str
    reasons: list[str]


class FieldErrorsOut(Schema):
    detail: str
    errors: dict[str, list[str]]
