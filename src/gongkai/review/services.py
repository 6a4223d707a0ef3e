"""Writes of the content review: dictionaries (versioned, audited), acknowledgements, confirmations and
the one-click masking of personal data. Each: permission check, one transaction, an audit event."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from gongkai.audit import services as audit
from gongkai.orgs.constants import Role
from gongkai.orgs.selectors import membership_for
from gongkai.publishing.exceptions import WorkflowError, require

from .constants import BOTTOM_LINES, TERM_CATEGORIES, Category, FindingStatus, Severity
from .models import BottomLineConfirmation, Dictionary, DictionaryVersion, Finding, MediaConfirmation, Term
from .scanner import Finding as ScanFinding
from .scanner import apply_masks

MAX_TERM_LENGTH = 100
MAX_TERMS_PER_DICTIONARY = 100_000
DICTIONARY_ROLES = (Role.OFFICE_EDITOR, Role.CONFIDENTIALITY_REVIEWER)


# --- dictionaries ------------------------------------------------------------------------------------


def dictionary_failures(user, dictionary: Dictionary | None, organization=None) -> list[str]:
    """Who may change a dictionary: for an organisation's own, its office editors and confidentiality
    reviewers; for a global one, the platform operators (superusers) only."""
    organization_id = (
        dictionary.organization_id if dictionary is not None else getattr(organization, "pk", organization)
    )
    if organization_id is None:
        return [] if user.is_superuser else ["全局词库只能由平台运维人员维护。"]
    membership = membership_for(user, organization_id)
    if membership is None:
        return ["您不是该机构的工作人员。"]
    if not any(membership.has_role(role) for role in DICTIONARY_ROLES):
        return ["只有办公室编辑或保密审查人员可以维护本机构词库。"]
    return []


def _bump(dictionary: Dictionary, user, summary: str, changes: dict[str, Any]) -> None:
    dictionary.version += 1
    dictionary.updated_at = timezone.now()
    dictionary.save(update_fields=["version", "updated_at"])
    DictionaryVersion.objects.create(
        dictionary=dictionary,
        version=dictionary.version,
        changed_by=user,
        summary=summary[:200],
        changes=changes,
    )
    audit.record(
        action="review.dictionary.changed",
        actor=user,
        target=dictionary,
        organization=dictionary.organization_id,
        data={"dictionary": dictionary.name, "version": dictionary.version, "summary": summary, **changes},
    )
    from . import tasks

    transaction.on_commit(lambda: tasks.patrol_after_dictionary_change(dictionary.organization_id))


@transaction.atomic
def create_dictionary(*, user, organization, name: str) -> Dictionary:
    require(dictionary_failures(user, None, organization))
    name = (name or "").strip()
    if not name:
        raise WorkflowError("请填写词库名称。")
    organization_id = getattr(organization, "pk", organization)
    if Dictionary.objects.filter(organization_id=organization_id, name=name).exists():
        raise WorkflowError(f"已有名为“{name}”的词库。")
    dictionary = Dictionary.objects.create(organization_id=organization_id, name=name, version=0)
    _bump(dictionary, user, "新建词库", {})
    return dictionary


def clean_term(data: dict[str, Any]) -> dict[str, str]:
    """Validate one term's fields; raises WorkflowError with every problem named."""
    text = " ".join(str(data.get("text") or "").split())
    category = str(data.get("category") or "").strip()
    severity = str(data.get("severity") or "").strip()
    suggestion = str(data.get("suggestion") or "").strip()
    note = str(data.get("note") or "").strip()
    labels = {str(c.label): c.value for c in Category}
    category = labels.get(category, category)
    severity = {str(s.label): s.value for s in Severity}.get(severity, severity)
    problems = []
    if not text:
        problems.append("词语不能为空。")
    elif len(text) > MAX_TERM_LENGTH:
        problems.append(f"词语不能超过{MAX_TERM_LENGTH}个字。")
    elif len(text) < 2:
        problems.append("词语至少两个字(单字误报太多)。")
    if category not in TERM_CATEGORIES:
        problems.append("类别只能是:" + "、".join(str(c.label) for c in TERM_CATEGORIES) + "。")
    if severity not in Severity.values:
        problems.append("级别只能是“必须修改”或“提示”。")
    if category in (Category.WRONG, Category.OUTDATED, Category.TYPO) and not suggestion:
        problems.append("错误表述、过期表述和错别字须填写正确表述。")
    if suggestion and suggestion == text:
        problems.append("正确表述不能与词语相同。")
    if len(suggestion) > 200 or len(note) > 200:
        problems.append("正确表述和说明不能超过200个字。")
    if problems:
        raise WorkflowError(problems)
    return {"text": text, "category": category, "severity": severity, "suggestion": suggestion, "note": note}


