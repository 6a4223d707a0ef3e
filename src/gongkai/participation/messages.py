"""The rules of 公众留言 (咨询 / 建言, issue 7 item 4): receiving a message, routing it to a department,
answering or refusing it in time, the daily reminders, and what the public and the console read.

- A message is due ``answer_workdays`` working days after the day it was received (the organisation's
  MessagePolicy, else DEFAULT_MESSAGE_WORKDAYS = 5) and, whatever happens, by the hard limit of
  received + 3 calendar months (国办秘函〔2019〕19号: no message stays unanswered longer).
- The office (office editors) routes each new message to a department; that department's people
  (drafter, head, or an office editor when it is routed to the office itself) answer; its head may send
  it back to the office with a reason. The office or the department's head may refuse it (不予受理) with a
  reason the writer reads.
- An answer is screened with the review engine before it is saved: a blocking finding refuses it.
- ``escalate()`` (daily, tasks.py) warns once per level: one working day before the due date, overdue,
  near the 3-month limit and at it.
- Personal data (name, phone, e-mail, tracking code) is shown to the office editors and the routed
  department only; the public list shows the name masked (张**) and never a contact.

Views and the periodic task call these functions; they hold no rules of their own.
"""

from __future__ import annotations

import calendar as month_calendar
import datetime
import enum
import logging
import re
import secrets
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from gongkai.audit import services as audit
from gongkai.core import captcha
from gongkai.orgs.constants import DepartmentKind, Role
from gongkai.workdays.calendar import Deadline, WorkdayCalendar

from .constants import DEFAULT_MESSAGE_WORKDAYS, MESSAGE_HARD_LIMIT_MONTHS, MessageKind, MessageStatus
from .models import MAX_MESSAGE_WORKDAYS, Message, MessagePolicy
from .privacy import masked_text

logger = logging.getLogger(__name__)

MAX_SUBJECT = 200
MAX_TEXT = 3000
MAX_NAME = 50
MAX_PHONE = 30
MAX_ANSWER = 5000
MAX_REASON = 1000

# Warned this many working days before the due date (and shown orange in the console from then on).
NEAR_WORKDAYS = 1
# Warned this many working days before the 3-month hard limit.
FINAL_WARNING_WORKDAYS = 5

TRACKING_ALPHABET = captcha.ALPHABET  # no 0/O, 1/I/L: easy to read out and type
TRACKING_LENGTH = 12  # 32**12 = 2**60 codes

CONSOLE_PATH = "/console/participation/messages/"
PUBLIC_PATH = "/hudong/liuyan/"

KIND_NEW = "participation.message_new"
KIND_ROUTED = "participation.message_routed"
KIND_RETURNED = "participation.message_returned"
KIND_DUE = "participation.message_due"

OPEN_STATUSES = (MessageStatus.NEW, MessageStatus.ROUTED)
ANSWERING_ROLES = (Role.DRAFTER, Role.DEPARTMENT_HEAD, Role.OFFICE_EDITOR)
# Audit action for a changed answer period. TODO(lead): register "participation.message_policy_saved"
# (保存留言答复期限) in audit_actions.py and use it here; the routing action stands in meanwhile.
POLICY_ACTION = "participation.message_policy_saved"

_PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{5,28}$")


class Level(enum.IntEnum):
    """How far a message's reminders have gone (Message.escalation_level); each is announced once."""

    NONE = 0
    NEAR = 1  # one working day before the due date
    OVERDUE = 2  # past the due date
    FINAL_NEAR = 3  # within FINAL_WARNING_WORKDAYS of the 3-month limit
    FINAL_REACHED = 4  # the 3-month limit has come


# --- deadlines ---------------------------------------------------------------------------------------


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later; the month's last day when it is shorter (30 Nov + 3 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return datetime.date(year, month, min(day.day, month_calendar.monthrange(year, month)[1]))


def answer_workdays(organization) -> int:
    """The organisation's answer period in working days (its MessagePolicy, else the default)."""
    organization_id = getattr(organization, "pk", organization)
    value = (
        MessagePolicy.objects.filter(organization_id=organization_id)
        .values_list("answer_workdays", flat=True)
        .first()
    )
    return value or DEFAULT_MESSAGE_WORKDAYS


