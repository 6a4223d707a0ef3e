"""在线访谈 (C3): the rules, the actions and the reads of online interviews.

An interview is scheduled by the office (办公室编辑) or the hosting department's head: topic, guests (one
per line, "姓名 职务"), start and end, optionally the document it interprets. Its preview is public once
published. States: scheduled (预告) → live (直播中) → ended (已结束), by hand or by ``advance_states`` at
``starts_at`` / ``ends_at`` (every minute from tasks.py); each change is audited.

Questions from the public are collected beforehand (``beforehand``) and during the session, screened by the
review engine and never shown before a moderator approves them; a question whose text holds a blocking
finding cannot be approved as it stands (the moderator may edit it). Approving gives the question the
next ``seq`` of its interview; so does each answer a guest gives (typed by the operator). The live page
asks for the entries whose ``seq`` is above the last one it has (``live_entries``), so each change reaches
it once, in order: ``seq`` is allocated under a lock on the interview row, so entries commit in ``seq`` order.

Who: office editors of the organisation and the hosting department's head manage an interview (edit,
publish, start, end, summary); they and the hosting department's drafters moderate and answer.
"""

from __future__ import annotations

import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from gongkai.audit import services as audit
from gongkai.orgs.constants import Role
from gongkai.orgs.selectors import membership_for
from gongkai.publishing.exceptions import require

from .constants import InterviewStatus, QuestionStatus
from .models import Interview, Question

logger = logging.getLogger(__name__)

MAX_TITLE = 200
MAX_DESCRIPTION = 5000
MAX_GUESTS = 20
MAX_GUEST_LINE = 100  # Question.answered_by_guest
MAX_DURATION = datetime.timedelta(hours=24)
MAX_QUESTION = 500
MAX_NICKNAME = 50
MAX_ANSWER = 5000
MAX_SUMMARY = 20000
LIVE_BATCH = 100  # entries per answer of the live endpoint; the page asks again at once when there are more
ANONYMOUS = "网友"

EDIT_FIELDS = ("title", "description", "guests", "department", "starts_at", "ends_at", "interprets")


# --- who may do what (each returns the Chinese reasons for refusing; [] = allowed) --------------------------


def _membership(user, organization_id):
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return None
    return membership_for(user, organization_id)


def console_failures(user, organization_id) -> list[str]:
    """Seeing the interviews pages of the console at all."""
    m = _membership(user, organization_id)
    if m is not None and (
        m.has_role(Role.OFFICE_EDITOR)
        or (m.department_id and (m.has_role(Role.DEPARTMENT_HEAD) or m.has_role(Role.DRAFTER)))
    ):
        return []
    return ["只有办公室编辑和承办科室的负责人、起草人可以管理在线访谈。"]


def create_failures(user, organization_id, department_id: int | None = None) -> list[str]:
    """Scheduling an interview (hosted by `department_id` when given)."""
    m = _membership(user, organization_id)
    if m is None:
        return ["您不是本机构的工作人员。"]
    if m.has_role(Role.OFFICE_EDITOR):
        return []
    if m.has_role(Role.DEPARTMENT_HEAD) and m.department_id:
        if department_id is None or department_id == m.department_id:
            return []
        return ["科室负责人只能安排本科室承办的在线访谈。"]
    return ["只有办公室编辑和科室负责人可以安排在线访谈。"]


def manage_failures(user, interview: Interview) -> list[str]:
    """Editing, publishing the preview, starting, ending and writing the summary."""
    m = _membership(user, interview.organization_id)
    if m is None:
        return ["您不是本机构的工作人员。"]
    if m.has_role(Role.OFFICE_EDITOR):
        return []
    if m.has_role(Role.DEPARTMENT_HEAD) and m.department_id == interview.department_id:
        return []
    return ["只有办公室编辑和承办科室负责人可以管理该在线访谈。"]


def moderate_failures(user, interview: Interview) -> list[str]:
    """Approving or rejecting questions and typing the guests' answers."""
    m = _membership(user, interview.organization_id)
    if m is None:
        return ["您不是本机构的工作人员。"]
    if m.has_role(Role.OFFICE_EDITOR):
        return []
    if m.department_id == interview.department_id and (
        m.has_role(Role.DEPARTMENT_HEAD) or m.has_role(Role.DRAFTER)
    ):
        return []
    return ["只有办公室编辑和承办科室的负责人、起草人可以审核提问和发布回答。"]