@transaction.atomic
def save_term(*, user, dictionary: Dictionary, data: dict[str, Any], term: Term | None = None) -> Term:
    dictionary = Dictionary.objects.select_for_update().get(pk=dictionary.pk)
    require(dictionary_failures(user, dictionary))
    values = clean_term(data)
    clash = dictionary.terms.filter(text=values["text"])
    if term is not None:
        clash = clash.exclude(pk=term.pk)
    if clash.exists():
        raise WorkflowError(f"词库中已有“{values['text']}”。")
    if term is None:
        if dictionary.terms.count() >= MAX_TERMS_PER_DICTIONARY:
            raise WorkflowError(f"一个词库最多{MAX_TERMS_PER_DICTIONARY}条。")
        term = Term.objects.create(dictionary=dictionary, **values)
        _bump(dictionary, user, f"新增“{term.text}”", {"added": [values]})
    else:
        before = {k: getattr(term, k) for k in values}
        for key, value in values.items():
            setattr(term, key, value)
        term.save()
        _bump(dictionary, user, f"修改“{term.text}”", {"changed": [{"before": before, "after": values}]})
    return term


@transaction.atomic
def delete_term(*, user, term: Term) -> None:
    dictionary = Dictionary.objects.select_for_update().get(pk=term.dictionary_id)
    require(dictionary_failures(user, dictionary))
    values = {"text": term.text, "category": term.category, "severity": term.severity}
    term.delete()
    _bump(dictionary, user, f"删除“{values['text']}”", {"removed": [values]})


@transaction.atomic
def replace_terms(*, user, dictionary: Dictionary, rows: list[dict[str, Any]], source: str) -> dict[str, int]:
    """Make the dictionary hold exactly ``rows`` (an Excel import): one new version for the whole change.
    Every row is validated first; any problem refuses the whole import and names the rows."""
    dictionary = Dictionary.objects.select_for_update().get(pk=dictionary.pk)
    require(dictionary_failures(user, dictionary))
    problems, cleaned, seen = [], [], set()
    for number, row in rows:
        try:
            values = clean_term(row)
        except WorkflowError as error:
            problems.extend(f"第{number}行:{reason}" for reason in error.reasons)
            continue
        if values["text"] in seen:
            problems.append(f"第{number}行:“{values['text']}”重复。")
            continue
        seen.add(values["text"])
        cleaned.append(values)
    if len(cleaned) > MAX_TERMS_PER_DICTIONARY:
        problems.append(f"一个词库最多{MAX_TERMS_PER_DICTIONARY}条。")
    if problems:
        raise WorkflowError(
            problems[:50] + ([f"……共 {len(problems)} 处问题。"] if len(problems) > 50 else [])
        )
    existing = {t.text: t for t in dictionary.terms.all()}
    added = [v for v in cleaned if v["text"] not in existing]
    changed = [
        v
        for v in cleaned
        if v["text"] in existing
        and any(
            getattr(existing[v["text"]], k) != v[k] for k in ("category", "severity", "suggestion", "note")
        )
    ]
    removed = [text for text in existing if text not in seen]
    Term.objects.filter(dictionary=dictionary, text__in=removed).delete()
    for values in changed:
        Term.objects.filter(dictionary=dictionary, text=values["text"]).update(**values)
    Term.objects.bulk_create([Term(dictionary=dictionary, **v) for v in added])
    counts = {"added": len(added), "changed": len(changed), "removed": len(removed)}
    _bump(
        dictionary,
        user,
        f"从 {source} 导入:新增 {counts['added']},修改 {counts['changed']},删除 {counts['removed']}",
        {"import": source, **counts},
    )
    return counts


# --- a revision's review -----------------------------------------------------------------------------


def acting_failures(user, item) -> list[str]:
    """Who is working on the item now, and so may acknowledge its warnings: its editor while it is a
    draft, the reviewer of the pending step while it is in review."""
    from gongkai.publishing import permissions
    from gongkai.publishing.services import current_task

    task = current_task(item)
    if task is not None:
        return permissions.decide_failures(user, task)
    return permissions.edit_failures(user, item)