def deadlines_for(
    organization, received: datetime.date, calendar: WorkdayCalendar | None = None
) -> tuple[Deadline, datetime.date]:
    """(answer deadline, 3-month hard limit) of a message received on ``received``.

    The answer deadline never lies past the hard limit."""
    final = add_months(received, MESSAGE_HARD_LIMIT_MONTHS)
    due = (calendar or WorkdayCalendar()).add_workdays(received, answer_workdays(organization))
    if due.due > final:
        due = Deadline(final, False)
    return due, final


def set_answer_workdays(*, user, organization, workdays) -> MessagePolicy:
    """Office editors set their organisation's answer period (1–60 working days); audited."""
    from gongkai.orgs.selectors import membership_for

    membership = membership_for(user, organization.pk) if user.is_authenticated else None
    if membership is None or not membership.has_role(Role.OFFICE_EDITOR):
        raise PermissionDenied("只有本机构的办公室编辑可以设置留言答复期限。")
    try:
        workdays = int(str(workdays).strip())
    except (TypeError, ValueError):
        raise ValidationError({"answer_workdays": "答复期限须为整数个工作日。"}) from None
    if not 1 <= workdays <= MAX_MESSAGE_WORKDAYS:
        raise ValidationError({"answer_workdays": f"答复期限须在 1 至 {MAX_MESSAGE_WORKDAYS} 个工作日之间。"})
    with transaction.atomic():
        policy, created = MessagePolicy.objects.select_for_update().get_or_create(organization=organization)
        before = DEFAULT_MESSAGE_WORKDAYS if created else policy.answer_workdays
        policy.answer_workdays = workdays
        policy.updated_by = user
        policy.updated_at = timezone.now()
        policy.save()
        audit.record(
            action=POLICY_ACTION,
            actor=user,
            target=policy,
            organization=organization,
            data={"policy": {"answer_workdays": workdays, "before": before}},
        )
    return policy


# --- tracking codes ----------------------------------------------------------------------------------


def new_tracking_code() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))


def normalize_code(value: str) -> str:
    """What the writer typed, as stored: upper case, without spaces or dashes; '' if it cannot be a code."""
    code = re.sub(r"[\s\-]", "", str(value or "")).upper()
    if len(code) != TRACKING_LENGTH or any(c not in TRACKING_ALPHABET for c in code):
        return ""
    return code