# --- guests -----------------------------------------------------------------------------------------------


def guest_lines(text: str) -> list[str]:
    """The guests, one per non-empty line, spaces normalised ("张明 市文化和旅游局副局长")."""
    return [" ".join(line.split()) for line in (text or "").splitlines() if line.strip()]


def clean_guests(text: str) -> str:
    lines = guest_lines(text)
    if not lines:
        raise ValidationError({"guests": "请至少填写一位嘉宾(每行一位:姓名 职务)。"})
    if len(lines) > MAX_GUESTS:
        raise ValidationError({"guests": f"嘉宾不能超过 {MAX_GUESTS} 位。"})
    long = [line for line in lines if len(line) > MAX_GUEST_LINE]
    if long:
        raise ValidationError({"guests": f"每位嘉宾一行不能超过 {MAX_GUEST_LINE} 字:“{long[0][:20]}…”。"})
    if len(set(lines)) != len(lines):
        raise ValidationError({"guests": "嘉宾名单中有重复的行。"})
    return "\n".join(lines)


# --- screening by the review engine --------------------------------------------------------------------------


def screen(organization_id: int, **texts: str) -> list[dict]:
    """The review engine's findings in the given texts (field name → text), as stored in ``screening``."""
    from gongkai.review import engine
    from gongkai.review.scanner import CATEGORY_LABELS, DETECTOR_LABELS

    found = engine.scan_texts(
        organization_id, [engine.Text(field, field, text) for field, text in texts.items() if text]
    )
    return [
        {
            "field": text.field,
            "category": f.category,
            "category_label": CATEGORY_LABELS.get(f.category, f.category),
            "detector": f.detector,
            "detector_label": DETECTOR_LABELS.get(f.detector, f.detector),
            "severity": f.severity,
            "matched": f.matched,
            "suggestion": f.suggestion or "",
            "start": f.start,
            "end": f.end,
        }
        for text, f in found
    ]


def blocking_findings(screening) -> list[dict]:
    return [f for f in (screening or []) if isinstance(f, dict) and f.get("severity") == "blocking"]


def screening_note(screening) -> str:
    """What a moderator reads next to a question: why it cannot be approved as it stands, or what to mind."""
    blocking = blocking_findings(screening)
    others = [f for f in (screening or []) if isinstance(f, dict) and f.get("severity") != "blocking"]

    def describe(findings):
        return "、".join(
            f"{f.get('category_label') or f.get('category')}“{f.get('matched', '')}”" for f in findings[:5]
        ) + ("等" if len(findings) > 5 else "")

    parts = []
    if blocking:
        parts.append(f"含有必须修改的内容:{describe(blocking)},修改后才能采用。")
    if others:
        parts.append(f"请注意:{describe(others)}(采用时个人信息自动脱敏)。")
    return "".join(parts)


def _findings_text(findings: list[dict]) -> str:
    return "、".join(f"{f['category_label']}“{f['matched']}”" for f in findings[:5])


def _masked(organization_id: int, text: str) -> tuple[str, list[dict]]:
    """`text` with its personal data masked, and its blocking findings (scanned now: the dictionaries may
    have changed since the question arrived)."""
    from gongkai.review import engine
    from gongkai.review.scanner import CATEGORY_LABELS, apply_masks

    findings = [f for _t, f in engine.scan_texts(organization_id, [engine.Text("text", "text", text)])]
    blocking = [
        {"category_label": CATEGORY_LABELS.get(f.category, f.category), "matched": f.matched}
        for f in findings
        if f.severity == "blocking"
    ]
    return apply_masks(text, [f for f in findings if f.category == "personal_data"]), blocking


# --- scheduling -----------------------------------------------------------------------------------------------


