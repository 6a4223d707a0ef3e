"""The content of an item (DOMAIN P3 and the metadata table): which fields it has, what makes them valid,
and what must be complete before review starts."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from gongkai.interpretation import rules as interpretation_rules
from gongkai.orgs.models import Organization

from .constants import DisclosureAttribute
from .html import plain_text, sanitize_body
from .models import Revision

CONTENT_FIELDS = (
    "title",
    "document_number",
    "publisher",
    "lead_department",
    "formed_on",
    "effective_on",
    "disclosure_attribute",
    "non_disclosure_reason",
    "topic",
    "catalogue_entry",
    "summary",
    "body",
    "source",
    "change_note",
    "is_major_change",
    "needs_interpretation",
    "interpretation_override_reason",
    "interprets",
    "interpretation_form",
    "meeting_name",
)

# Government information of the People's Republic: nothing is formed before 1949-10-01.
EARLIEST_FORMED_ON = datetime.date(1949, 10, 1)
TEXT_FIELDS = (
    "interpretation_override_reason",
    "meeting_name",
    "interpretation_form",
    "title",
    "document_number",
    "summary",
    "source",
    "publisher",
    "non_disclosure_reason",
    "change_note",
)
REQUIRED_FIELDS = {
    "title": "请填写标题。",
    "lead_department": "请选择牵头(制作)科室。",
    "formed_on": "请填写成文日期。",
    "publisher": "请填写发布机构。",
    "disclosure_attribute": "请选择公开属性。",
}


def clean_content(
    organization: Organization, data: dict[str, Any], *, current: Revision | None = None
) -> dict[str, Any]:
    """Check content against the rules of DOMAIN P3 and the metadata table; raise ValidationError.

    `data` may be partial when `current` is given: rules spanning several fields (a reason for a
    non-proactive attribute, effective after formed) are checked on the result of applying it."""
    errors: dict[str, list[str]] = {}
    out = {k: v for k, v in data.items() if k in CONTENT_FIELDS or k == "co_departments"}
    for key in TEXT_FIELDS:
        if isinstance(out.get(key), str):
            out[key] = out[key].strip()
        elif key in out and out[key] is None:
            out[key] = ""
    defaults = {"disclosure_attribute": DisclosureAttribute.PROACTIVE}

    def value(field: str):
        if field in out:
            return out[field]
        if current is not None:
            return getattr(current, field)
        return defaults.get(field)

    def error(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    for field, message in REQUIRED_FIELDS.items():
        if value(field) in (None, "", []):
            error(field, message)
    if len(value("title") or "") > 300:
        error("title", "标题不能超过300字。")
    attribute = value("disclosure_attribute")
    if attribute and attribute not in DisclosureAttribute.values:
        error("disclosure_attribute", "公开属性无效。")
    elif attribute and attribute != DisclosureAttribute.PROACTIVE and not value("non_disclosure_reason"):
        error("non_disclosure_reason", "公开属性为依申请公开或不予公开时,必须说明理由(国办发〔2016〕80号)。")
    for field in ("lead_department", "topic", "catalogue_entry", "interprets"):
        if field in out and out[field] in ("", None):
            out[field] = None
        obj = out.get(field)
        if obj is not None and getattr(obj, "organization_id", None) != organization.pk:
            error(field, "所选项不属于本机构。")
    if any(dept.organization_id != organization.pk for dept in out.get("co_departments") or []):
        error("co_departments", "联合制作科室须属于本机构。")
    formed, effective = value("formed_on"), value("effective_on")
    if formed and effective and effective < formed:
        error("effective_on", "生效日期不能早于成文日期。")
    if formed and not (EARLIEST_FORMED_ON <= formed <= timezone.localdate() + datetime.timedelta(days=366)):
        error("formed_on", f"成文日期不合理:应在 {EARLIEST_FORMED_ON:%Y-%m-%d} 之后,且不晚于明年。")
    for field, messages in interpretation_rules.content_errors(organization, value, out).items():
        for message in messages:
            error(field, message)
    if "body" in out:
        out["body"] = sanitize_body(out["body"] or "")
    if errors:
        raise ValidationError(errors)
    return out


def submission_failures(revision: Revision) -> list[str]:
    """What must be complete before review starts (so reviewers see the whole item)."""
    reasons = []
    if revision.disclosure_attribute != DisclosureAttribute.PROACTIVE:
        reasons.append(
            f"公开属性为“{revision.get_disclosure_attribute_display()}”的信息不能主动发布,不能提交发布审核(只有主动公开的信息可以发布)。"
        )
    if revision.catalogue_entry_id is None:
        reasons.append("请选择目录分类(按基本目录发布)。")
    elif revision.catalogue_entry.children.exists():
        # P9: every published item sits in a leaf of the basic catalogue, never in a heading.
        reasons.append(f"目录分类“{revision.catalogue_entry.name}”下还有子栏目,请选择最末一级的目录分类。")
    if revision.topic_id is None:
        reasons.append("请选择所属主题。")
    if not revision.summary.strip():
        reasons.append("请填写内容概述。")
    if not plain_text(revision.body) and "<img" not in revision.body and not revision.attachments.exists():
        reasons.append("正文和附件不能都为空。")
    return reasons