def format_code(code: str) -> str:
    """ABCD-EFGH-JKLM: easier to copy and read out."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


# --- screening with the review engine ----------------------------------------------------------------


def screen(organization_id: int, texts: list[tuple[str, str, str]]) -> list[dict]:
    """Findings of the organisation's dictionaries and the personal-data detectors in (field, label, text).

    A personal value is stored masked (its suggestion), never in clear."""
    from gongkai.review import engine

    found = engine.scan_texts(
        organization_id, [engine.Text(f, label, text) for f, label, text in texts if text]
    )
    # Contexts are cut from the text with every personal value starred out (the same length, so the
    # offsets still hold): a finding's surroundings never show a phone or ID number in clear.
    starred: dict[str, str] = {}
    for text, finding in found:
        if finding.category == "personal_data":
            current = starred.get(text.field, text.text)
            width = finding.end - finding.start
            starred[text.field] = current[: finding.start] + "*" * width + current[finding.end :]
    rows = []
    for text, finding in found:
        personal = finding.category == "personal_data"
        rows.append(
            {
                "field": text.field,
                "label": text.label,
                "category": finding.category,
                "severity": finding.severity,
                "detector": finding.detector,
                "matched": finding.suggestion if personal else finding.matched,
                "suggestion": "" if personal else finding.suggestion,
                "context": ""
                if personal
                else engine.context_of(starred.get(text.field, text.text), finding.start, finding.end),
            }
        )
    return rows


def blocking(findings: list[dict]) -> list[dict]:
    return [f for f in findings if f.get("severity") == "blocking"]


def describe(finding: dict) -> str:
    """One finding in words: “某词”(禁用,建议改为“…”)."""
    from gongkai.review.constants import DETECTOR_LABELS, Category

    try:
        category = str(Category(finding["category"]).label)
    except ValueError:
        category = finding["category"]
    if finding.get("category") == "personal_data":
        kind = str(DETECTOR_LABELS.get(finding.get("detector"), "个人信息"))
        return f"{finding.get('label', '')}含有{kind} {finding['matched']}({category})"
    hint = f",建议改为“{finding['suggestion']}”" if finding.get("suggestion") else ""
    return f"{finding.get('label', '')}中的“{finding['matched']}”({category}{hint})"


def _message_findings(message: Message) -> list[dict]:
    return screen(
        message.organization_id, [("subject", "标题", message.subject), ("text", "内容", message.text)]
    )


# --- who may do what ---------------------------------------------------------------------------------


def _membership(user, organization_id):
    from gongkai.orgs.selectors import membership_for

    if user is None or not user.is_authenticated:
        return None
    return membership_for(user, organization_id)


def is_office(membership) -> bool:
    return membership is not None and membership.has_role(Role.OFFICE_EDITOR)


def sees_all(membership) -> bool:
    """Office editors and leaders see every message of their organisation."""
    return membership is not None and (
        membership.has_role(Role.OFFICE_EDITOR) or membership.has_role(Role.LEADER)
    )


def answers_for_department(membership) -> bool:
    return (
        membership is not None
        and membership.department_id is not None
        and any(membership.has_role(r) for r in ANSWERING_ROLES)
    )


def in_routed_department(membership, message: Message) -> bool:
    return (
        answers_for_department(membership)
        and message.department_id is not None
        and membership.department_id == message.department_id
    )


def view_failures(user, message: Message) -> list[str]:
    membership = _membership(user, message.organization_id)
    if membership is None:
        return ["您不是该机构的工作人员,不能查看其公众留言。"]
    if sees_all(membership) or in_routed_department(membership, message):
        return []
    return ["该留言未分办给您所在的科室,您不能查看。"]


def personal_data_visible(user, message: Message) -> bool:
    """Name, phone, e-mail and tracking code: the office editors and the routed department only."""
    membership = _membership(user, message.organization_id)
    return is_office(membership) or in_routed_department(membership, message)


def route_failures(user, message: Message) -> list[str]:
    if not is_office(_membership(user, message.organization_id)):
        return ["只有本机构的办公室编辑可以分办公众留言。"]
    if message.status not in OPEN_STATUSES:
        return ["该留言已办结,不能再分办。"]
    return []


def answer_failures(user, message: Message) -> list[str]:
    if message.status != MessageStatus.ROUTED:
        if message.status == MessageStatus.NEW:
            return ["该留言尚未分办,须先由办公室分办到科室。"]
        return ["该留言已办结,不能重复答复。"]
    if not in_routed_department(_membership(user, message.organization_id), message):
        return ["只有承办科室的工作人员可以答复该留言。"]
    return []


def return_failures(user, message: Message) -> list[str]:
    if message.status != MessageStatus.ROUTED:
        return ["只有办理中的留言可以退回办公室。"]
    membership = _membership(user, message.organization_id)
    if not (
        membership is not None
        and membership.has_role(Role.DEPARTMENT_HEAD)
        and membership.department_id == message.department_id
    ):
        return ["只有承办科室的负责人可以将留言退回办公室。"]
    return []


def reject_failures(user, message: Message) -> list[str]:
    if message.status not in OPEN_STATUSES:
        return ["该留言已办结,不能再作不予受理处理。"]
    membership = _membership(user, message.organization_id)
    if is_office(membership):
        return []
    if (
        message.status == MessageStatus.ROUTED
        and membership is not None
        and membership.has_role(Role.DEPARTMENT_HEAD)
        and membership.department_id == message.department_id
    ):
        return []
    return ["只有办公室编辑或承办科室负责人可以作不予受理处理。"]


def routable_departments(organization) -> QuerySet:
    from gongkai.orgs.models import Department

    return Department.objects.filter(organization=organization).exclude(kind=DepartmentKind.LEADERSHIP)


# --- receiving a message -----------------------------------------------------------------------------


def organization_for(org_code: str = ""):
    """The organisation a public message is written to: ?org=<code>, else the single public organisation
    (the same choice as 网民纠错); None when it cannot be told."""
    from gongkai.feedback.services import Page
    from gongkai.feedback.services import organization_for as pick

    return pick(Page(url=PUBLIC_PATH), org_code)


def _clean_text(value, field: str, label: str, limit: int, *, required: bool = True) -> str:
    value = str(value or "").strip()
    if required and not value:
        raise ValidationError({field: f"请填写{label}。"})
    if len(value) > limit:
        raise ValidationError({field: f"{label}不能超过 {limit} 字。"})
    return value


def clean_phone(value) -> str:
    value = str(value or "").strip()
    if not value:
        return ""
    digits = sum(c.isdigit() for c in value)
    if len(value) > MAX_PHONE or not _PHONE.match(value) or not 7 <= digits <= 20:
        raise ValidationError({"phone": "请填写有效的联系电话(手机或带区号的固定电话)。"})
    return value


def clean_email(value) -> str:
    value = str(value or "").strip()
    if not value:
        return ""
    try:
        validate_email(value)
    except ValidationError:
        raise ValidationError({"email": "请填写有效的电子邮箱地址。"}) from None
    if len(value) > 254:
        raise ValidationError({"email": "电子邮箱地址过长。"})
    return value


def _new_code() -> str:
    for _ in range(10):
        code = new_tracking_code()
        if not Message.objects.filter(tracking_code=code).exists():
            return code
    raise RuntimeError("no free tracking code after 10 draws")  # 2**60 codes: never happens


def _members(organization_id: int) -> list:
    from gongkai.publishing.services import members_of

    return members_of(organization_id)


def _notify(members, who, *, organization_id: int, kind: str, message: str, url: str) -> int:
    from gongkai.console.services import notify

    return notify(
        [m.user for m in members if who(m)], organization=organization_id, kind=kind, message=message, url=url
    )


def console_url(message: Message) -> str:
    return f"{CONSOLE_PATH}{message.pk}/"


def _short(subject: str) -> str:
    """A subject for a notification: personal values masked (leaders read these too), at most 40 characters."""
    subject = public_text(subject)
    return subject if len(subject) <= 40 else subject[:39] + "…"


def submit_message(
    *,
    organization,
    kind: str,
    subject: str,
    text: str,
    name: str,
    phone: str = "",
    email: str = "",
    publish_ok: bool = False,
    consented: bool = False,
    client_key: str = "",
) -> Message:
    """A message from the public: validated, screened, due dates set, the office told; audited without
    any personal data. After commit it is handed to 政务舆情 (a failure there is only logged)."""
    if organization is None or not organization.is_active:
        raise ValidationError("无法确定留言的机构,请从本网站的留言页面进入。")
    if kind not in MessageKind.values:
        raise ValidationError({"kind": "请选择留言类型(咨询或建言)。"})
    subject = _clean_text(subject, "subject", "标题", MAX_SUBJECT)
    text = _clean_text(text, "text", "留言内容", MAX_TEXT)
    name = _clean_text(name, "name", "姓名", MAX_NAME)
    phone, email = clean_phone(phone), clean_email(email)
    if not (phone or email):
        raise ValidationError("请至少填写联系电话或电子邮箱中的一项,以便答复您。")
    if not consented:
        raise ValidationError({"consent": "请阅读并同意个人信息保护告知后再提交。"})
    now = timezone.now()
    received = timezone.localdate(now)
    due, final = deadlines_for(organization, received)
    with transaction.atomic():
        message = Message(
            organization=organization,
            kind=kind,
            subject=subject,
            text=text,
            name=name,
            phone=phone,
            email=email,
            publish_ok=bool(publish_ok),
            consented_at=now,
            client_key=client_key or "",
            tracking_code=_new_code(),
            created_at=now,
            status=MessageStatus.NEW,
            due_on=due.due,
            due_provisional=due.provisional,
            final_due_on=final,
        )
        message.screening = {"message": _message_findings(message)}
        message.save()
        _notify(
            _members(organization.pk),
            is_office,
            organization_id=organization.pk,
            kind=KIND_NEW,
            message=f"收到新的公众{message.get_kind_display()}《{_short(subject)}》,请分办。"
            f"答复期限 {due.label}。",
            url=console_url(message),
        )
        # No personal data in the audit log: the writer's name and contacts stay on the message.
        audit.record(
            action="participation.message_received",
            target=message,
            organization=organization,
            data={
                "kind": kind,
                "due_on": message.due_on.isoformat(),
                "final_due_on": final.isoformat(),
                "publish_ok": message.publish_ok,
                "blocking_findings": len(blocking(message.screening["message"])),
            },
        )
        transaction.on_commit(lambda: _tell_concerns(message))
    return message


def _tell_concerns(message: Message) -> None:
    """A message is also a 舆情 channel; a failure there never touches the message (it is committed)."""
    try:
        from gongkai.concerns import channels
        from gongkai.concerns.constants import Channel

        channels.platform_entry(
            message.organization,
            channel=Channel.MESSAGE,
            origin_key=f"participation.message:{message.pk}",
            title=message.subject,
            text=message.text,
            url=console_url(message),
        )
    except Exception:
        logger.exception("message %s could not be handed to 政务舆情", message.pk)


# --- handling it -------------------------------------------------------------------------------------


def _locked(message: Message) -> Message:
    # Lock the message row only (PostgreSQL refuses FOR UPDATE on the nullable side of the department join).
    return (
        Message.objects.select_for_update(of=("self",))
        .select_related("organization", "department")
        .get(pk=message.pk)
    )


def _refuse(failures: list[str]) -> None:
    if failures:
        raise PermissionDenied(";".join(failures))


def route_message(message: Message, user, department, note: str = "") -> Message:
    """The office sends a new (or re-routes a routed) message to a department; its people are told."""
    note = _clean_text(note, "note", "分办说明", MAX_REASON, required=False)
    if department is None:
        raise ValidationError({"department": "请选择承办科室。"})
    with transaction.atomic():
        message = _locked(message)
        _refuse(route_failures(user, message))
        if (
            department.organization_id != message.organization_id
            or department.kind == DepartmentKind.LEADERSHIP
        ):
            raise ValidationError({"department": "请选择本机构的业务科室或办公室。"})
        if message.status == MessageStatus.ROUTED and message.department_id == department.pk:
            raise ValidationError({"department": f"该留言已分办给{department.name}。"})
        previous = message.department
        message.department = department
        message.status = MessageStatus.ROUTED
        message.routed_by = user
        message.routed_at = timezone.now()
        message.routing_note = note
        message.return_reason = ""
        message.save(
            update_fields=["department", "status", "routed_by", "routed_at", "routing_note", "return_reason"]
        )
        due = Deadline(message.due_on, message.due_provisional).label
        _notify(
            _members(message.organization_id),
            lambda m: in_routed_department(m, message),
            organization_id=message.organization_id,
            kind=KIND_ROUTED,
            message=f"办公室将公众留言《{_short(message.subject)}》分办给{department.name},"
            f"请在 {due} 前答复" + (f"。分办说明:{note}" if note else "。"),
            url=console_url(message),
        )
        audit.record(
            action="participation.message_routed",
            actor=user,
            target=message,
            organization=message.organization_id,
            data={
                "department": department.pk,
                "department_name": department.name,
                "from_department": previous.pk if previous else None,
                "note": note,
            },
        )
    return message


def return_message(message: Message, user, reason: str) -> Message:
    """The routed department's head sends the message back to the office with a reason (not for it)."""
    reason = _clean_text(reason, "reason", "退回理由", MAX_REASON)
    with transaction.atomic():
        message = _locked(message)
        _refuse(return_failures(user, message))
        department = message.department
        message.department = None
        message.status = MessageStatus.NEW
        message.return_reason = reason
        message.returned_at = timezone.now()
        message.save(update_fields=["department", "status", "return_reason", "returned_at"])
        _notify(
            _members(message.organization_id),
            is_office,
            organization_id=message.organization_id,
            kind=KIND_RETURNED,
            message=f"{department.name}将公众留言《{_short(message.subject)}》退回办公室,理由:{reason}。请重新分办。",
            url=console_url(message),
        )
        audit.record(
            action="participation.message_returned",
            actor=user,
            target=message,
            organization=message.organization_id,
            data={"from_department": department.pk, "reason": reason},
        )
    return message