def _clean(organization, data: dict, *, current: Interview | None = None, now=None) -> dict:
    """The interview's fields checked together; a ValidationError maps field → Chinese message."""
    from gongkai.orgs.models import Department
    from gongkai.publishing.constants import ItemStatus

    now = now or timezone.now()
    errors: dict[str, str] = {}
    cleaned: dict = {}
    title = " ".join(str(data.get("title") or "").split())
    if not title:
        errors["title"] = "请填写访谈主题。"
    elif len(title) > MAX_TITLE:
        errors["title"] = f"访谈主题不能超过 {MAX_TITLE} 字。"
    cleaned["title"] = title
    description = str(data.get("description") or "").strip()
    if len(description) > MAX_DESCRIPTION:
        errors["description"] = f"访谈简介不能超过 {MAX_DESCRIPTION} 字。"
    cleaned["description"] = description
    try:
        cleaned["guests"] = clean_guests(str(data.get("guests") or ""))
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    department = data.get("department")
    if not isinstance(department, Department) or department.organization_id != organization.pk:
        errors["department"] = "请选择本机构的承办科室。"
    cleaned["department"] = department
    starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
    if not isinstance(starts_at, datetime.datetime):
        errors["starts_at"] = "请填写开始时间。"
    if not isinstance(ends_at, datetime.datetime):
        errors["ends_at"] = "请填写结束时间。"
    if isinstance(starts_at, datetime.datetime) and isinstance(ends_at, datetime.datetime):
        live = current is not None and current.status == InterviewStatus.LIVE
        if live and starts_at != current.starts_at:
            errors["starts_at"] = "访谈已开始,不能修改开始时间。"
        elif ends_at <= starts_at:
            errors["ends_at"] = "结束时间必须晚于开始时间。"
        elif ends_at - starts_at > MAX_DURATION:
            errors["ends_at"] = "一场访谈不能超过 24 小时。"
        elif ends_at <= now:
            errors["ends_at"] = "结束时间已过,请填写将来的时间。"
    cleaned["starts_at"], cleaned["ends_at"] = starts_at, ends_at
    item = data.get("interprets")
    if item is not None:
        if item.organization_id != organization.pk:
            errors["interprets"] = "解读的文件须是本机构的信息。"
        elif item.status != ItemStatus.PUBLISHED or item.live_revision_id is None:
            errors["interprets"] = "解读的文件须已公开发布。"
    cleaned["interprets"] = item
    if errors:
        raise ValidationError(errors)
    return cleaned


def _summary_of(interview: Interview) -> dict:
    return {
        "title": interview.title,
        "department": interview.department_id,
        "starts_at": interview.starts_at.isoformat(),
        "ends_at": interview.ends_at.isoformat(),
        "guests": guest_lines(interview.guests),
        "interprets": interview.interprets_id,
        "published": interview.published,
    }


def create_interview(*, user, organization, data: dict, now=None) -> Interview:
    """Schedule an interview (not yet public: publish the preview with ``set_published``)."""
    department = data.get("department")
    require(create_failures(user, organization.pk, getattr(department, "pk", None)))
    cleaned = _clean(organization, data, now=now)
    with transaction.atomic():
        interview = Interview.objects.create(organization=organization, created_by=user, **cleaned)
        audit.record(
            action="participation.interview_saved",
            actor=user,
            target=interview,
            organization=organization,
            data={"change": "created", **_summary_of(interview)},
        )
    return interview


def update_interview(*, user, interview: Interview, data: dict, now=None) -> Interview:
    require(manage_failures(user, interview))
    department = data.get("department")
    if department is not None and getattr(department, "pk", None) != interview.department_id:
        require(create_failures(user, interview.organization_id, getattr(department, "pk", None)))
    with transaction.atomic():
        locked = Interview.objects.select_for_update().select_related("organization").get(pk=interview.pk)
        if locked.status == InterviewStatus.ENDED:
            raise ValidationError("访谈已结束,只能填写访谈摘要。")
        cleaned = _clean(locked.organization, data, current=locked, now=now)
        changed = [name for name in EDIT_FIELDS if getattr(locked, name) != cleaned[name]]
        if not changed:
            return locked
        for name in changed:
            setattr(locked, name, cleaned[name])
        locked.save(update_fields=changed)
        audit.record(
            action="participation.interview_saved",
            actor=user,
            target=locked,
            organization=locked.organization_id,
            data={"change": "edited", "fields": changed, **_summary_of(locked)},
        )
    return locked