def _acting_on(user, finding: Finding) -> list[str]:
    item = finding.revision.item
    if item.latest_revision_id != finding.revision_id:
        return ["这条审核发现不属于当前版本。"]
    return acting_failures(user, item)


@transaction.atomic
def acknowledge(*, user, finding: Finding, reason: str) -> Finding:
    finding = Finding.objects.select_for_update().select_related("revision__item").get(pk=finding.pk)
    reason = (reason or "").strip()
    if finding.severity != Severity.WARNING:
        raise WorkflowError("必须修改的问题不能只确认,请修改内容。")
    if not reason:
        raise WorkflowError("确认提示须说明理由(例如:该电话为公开的办公电话)。")
    require(_acting_on(user, finding))
    finding.status = FindingStatus.ACKNOWLEDGED
    finding.acknowledged_by = user
    finding.acknowledged_at = timezone.now()
    finding.acknowledgement = reason[:1000]
    finding.save(update_fields=["status", "acknowledged_by", "acknowledged_at", "acknowledgement"])
    item = finding.revision.item
    audit.record(
        action="review.finding.acknowledged",
        actor=user,
        target=item,
        organization=item.organization_id,
        data={
            "revision": finding.revision.number,
            "matched": finding.matched,
            "category": finding.category,
            "reason": reason,
        },
    )
    return finding


def record_bottom_lines(*, revision, round: int, user, lines: Iterable[str] | None) -> BottomLineConfirmation:
    """Called by publishing.services.approve_step inside its transaction, after the gate passed."""
    codes = [code for code, _label in BOTTOM_LINES if code in set(lines or ())]
    return BottomLineConfirmation.objects.create(
        revision=revision, round=round, confirmed_by=user, lines=codes
    )


@transaction.atomic
def confirm_media(*, user, revision, attachment) -> MediaConfirmation:
    """The reviewer of the pending step heard or watched an audio or video attachment in full."""
    from gongkai.publishing import permissions
    from gongkai.publishing.services import current_task

    item = revision.item
    task = current_task(item)
    if task is None:
        raise WorkflowError("该信息当前没有待审核的环节。")
    require(permissions.decide_failures(user, task))
    if not revision.attachments.filter(pk=attachment.pk).exists():
        raise WorkflowError("该附件不属于此信息。")
    confirmation, _created = MediaConfirmation.objects.get_or_create(
        revision=revision, attachment=attachment, defaults={"confirmed_by": user}
    )
    audit.record(
        action="review.media.confirmed",
        actor=user,
        target=item,
        organization=item.organization_id,
        data={"revision": revision.number, "attachment": attachment.original_name},
    )
    return confirmation


MASKABLE_FIELDS = ("title", "document_number", "summary", "body")


@transaction.atomic
def mask_personal_data(*, user, finding: Finding) -> int:
    """One-click fix: replace the personal data of a finding (every occurrence in that field) by its mask.
    Only for the editable fields of a draft; attachments must be corrected and uploaded again."""
    from gongkai.publishing import services as publishing

    finding = Finding.objects.select_related("revision__item").get(pk=finding.pk)
    if finding.category != Category.PERSONAL_DATA:
        raise WorkflowError("只有个人信息可以一键脱敏。")
    if finding.field not in MASKABLE_FIELDS:
        raise WorkflowError("附件中的个人信息请在原文件中处理后重新上传。")
    item = finding.revision.item
    if item.latest_revision_id != finding.revision_id:
        raise WorkflowError("这条审核发现不属于当前版本。")
    current = getattr(finding.revision, finding.field)
    masked = apply_masks(
        current,
        [
            ScanFinding(
                category=finding.category,
                severity=finding.severity,
                start=start,
                end=start + len(finding.matched),
                matched=finding.matched,
                suggestion="",
                detector=finding.detector,
            )
            for start in _occurrences(current, finding.matched)
        ],
    )
    if masked == current:
        raise WorkflowError("未找到需要脱敏的内容,可能已修改。")
    publishing.update_draft(user=user, item=item, data={finding.field: masked})
    audit.record(
        action="review.finding.masked",
        actor=user,
        target=item,
        organization=item.organization_id,
        data={"revision": finding.revision.number, "field": finding.field, "detector": finding.detector},
    )
    return current.count(finding.matched)


def _occurrences(text: str, value: str) -> list[int]:
    found, start = [], text.find(value)
    while start != -1:
        found.append(start)
        start = text.find(value, start + len(value))
    return found