class ScreeningRefused(ValidationError):
    """The answer holds a blocking finding of the review engine; the message names each one."""


def answer_message(message: Message, user, text: str, *, show_publicly: bool = True) -> Message:
    """The routed department answers. The answer is screened first: a blocking finding refuses it (with
    what to change); warnings are kept with the message. It is shown publicly only when the writer agreed,
    the answerer does not hold it back, and the message itself has no blocking finding."""
    text = _clean_text(text, "answer", "答复内容", MAX_ANSWER)
    findings = screen(message.organization_id, [("answer", "答复", text)])
    stop = blocking(findings)
    if stop:
        raise ScreeningRefused(
            {"answer": "答复内容未通过内容检查,请修改后再提交:" + ";".join(describe(f) for f in stop) + "。"}
        )
    with transaction.atomic():
        message = _locked(message)
        _refuse(answer_failures(user, message))
        message_findings = _message_findings(message)  # the dictionaries may have changed since receipt
        message.status = MessageStatus.ANSWERED
        message.answer = text
        message.answered_by = user
        message.answered_at = timezone.now()
        message.shown_publicly = bool(message.publish_ok and show_publicly and not blocking(message_findings))
        message.screening = {"message": message_findings, "answer": findings}
        message.save(
            update_fields=["status", "answer", "answered_by", "answered_at", "shown_publicly", "screening"]
        )
        audit.record(
            action="participation.message_answered",
            actor=user,
            target=message,
            organization=message.organization_id,
            data={
                "answer": text,
                "department": message.department_id,
                "shown_publicly": message.shown_publicly,
                "warnings": len(findings),
                "due_on": message.due_on.isoformat(),
                "late": timezone.localdate() > message.due_on,
            },
        )
    return message