def set_published(*, user, interview: Interview, published: bool) -> Interview:
    """Show the preview to the public (or take the page down again, except during the session)."""
    require(manage_failures(user, interview))
    with transaction.atomic():
        locked = Interview.objects.select_for_update().get(pk=interview.pk)
        if locked.published == published:
            raise ValidationError("预告已发布。" if published else "该访谈尚未发布。")
        if not published and locked.status == InterviewStatus.LIVE:
            raise ValidationError("访谈正在进行,不能撤回;请先结束访谈。")
        locked.published = published
        locked.save(update_fields=["published"])
        audit.record(
            action="participation.interview_saved",
            actor=user,
            target=locked,
            organization=locked.organization_id,
            data={"change": "published" if published else "unpublished", "published": published},
        )
    return locked


def save_summary(*, user, interview: Interview, summary: str) -> Interview:
    """The summary shown with the transcript once the session has ended."""
    require(manage_failures(user, interview))
    summary = (summary or "").strip()
    if len(summary) > MAX_SUMMARY:
        raise ValidationError({"summary": f"访谈摘要不能超过 {MAX_SUMMARY} 字。"})
    found = blocking_findings(screen(interview.organization_id, summary=summary))
    if found:
        raise ValidationError({"summary": f"访谈摘要含有必须修改的内容:{_findings_text(found)}。"})
    with transaction.atomic():
        locked = Interview.objects.select_for_update().get(pk=interview.pk)
        locked.summary = summary
        locked.save(update_fields=["summary"])
        audit.record(
            action="participation.interview_saved",
            actor=user,
            target=locked,
            organization=locked.organization_id,
            data={"change": "summary", "length": len(summary)},
        )
    return locked


# --- states ----------------------------------------------------------------------------------------------------


def _set_status(interview: Interview, status: str, *, actor, by: str) -> None:
    before = interview.status
    interview.status = status
    interview.save(update_fields=["status"])
    audit.record(
        action="participation.interview_state",
        actor=actor,
        target=interview,
        organization=interview.organization_id,
        data={"from": before, "to": status, "by": by},
    )


def start_interview(*, user, interview: Interview) -> Interview:
    require(manage_failures(user, interview))
    with transaction.atomic():
        locked = Interview.objects.select_for_update().get(pk=interview.pk)
        if locked.status != InterviewStatus.SCHEDULED:
            raise ValidationError(f"该访谈{locked.get_status_display()},不能再开始。")
        if not locked.published:
            raise ValidationError("请先发布访谈预告,再开始访谈。")
        _set_status(locked, InterviewStatus.LIVE, actor=user, by="hand")
    return locked


def end_interview(*, user, interview: Interview) -> Interview:
    require(manage_failures(user, interview))
    with transaction.atomic():
        locked = Interview.objects.select_for_update().get(pk=interview.pk)
        if locked.status != InterviewStatus.LIVE:
            raise ValidationError("只有正在进行的访谈可以结束。")
        _set_status(locked, InterviewStatus.ENDED, actor=user, by="hand")
    return locked


def advance_states(now=None) -> int:
    """Start published interviews whose time has come and end those past their end (every minute).

    An unpublished interview is never started (the public cannot see it); one whose whole slot has passed
    while nobody started it goes straight to ended. Returns the number of state changes."""
    now = now or timezone.now()
    due = (
        Interview.objects.filter(
            Q(status=InterviewStatus.SCHEDULED, published=True, starts_at__lte=now)
            | Q(status=InterviewStatus.LIVE, ends_at__lte=now)
        )
        .order_by("starts_at", "pk")
        .values_list("pk", flat=True)
    )
    count = 0
    for pk in list(due):
        with transaction.atomic():
            locked = Interview.objects.select_for_update().filter(pk=pk).first()
            if locked is None:
                continue
            if locked.status == InterviewStatus.LIVE and locked.ends_at <= now:
                target = InterviewStatus.ENDED
            elif locked.status == InterviewStatus.SCHEDULED and locked.published and locked.starts_at <= now:
                target = InterviewStatus.ENDED if locked.ends_at <= now else InterviewStatus.LIVE
            else:
                continue  # changed in between (by hand, or edited)
            _set_status(locked, target, actor=None, by="schedule")
            count += 1
    return count


# --- questions ---------------------------------------------------------------------------------------------------


def asking_closed_reason(interview: Interview, now=None) -> str:
    """Why the public can no longer ask (empty while questions are welcome)."""
    now = now or timezone.now()
    if interview.status == InterviewStatus.ENDED or interview.ends_at <= now:
        return "本期访谈已结束,不再接受提问。感谢您的关注。"
    return ""


def submit_question(
    *, interview: Interview, text: str, name: str = "", client_key: str = "", now=None
) -> Question:
    """A question from the public: stored pending, screened, never shown before approval."""
    now = now or timezone.now()
    text = (text or "").strip()
    name = " ".join((name or "").split())
    errors = {}
    if not text:
        errors["text"] = "请填写您的问题。"
    elif len(text) > MAX_QUESTION:
        errors["text"] = f"问题不能超过 {MAX_QUESTION} 字。"
    if len(name) > MAX_NICKNAME:
        errors["name"] = f"昵称不能超过 {MAX_NICKNAME} 字。"
    if errors:
        raise ValidationError(errors)
    # Read afresh, without a lock: a question must not wait behind the operator's answers, and one that
    # arrives in the very second the session ends is harmless (it stays pending).
    current = Interview.objects.get(pk=interview.pk)
    if not current.published:
        raise ValidationError("该访谈尚未发布,不能提问。")
    closed = asking_closed_reason(current, now)
    if closed:
        raise ValidationError(closed)
    screening = screen(current.organization_id, text=text, name=name)  # before the transaction: no lock held
    with transaction.atomic():
        question = Question.objects.create(
            interview=current,
            text=text,
            name=name,
            client_key=client_key[:64],
            asked_at=now,
            beforehand=current.status == InterviewStatus.SCHEDULED,
            status=QuestionStatus.PENDING,
            screening=screening,
        )
        # No question text or nickname in the audit log: only the facts.
        audit.record(
            action="participation.question_received",
            target=question,
            organization=current.organization_id,
            data={
                "interview": current.pk,
                "beforehand": question.beforehand,
                "blocking": len(blocking_findings(screening)),
                "findings": len(screening),
            },
        )
    return question


def _next_seq(interview_id: int) -> int:
    """The next position on the live page; call with the interview row locked."""
    top = Question.objects.filter(interview_id=interview_id).aggregate(top=Max("seq"))["top"]
    return (top or 0) + 1


def _locked_question(question: Question) -> tuple[Interview, Question]:
    interview = Interview.objects.select_for_update().get(pk=question.interview_id)
    return interview, Question.objects.select_for_update().get(pk=question.pk)


def approve_question(*, user, question: Question, text: str | None = None, now=None) -> Question:
    """Approve a pending (or earlier rejected) question, optionally edited by the moderator: it is
    rescanned, refused while it holds a blocking finding, and its personal data is masked."""
    now = now or timezone.now()
    require(moderate_failures(user, question.interview))
    edited = text is not None and text.strip() != question.text
    with transaction.atomic():
        interview, locked = _locked_question(question)
        if locked.status not in (QuestionStatus.PENDING, QuestionStatus.REJECTED):
            raise ValidationError(f"该提问{locked.get_status_display()},不能重复审核。")
        new_text = (text if text is not None else locked.text).strip()
        if not new_text:
            raise ValidationError({"text": "问题内容不能为空。"})
        if len(new_text) > MAX_QUESTION:
            raise ValidationError({"text": f"问题不能超过 {MAX_QUESTION} 字。"})
        masked_text, blocking = _masked(interview.organization_id, new_text)
        if blocking:
            raise ValidationError(
                {"text": f"该提问含有必须修改的内容:{_findings_text(blocking)}。请修改后再采用,或不予采用。"}
            )
        masked_name, name_blocking = (
            _masked(interview.organization_id, locked.name) if locked.name else ("", [])
        )
        locked.text = masked_text
        locked.name = "" if name_blocking else masked_name
        locked.screening = screen(interview.organization_id, text=masked_text, name=locked.name)
        locked.status = QuestionStatus.APPROVED
        locked.moderated_by = user
        locked.shown_at = now
        locked.seq = _next_seq(interview.pk)
        locked.save(update_fields=["text", "name", "screening", "status", "moderated_by", "shown_at", "seq"])
        audit.record(
            action="participation.question_moderated",
            actor=user,
            target=locked,
            organization=interview.organization_id,
            data={
                "interview": interview.pk,
                "decision": "approved",
                "edited": edited,
                "masked": masked_text != new_text,
                "nickname_removed": bool(name_blocking),
                "seq": locked.seq,
            },
        )
    return locked