def reject_message(message: Message, user, reason: str) -> Message:
    """不予受理 with a reason the writer reads on the lookup page; never shown in the public list."""
    reason = _clean_text(reason, "reason", "不予受理理由", MAX_REASON)
    with transaction.atomic():
        message = _locked(message)
        _refuse(reject_failures(user, message))
        message.status = MessageStatus.REJECTED
        message.answer = reason
        message.answered_by = user
        message.answered_at = timezone.now()
        message.shown_publicly = False
        message.save(update_fields=["status", "answer", "answered_by", "answered_at", "shown_publicly"])
        audit.record(
            action="participation.message_rejected",
            actor=user,
            target=message,
            organization=message.organization_id,
            data={"reason": reason, "department": message.department_id},
        )
    return message


# --- reading -----------------------------------------------------------------------------------------


def masked_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***: the family name stays (the review engine's mask for names)."""
    from gongkai.review.detectors import mask_value

    name = (name or "").strip()
    return mask_value("dictionary", name) if name else "网友"


def public_text(text: str) -> str:
    """The writer's words with phone numbers, ID and card numbers and e-mails masked."""
    return masked_text(text)


def public_messages(organization) -> QuerySet:
    """Answered messages the writer agreed to show (and the answerer did not hold back), newest answer first."""
    return (
        Message.objects.filter(
            organization=organization, status=MessageStatus.ANSWERED, shown_publicly=True, publish_ok=True
        )
        .select_related("department")
        .order_by("-answered_at", "-pk")
    )


def lookup(code: str) -> Message | None:
    code = normalize_code(code)
    if not code:
        return None
    return Message.objects.select_related("department", "organization").filter(tracking_code=code).first()


TABS = {
    "new": (MessageStatus.NEW,),
    "routed": (MessageStatus.ROUTED,),
    "answered": (MessageStatus.ANSWERED,),
    "all": None,
}


def visible_messages(membership) -> QuerySet:
    """The messages this person may see: all of the organisation's for office editors and leaders, those
    routed to their department for its people, none otherwise."""
    messages = Message.objects.filter(organization_id=membership.organization_id)
    if sees_all(membership):
        return messages
    if answers_for_department(membership):
        return messages.filter(department_id=membership.department_id)
    return messages.none()


def console_messages(membership, tab: str = "new", today: datetime.date | None = None) -> QuerySet:
    """A tab of the console list: open ones most urgent first (overdue at the top), others newest first."""
    today = today or timezone.localdate()
    messages = visible_messages(membership).select_related("department", "answered_by")
    statuses = TABS.get(tab, TABS["new"])
    if statuses is not None:
        messages = messages.filter(status__in=statuses)
    if tab in ("new", "routed"):
        return messages.order_by("due_on", "pk")
    if tab == "answered":
        return messages.order_by("-answered_at", "-pk")
    overdue = Q(status__in=OPEN_STATUSES, due_on__lt=today)
    return messages.annotate(
        overdue_first=Case(When(overdue, then=Value(0)), default=Value(1), output_field=IntegerField())
    ).order_by("overdue_first", "-created_at", "-pk")


OVERDUE, NEAR, NORMAL = "overdue", "near", "normal"


@dataclass(frozen=True)
class MessageDeadline:
    """An open message's deadlines as the console shows them (colour and words, never colour alone)."""

    due: datetime.date
    provisional: bool
    final_due: datetime.date
    level: str  # overdue / near / normal: the CSS modifier deadline--<level>
    label: str

    @property
    def css_class(self) -> str:
        return f"deadline deadline--{self.level}"

    @property
    def date_label(self) -> str:
        text = self.due.isoformat()
        return f"{text}(暂定)" if self.provisional else text

    @property
    def status_label(self) -> str:
        return self.label


def deadline_state(
    message: Message, *, today: datetime.date | None = None, calendar: WorkdayCalendar | None = None
) -> MessageDeadline | None:
    """None once answered or refused. Orange from one working day before the due date (when the reminder
    goes out), red once overdue; the 3-month limit is named when it is near or past."""
    if message.status not in OPEN_STATUSES:
        return None
    today = today or timezone.localdate()
    calendar = calendar or WorkdayCalendar()
    due, final = message.due_on, message.final_due_on
    if today > final:
        return MessageDeadline(
            due, message.due_provisional, final, OVERDUE, f"已超过3个月最长答复期限({final.isoformat()})"
        )
    if due < today:
        level, label = OVERDUE, f"已超期 {calendar.workdays_between(due, today)} 个工作日"
    elif due == today:
        level, label = NEAR, "今日到期"
    elif due <= calendar.add_workdays(today, NEAR_WORKDAYS).due:
        level, label = NEAR, f"即将到期,剩余 {calendar.workdays_between(today, due)} 个工作日"
    else:
        level, label = NORMAL, f"剩余 {calendar.workdays_between(today, due)} 个工作日"
    if today == final:
        label += ";今日为3个月最长答复期限"
    elif final <= calendar.add_workdays(today, FINAL_WARNING_WORKDAYS).due:
        level = OVERDUE
        label += f";距3个月最长答复期限({final.isoformat()})仅剩 {calendar.workdays_between(today, final)} 个工作日"
    return MessageDeadline(due, message.due_provisional, final, level, label)


@dataclass(frozen=True)
class InboxRow:
    message: Message
    deadline: MessageDeadline | None
    action: str  # 分办 / 答复

    @property
    def url(self) -> str:
        return console_url(self.message)


INBOX_LIMIT = 50


def inbox_rows(
    membership, *, today: datetime.date | None = None, calendar: WorkdayCalendar | None = None
) -> list[InboxRow]:
    """What this person must do about messages: route new ones (office editors) and answer those routed
    to their department; most urgent first. One query (plus the calendar's)."""
    if membership is None:
        return []
    parts = []
    if is_office(membership):
        parts.append(Q(status=MessageStatus.NEW))
    if answers_for_department(membership):
        parts.append(Q(status=MessageStatus.ROUTED, department_id=membership.department_id))
    if not parts:
        return []
    wanted = parts[0] if len(parts) == 1 else parts[0] | parts[1]
    rows = (
        Message.objects.filter(wanted, organization_id=membership.organization_id)
        .select_related("department")
        .order_by("due_on", "pk")[:INBOX_LIMIT]
    )
    today = today or timezone.localdate()
    calendar = calendar or WorkdayCalendar()
    return [
        InboxRow(
            m,
            deadline_state(m, today=today, calendar=calendar),
            "分办" if m.status == MessageStatus.NEW else "答复",
        )
        for m in rows
    ]


# --- the daily reminders -----------------------------------------------------------------------------


def level_for(message: Message, today: datetime.date, calendar: WorkdayCalendar) -> Level:
    """The highest reminder level an open message has reached today."""
    if today >= message.final_due_on:
        return Level.FINAL_REACHED
    if message.final_due_on <= calendar.add_workdays(today, FINAL_WARNING_WORKDAYS).due:
        return Level.FINAL_NEAR
    if message.due_on < today:
        return Level.OVERDUE
    if message.due_on <= calendar.add_workdays(today, NEAR_WORKDAYS).due:
        return Level.NEAR
    return Level.NONE


def _who(message: Message, level: Level):
    """NEAR: the routed department's people (its head among them), or the office while it is unrouted;
    OVERDUE and the 3-month levels: also the office editors and the leaders."""

    def department(m) -> bool:
        return in_routed_department(m, message)

    if level == Level.NEAR:
        return department if message.department_id else is_office
    return lambda m: department(m) or is_office(m) or m.has_role(Role.LEADER)


def escalation_message(message: Message, level: Level, today: datetime.date) -> str:
    subject = f"公众留言《{_short(message.subject)}》"
    where = f"(承办科室:{message.department.name})" if message.department_id else "(尚未分办)"
    due = Deadline(message.due_on, message.due_provisional).label
    final = message.final_due_on.isoformat()
    if level == Level.NEAR:
        return f"{subject}{where}将于 {due} 到期,请及时答复。"
    if level == Level.OVERDUE:
        return f"{subject}{where}已超过答复期限 {due},请尽快答复。最迟须于 {final} 前答复(3个月)。"
    if level == Level.FINAL_NEAR:
        return f"{subject}{where}即将达到3个月最长答复期限 {final}(国办秘函〔2019〕19号),必须在此之前答复。"
    when = "今日为" if today == message.final_due_on else "已超过"
    return f"{subject}{where}{when}3个月最长答复期限 {final}(国办秘函〔2019〕19号),仍未答复,请立即督办。"


def escalate(today: datetime.date | None = None) -> int:
    """Open messages that reached a new reminder level: tell the right people once per level and audit it.
    Returns the number of reminders sent (one per message and level)."""
    today = today or timezone.localdate()
    calendar = WorkdayCalendar()
    near_until = calendar.add_workdays(today, NEAR_WORKDAYS).due
    final_until = calendar.add_workdays(today, FINAL_WARNING_WORKDAYS).due
    candidates = (
        Message.objects.filter(status__in=OPEN_STATUSES, organization__is_active=True)
        .filter(Q(due_on__lte=near_until) | Q(final_due_on__lte=final_until))
        .exclude(escalation_level__gte=Level.FINAL_REACHED)
        .select_related("department")
        .order_by("pk")
    )
    members: dict[int, list] = {}
    count = 0
    for candidate in candidates:
        level = level_for(candidate, today, calendar)
        if level <= candidate.escalation_level:
            continue
        with transaction.atomic():
            message = _locked(candidate)
            if message.status not in OPEN_STATUSES or message.escalation_level >= level:
                continue
            if message.organization_id not in members:
                members[message.organization_id] = _members(message.organization_id)
            sent = _notify(
                members[message.organization_id],
                _who(message, level),
                organization_id=message.organization_id,
                kind=KIND_DUE,
                message=escalation_message(message, level, today),
                url=console_url(message),
            )
            message.escalation_level = int(level)
            message.save(update_fields=["escalation_level"])
            audit.record(
                action="participation.message_escalated",
                target=message,
                organization=message.organization_id,
                data={
                    "level": int(level),
                    "due_on": message.due_on.isoformat(),
                    "final_due_on": message.final_due_on.isoformat(),
                    "department": message.department_id,
                    "notified": sent,
                },
            )
            count += 1
    return count