def reject_question(*, user, question: Question, note: str = "") -> Question:
    """Refuse a pending question (it is never shown). An approved question is already public: refused."""
    require(moderate_failures(user, question.interview))
    note = (note or "").strip()[:300]
    with transaction.atomic():
        interview, locked = _locked_question(question)
        if locked.status != QuestionStatus.PENDING:
            raise ValidationError(f"该提问{locked.get_status_display()},只有待审核的提问可以不予采用。")
        locked.status = QuestionStatus.REJECTED
        locked.moderated_by = user
        locked.save(update_fields=["status", "moderated_by"])
        audit.record(
            action="participation.question_moderated",
            actor=user,
            target=locked,
            organization=interview.organization_id,
            data={"interview": interview.pk, "decision": "rejected", "note": note},
        )
    return locked


def answer_question(*, user, question: Question, guest: str, answer: str, now=None) -> Question:
    """A guest's answer to an approved question, typed by the operator during (or after) the session.

    It takes the next ``seq`` and so reaches the live pages. Answering again corrects the answer (the
    original time stays; the correction reaches the pages as a new entry for the same question)."""
    now = now or timezone.now()
    require(moderate_failures(user, question.interview))
    answer = (answer or "").strip()
    guest = " ".join((guest or "").split())
    if not answer:
        raise ValidationError({"answer": "请填写嘉宾的回答。"})
    if len(answer) > MAX_ANSWER:
        raise ValidationError({"answer": f"回答不能超过 {MAX_ANSWER} 字。"})
    blocking = blocking_findings(screen(question.interview.organization_id, answer=answer))
    if blocking:
        raise ValidationError({"answer": f"回答含有必须修改的内容:{_findings_text(blocking)}。"})
    with transaction.atomic():
        interview, locked = _locked_question(question)
        if interview.status == InterviewStatus.SCHEDULED:
            raise ValidationError("访谈尚未开始,不能发布回答。")
        if locked.status not in (QuestionStatus.APPROVED, QuestionStatus.ANSWERED):
            raise ValidationError(f"该提问{locked.get_status_display()},只能回答已采用的提问。")
        if guest not in guest_lines(interview.guests):
            raise ValidationError({"guest": "请从嘉宾名单中选择回答的嘉宾。"})
        correction = locked.status == QuestionStatus.ANSWERED
        locked.answer = answer
        locked.answered_by_guest = guest
        if not correction:
            locked.answered_at = now
        locked.status = QuestionStatus.ANSWERED
        locked.seq = _next_seq(interview.pk)
        locked.save(update_fields=["answer", "answered_by_guest", "answered_at", "status", "seq"])
        audit.record(
            action="participation.question_answered",
            actor=user,
            target=locked,
            organization=interview.organization_id,
            data={
                "interview": interview.pk,
                "guest": guest,
                "seq": locked.seq,
                "correction": correction,
                "length": len(answer),
            },
        )
    return locked


# --- reads ---------------------------------------------------------------------------------------------------------

SHOWN = (QuestionStatus.APPROVED, QuestionStatus.ANSWERED)


def public_interviews(organization=None) -> QuerySet[Interview]:
    interviews = Interview.objects.filter(published=True, organization__is_active=True).select_related(
        "organization", "department"
    )
    if organization is not None:
        interviews = interviews.filter(organization=organization)
    return interviews


def public_lists(organization=None) -> dict:
    """The public list: on now, coming (soonest first), past (newest first, a queryset to paginate)."""
    interviews = public_interviews(organization)
    return {
        "live": list(interviews.filter(status=InterviewStatus.LIVE).order_by("starts_at", "pk")),
        "upcoming": list(interviews.filter(status=InterviewStatus.SCHEDULED).order_by("starts_at", "pk")),
        "past": interviews.filter(status=InterviewStatus.ENDED).order_by("-starts_at", "-pk"),
    }


def public_interview(pk: int) -> Interview | None:
    return public_interviews().select_related("interprets", "interprets__live_revision").filter(pk=pk).first()


def shown_questions(interview: Interview) -> list[Question]:
    """What the public may see: approved and answered questions, in ``seq`` order."""
    return list(Question.objects.filter(interview=interview, status__in=SHOWN).order_by("seq", "pk"))


def transcript(questions) -> list[Question]:
    """The answered questions in the order they were answered (the archive)."""
    answered = [q for q in questions if q.status == QuestionStatus.ANSWERED]
    return sorted(answered, key=lambda q: (q.answered_at or q.asked_at, q.pk))


def _label(moment) -> str:
    return timezone.localtime(moment).strftime("%m-%d %H:%M") if moment else ""


def entry(question: Question) -> dict:
    """One question as the live page shows it (text only: the page never parses it as HTML)."""
    answered = question.status == QuestionStatus.ANSWERED
    return {
        "id": question.pk,
        "seq": question.seq,
        "status": question.status,
        "name": question.name or ANONYMOUS,
        "question": question.text,
        "asked_at": question.asked_at.isoformat(),
        "asked_label": _label(question.asked_at),
        "guest": question.answered_by_guest if answered else "",
        "answer": question.answer if answered else "",
        "answered_at": question.answered_at.isoformat() if answered and question.answered_at else "",
        "answered_label": _label(question.answered_at) if answered else "",
    }


def live_entries(interview: Interview, after: int = 0, limit: int | None = None) -> list[dict]:
    """Approved and answered questions with ``seq`` above `after`, in ``seq`` order (index on (interview, seq))."""
    rows = (
        Question.objects.filter(interview_id=interview.pk, seq__gt=after, status__in=SHOWN)
        .order_by("seq")
        .only(
            "pk", "seq", "status", "name", "text", "asked_at", "answer", "answered_by_guest", "answered_at"
        )[: limit or LIVE_BATCH]
    )
    return [entry(q) for q in rows]


def live_payload(interview: Interview, after: int = 0) -> dict:
    entries = live_entries(interview, after)
    return {
        "status": interview.status,
        "status_label": interview.get_status_display(),
        "accepting": not asking_closed_reason(interview),
        "last": entries[-1]["seq"] if entries else after,
        "more": len(entries) == LIVE_BATCH,
        "entries": entries,
    }


def console_interviews(membership) -> QuerySet[Interview]:
    """The office sees every interview of the organisation; a department its own."""
    interviews = (
        Interview.objects.filter(organization_id=membership.organization_id)
        .select_related("department")
        .annotate(pending_count=Count("questions", filter=Q(questions__status=QuestionStatus.PENDING)))
    )
    if not membership.has_role(Role.OFFICE_EDITOR):
        interviews = interviews.filter(department_id=membership.department_id)
    return interviews.order_by("-starts_at", "-pk")


def question_queues(interview: Interview) -> dict[str, list[Question]]:
    rows = list(Question.objects.filter(interview=interview).select_related("moderated_by"))
    queues: dict[str, list[Question]] = {status: [] for status in QuestionStatus.values}
    for question in rows:
        question.note = screening_note(question.screening)
        question.blocked = bool(blocking_findings(question.screening))
        queues[question.status].append(question)
    queues[QuestionStatus.PENDING].sort(key=lambda q: (q.asked_at, q.pk))
    queues[QuestionStatus.APPROVED].sort(key=lambda q: (q.seq, q.pk))
    queues[QuestionStatus.ANSWERED] = transcript(queues[QuestionStatus.ANSWERED])
    queues[QuestionStatus.REJECTED].sort(key=lambda q: (q.asked_at, q.pk))
    return queues
