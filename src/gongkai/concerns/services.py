"""The rules of handling a public concern (R1–R7). Views, the API, commands and periodic tasks call these;
each checks who may act, changes the records in one transaction, writes the case timeline and an audit
event, and announces what others must know.

States: new → 会商 (consulting) → 研判 (assessing) → responding → monitoring → closed; 会商 may be
skipped; a closed case reopens (回温) when new mentions arrive within the watch window (R7).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from gongkai.audit import services as audit
from gongkai.orgs.constants import Role
from gongkai.publishing.exceptions import require

from . import clocks, permissions
from .constants import (
    SEVERITY_RANK,
    Authority,
    CaseStatus,
    Category,
    ReportKind,
    ResponseChannel,
    RiskLevel,
    Severity,
)
from .models import Alert, Case, CaseEvent, Mention, Policy, Referral, Report, Response

MAX_TEXT = 20000

# Where a case may go from each state (closing and reopening have their own services).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    CaseStatus.NEW: (CaseStatus.CONSULTING, CaseStatus.ASSESSING),
    CaseStatus.CONSULTING: (CaseStatus.ASSESSING,),
    CaseStatus.ASSESSING: (CaseStatus.RESPONDING,),
    CaseStatus.RESPONDING: (CaseStatus.MONITORING,),
    CaseStatus.MONITORING: (CaseStatus.RESPONDING,),
}
ASSESSMENT_FIELDS = ("background", "situation", "viewpoints", "trend", "risk_level", "emergency_plan")
ASSESSMENT_LABELS = {
    "background": "事件背景",
    "situation": "境内外舆情态势",
    "viewpoints": "主要观点",
    "trend": "传播趋势及可能后果",
    "risk_level": "风险等级",
    "emergency_plan": "应急处置方案",
}


def in_category_order(categories) -> list[str]:
    """The six key categories in the seed's order (1)–(6)."""
    wanted = set(categories)
    return [c for c in Category.values if c in wanted]


def policy_for(organization) -> Policy:
    org_id = getattr(organization, "pk", organization)
    policy, _ = Policy.objects.get_or_create(organization_id=org_id)
    return policy


def _event(case: Case, kind: str, text: str, *, actor=None, at=None, **data) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case, kind=kind, text=text[:1000], actor=actor, at=at or timezone.now(), data=data
    )


def _audit(action: str, case: Case, actor, **data) -> None:
    audit.record(action=action, actor=actor, target=case, organization=case.organization_id, data=data)


def _locked(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


def people(case: Case, *, leaders: bool = False) -> list:
    """Whom a case concerns: the responsible department's head, the office and the monitors (and the
    leaders when asked). Real accounts, so the announcement can reach their e-mail addresses too."""
    from gongkai.orgs.models import User
    from gongkai.publishing.services import members_of

    ids = []
    for m in members_of(case.organization_id):
        if (
            m.has_role(Role.OFFICE_EDITOR)
            or m.has_role(Role.CONCERN_MONITOR)
            or (leaders and m.has_role(Role.LEADER))
            or (
                case.department_id
                and m.department_id == case.department_id
                and m.has_role(Role.DEPARTMENT_HEAD)
            )
        ):
            ids.append(m.user.pk)
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def _announce(case: Case, *, kind: str, title: str, text: str, leaders: bool = False, urgent=False) -> None:
    from django.urls import reverse

    from . import notify

    notify.announce(
        case.organization,
        kind=kind,
        title=title,
        text=text,
        url=reverse("concerns:case", args=[case.pk]),
        recipients=people(case, leaders=leaders),
        urgent=urgent,
    )


# ---------------------------------------------------------------------------------------------------
# Cases from mentions (the pipeline calls these)


def open_case(
    *,
    organization,
    title: str,
    detected_at: datetime.datetime,
    mentions: Iterable[Mention] = (),
    categories: Iterable[str] = (),
    severity: str = Severity.GENERAL,
    department=None,
    summary: str = "",
    actor=None,
) -> Case:
    """A new matter: the case, its clocks from the moment of detection, and word to the office."""
    mentions = list(mentions)
    with transaction.atomic():
        case = Case.objects.create(
            organization=organization,
            title=(title or "未命名舆情")[:200],
            summary=summary,
            severity=severity,
            department=department,
            categories=in_category_order(categories),
            detected_at=detected_at,
            last_mention_at=max((m.detected_at for m in mentions), default=detected_at),
            mention_count=len(mentions),
            created_by=actor,
        )
        if mentions:
            Mention.objects.filter(pk__in=[m.pk for m in mentions]).update(case=case)
            for m in mentions:
                m.case = case
        clocks.sync(case)
        _event(case, "opened", f"发现舆情,新建事件(信息 {len(mentions)} 条)", actor=actor, at=detected_at)
        _audit("concerns.case_opened", case, actor, title=case.title, mentions=len(mentions))
        _announce(
            case,
            kind="concerns.case_opened",
            title=f"新舆情:{case.title}",
            text=f"级别:{case.get_severity_display()};发现时间:{timezone.localtime(detected_at):%Y-%m-%d %H:%M}",
            urgent=SEVERITY_RANK[case.severity] >= SEVERITY_RANK[Severity.MAJOR],
            leaders=SEVERITY_RANK[case.severity] >= SEVERITY_RANK[Severity.MAJOR],
        )
    return case


def grouping_candidates(organization, now: datetime.datetime | None = None):
    """Cases a new mention may join: every open case, and closed ones still inside their watch window."""
    from django.db.models import Q

    now = now or timezone.now()
    return Case.objects.filter(organization=organization).filter(
        ~Q(status=CaseStatus.CLOSED) | Q(watch_until__gte=now)
    )


def add_mentions(
    case: Case, mentions: Iterable[Mention], *, now: datetime.datetime | None = None, actor=None
) -> Case:
    """Mentions join a case; a closed case inside its watch window reopens (回温, R7), recorded as done by
    ``actor`` (the person who moved or entered the mention; None for the pipeline)."""
    mentions = list(mentions)
    if not mentions:
        return case
    return join_cases({case.pk: mentions}, now=now, actor=actor)[0]


def _write_rows(model, fields: list[str], rows: list[tuple]) -> None:
    """UPDATE `fields` of many rows of `model` with one prepared statement: each row is the fields' values
    then the primary key. (The ORM's bulk_update builds a CASE per field and row: for the few rows of a
    batch it costs some 15 ms of CPU to compile, the statements here some 0.1 ms to run.)"""
    from django.db import connection

    columns = [model._meta.get_field(f) for f in fields]
    quote = connection.ops.quote_name
    sql = (
        f"UPDATE {quote(model._meta.db_table)} SET "  # noqa: S608
        + ", ".join(f"{quote(c.column)} = %s" for c in columns)
        + f" WHERE {quote(model._meta.pk.column)} = %s"
    )
    prepared = [
        [*(c.get_db_prep_save(v, connection) for c, v in zip(columns, row[:-1], strict=True)), row[-1]]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, prepared)


def join_cases(
    joins: dict[int, Iterable[Mention]], *, now: datetime.datetime | None = None, actor=None
) -> list[Case]:
    """Mentions join cases — many cases at once, as a batch of the pipeline needs — in a fixed number of
    statements: the cases locked in one query (in key order, so two batches cannot deadlock), the
    mentions moved in one UPDATE, the counters written in one, the timeline lines inserted in one. A closed
    case inside its watch window reopens (回温, R7), with its audit event and announcement; one past it
    refuses, and the whole call with it. Returns the cases in the order of `joins`."""
    joins = {pk: list(mentions) for pk, mentions in joins.items()}
    joins = {pk: mentions for pk, mentions in joins.items() if mentions}
    if not joins:
        return []
    now = now or timezone.now()
    # No savepoint: the pipeline calls this inside its own transaction, and a failure here must undo the
    # whole batch anyway.
    with transaction.atomic(savepoint=False):
        cases = {
            c.pk: c for c in Case.objects.select_for_update().filter(pk__in=sorted(joins)).order_by("pk")
        }
        missing = set(joins) - set(cases)
        if missing:
            raise Case.DoesNotExist(f"cases {sorted(missing)} do not exist")
        pks = [m.pk for mentions in joins.values() for m in mentions]
        current = dict(Mention.objects.filter(pk__in=pks).values_list("pk", "case_id"))
        moving = {pk: [m.pk for m in mentions if current.get(m.pk) != pk] for pk, mentions in joins.items()}
        moving = {pk: ids for pk, ids in moving.items() if ids}
        if moving:
            _write_rows(
                Mention,
                ["case_id"],
                [(pk, mention) for pk, ids in moving.items() for mention in ids],
            )
        events, reopened = [], []
        for pk, mentions in joins.items():
            case = cases[pk]
            for m in mentions:
                m.case = case
            case.mention_count += len(moving.get(pk, ()))
            case.last_mention_at = max(
                [case.last_mention_at or case.detected_at, *(m.detected_at for m in mentions)]
            )
            categories = set(case.categories)
            for m in mentions:
                categories.update(m.categories)
            case.categories = in_category_order(categories)
            if case.status == CaseStatus.CLOSED:
                if case.watch_until is None or case.watch_until < now:
                    raise ValidationError("该事件已过持续监测期,新信息应另立事件。")
                case.status = CaseStatus.MONITORING
                case.reopened_count += 1
                case.closed_at = None
                reopened.append((case, len(mentions)))
                text = f"办结后出现新的相关信息 {len(mentions)} 条,事件重新打开(回温)"
                events.append(CaseEvent(case=case, kind="reopened", text=text, at=now, data={}, actor=actor))
            else:
                text = f"新增相关信息 {len(mentions)} 条"
                events.append(
                    CaseEvent(
                        case=case,
                        kind="mentions",
                        text=text,
                        at=now,
                        data={"count": len(mentions)},
                        actor=actor,
                    )
                )
        fields = ["mention_count", "last_mention_at", "categories", "status", "reopened_count", "closed_at"]
        _write_rows(Case, fields, [(*(getattr(cases[pk], f) for f in fields), pk) for pk in joins])
        CaseEvent.objects.bulk_create(events)
        for case, count in reopened:
            _audit("concerns.case_reopened", case, actor, mentions=count)
            _announce(
                case,
                kind="concerns.case_reopened",
                title=f"舆情回温:{case.title}",
                text=f"办结后又出现 {count} 条相关信息,事件已重新打开,请继续处置。",
                leaders=True,
                urgent=True,
            )
    return [cases[pk] for pk in joins]


# ---------------------------------------------------------------------------------------------------
# Handling


def move(*, user, case: Case, to: str, note: str = "") -> Case:
    require(permissions.handle_case_failures(user, case))
    with transaction.atomic():
        case = _locked(case)
        if to not in TRANSITIONS.get(case.status, ()):
            raise ValidationError(
                f"事件当前为“{case.get_status_display()}”,不能转为“{CaseStatus(to).label if to in CaseStatus.values else to}”。"
            )
        if to == CaseStatus.RESPONDING:
            missing = [ASSESSMENT_LABELS[f] for f in ASSESSMENT_FIELDS if not getattr(case, f)]
            if missing:
                raise ValidationError("研判未完成,请先填写:" + "、".join(missing) + "。")
        if to == CaseStatus.MONITORING and not case.responses.exists():
            raise ValidationError("尚未记录任何回应,不能转入持续监测。")
        before = case.status
        case.status = to
        case.save(update_fields=["status"])
        label = case.get_status_display()
        _event(
            case,
            "status",
            f"状态:{CaseStatus(before).label} → {label}" + (f"。{note}" if note else ""),
            actor=user,
        )
        _audit("concerns.case_changed", case, user, before=before, after=to, note=note[:500])
    return case


def assess(*, user, case: Case, data: dict) -> Case:
    """研判 (R3): background, situation, viewpoints, trend and consequences, risk level, emergency plan."""
    require(permissions.handle_case_failures(user, case))
    errors = {}
    clean = {}
    for field in ASSESSMENT_FIELDS:
        value = (data.get(field) or "").strip()
        if len(value) > MAX_TEXT:
            errors[field] = f"{ASSESSMENT_LABELS[field]}不能超过{MAX_TEXT}字。"
        clean[field] = value
    if clean["risk_level"] and clean["risk_level"] not in RiskLevel.values:
        errors["risk_level"] = "风险等级无效。"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        case = _locked(case)
        if case.status == CaseStatus.CLOSED:
            raise ValidationError("事件已办结,不能修改研判。")
        changed = [f for f in ASSESSMENT_FIELDS if getattr(case, f) != clean[f]]
        for field in ASSESSMENT_FIELDS:
            setattr(case, field, clean[field])
        fields = list(ASSESSMENT_FIELDS)
        if case.status in (CaseStatus.NEW, CaseStatus.CONSULTING):
            case.status = CaseStatus.ASSESSING
            fields.append("status")
        case.save(update_fields=fields)
        if changed:
            _event(
                case, "assessed", "研判:更新" + "、".join(ASSESSMENT_LABELS[f] for f in changed), actor=user
            )
            _audit("concerns.case_assessed", case, user, changed=changed)
    return case


def classify(*, user, case: Case, severity: str, department=None, reason: str = "") -> Case:
    """Severity and the responsible department (谁主管谁负责); the clocks follow the severity."""
    require(permissions.coordinate_failures(user, case))
    if severity not in Severity.values:
        raise ValidationError({"severity": "级别无效。"})
    if department is not None and department.organization_id != case.organization_id:
        raise ValidationError({"department": "责任科室须属于本机构。"})
    with transaction.atomic():
        case = _locked(case)
        before = (case.severity, case.department_id)
        if before == (severity, getattr(department, "pk", None)):
            return case
        raised = SEVERITY_RANK[severity] > SEVERITY_RANK[case.severity]
        case.severity = severity
        case.department = department
        case.save(update_fields=["severity", "department"])
        clocks.sync(case)
        text = f"级别:{case.get_severity_display()};责任科室:{department.name if department else '未指定'}"
        _event(case, "classified", text + (f"。理由:{reason}" if reason else ""), actor=user)
        _audit(
            "concerns.case_severity",
            case,
            user,
            before={"severity": before[0], "department": before[1]},
            after={"severity": severity, "department": case.department_id},
            reason=reason[:500],
        )
        major = SEVERITY_RANK[severity] >= SEVERITY_RANK[Severity.MAJOR]
        _announce(
            case,
            kind="concerns.case_classified",
            title=f"舆情事件定级:{case.title}",
            text=text + ("。请在5小时内发布权威信息,24小时内举行新闻发布会。" if major else ""),
            leaders=major and raised,
            urgent=major,
        )
    return case


def close(*, user, case: Case, note: str, now: datetime.datetime | None = None) -> Case:
    require(permissions.coordinate_failures(user, case))
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "请填写办结说明(处置结果和评估)。"})
    now = now or timezone.now()
    with transaction.atomic():
        case = _locked(case)
        if case.status != CaseStatus.MONITORING:
            raise ValidationError("只有处于“持续监测”的事件可以办结。")
        watch_days = policy_for(case.organization_id).watch_days
        case.status = CaseStatus.CLOSED
        case.closed_at = now
        case.closing_note = note[:MAX_TEXT]
        case.watch_until = now + datetime.timedelta(days=watch_days)
        case.save(update_fields=["status", "closed_at", "closing_note", "watch_until"])
        _event(
            case,
            "closed",
            f"办结;持续监测至 {timezone.localtime(case.watch_until):%Y-%m-%d %H:%M}",
            actor=user,
        )
        _audit("concerns.case_changed", case, user, before=CaseStatus.MONITORING, after=CaseStatus.CLOSED)
    return case


def _when(value, *, now) -> datetime.datetime:
    value = value or now
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > now + datetime.timedelta(minutes=5):
        raise ValidationError("时间不能晚于现在。")
    return value


def record_report(*, user, case: Case, kind: str, sent_at=None, recipients: str, content: str) -> Report:
    """R4: the basic facts to superiors at once (首报), detailed findings in follow-ups (续报)."""
    require(permissions.record_failures(user, case))
    now = timezone.now()
    errors = {}
    if kind not in ReportKind.values:
        errors["kind"] = "报告类型无效。"
    if not (recipients or "").strip():
        errors["recipients"] = "请填写报送对象。"
    if not (content or "").strip():
        errors["content"] = "请填写报告内容。"
    if errors:
        raise ValidationError(errors)
    sent_at = _when(sent_at, now=now)
    with transaction.atomic():
        case = _locked(case)
        if kind == ReportKind.FOLLOW_UP and not case.reports.filter(kind=ReportKind.INITIAL).exists():
            raise ValidationError({"kind": "请先报送首报(基本事实),再报送续报。"})
        if kind == ReportKind.INITIAL and case.reports.filter(kind=ReportKind.INITIAL).exists():
            raise ValidationError({"kind": "首报已报送,后续情况请作为续报报送。"})
        report = Report.objects.create(
            case=case,
            kind=kind,
            sent_at=sent_at,
            recipients=recipients.strip()[:500],
            content=content.strip()[:MAX_TEXT],
            author=user,
        )
        _event(
            case,
            "report",
            f"向上级{report.get_kind_display()}:报送 {report.recipients}",
            actor=user,
            at=sent_at,
        )
        _audit("concerns.report_recorded", case, user, kind=kind, recipients=report.recipients)
    return report


def record_response(
    *,
    user,
    case: Case,
    channel: str,
    summary: str,
    url: str = "",
    responded_at=None,
    item=None,
) -> Response:
    """R6: a response; on the website through the publishing workflow (an item, stopping the clocks when it
    is published), or recorded with its link (new media, press conference, interview)."""
    require(permissions.record_failures(user, case))
    now = timezone.now()
    errors = {}
    if channel not in ResponseChannel.values:
        errors["channel"] = "回应方式无效。"
    if not (summary or "").strip():
        errors["summary"] = "请填写回应内容摘要。"
    if item is not None and item.organization_id != case.organization_id:
        errors["item"] = "所选信息不属于本机构。"
    if channel == ResponseChannel.WEBSITE and item is None and not url:
        errors["item"] = "网站回应请选择通过发布流程发布的信息,或起草一条回应。"
    if channel in (ResponseChannel.NEW_MEDIA, ResponseChannel.INTERVIEW) and not url:
        errors["url"] = "请填写新媒体发布或访谈的链接。"
    if errors:
        raise ValidationError(errors)
    if item is not None:
        from gongkai.publishing.constants import ItemStatus

        published = item.status == ItemStatus.PUBLISHED and item.published_at is not None
        responded_at = item.published_at if published else None
    else:
        responded_at = _when(responded_at, now=now)
    with transaction.atomic():
        case = _locked(case)
        if case.status == CaseStatus.CLOSED:
            raise ValidationError("事件已办结;如舆情回温,事件会自动重新打开。")
        response = Response.objects.create(
            case=case,
            channel=channel,
            item=item,
            url=url[:1000],
            summary=summary.strip()[:MAX_TEXT],
            responded_at=responded_at,
            created_by=user,
        )
        if case.status in (CaseStatus.NEW, CaseStatus.CONSULTING, CaseStatus.ASSESSING) and responded_at:
            pass  # the state follows the people handling it; the clocks follow the facts
        text = f"回应({response.get_channel_display()}):{response.summary[:200]}"
        if responded_at is None:
            text += "(待发布,发布后计入时限)"
        _event(case, "response", text, actor=user, at=responded_at or now)
        _audit("concerns.response_recorded", case, user, channel=channel, item=getattr(item, "pk", None))
        if responded_at is not None:
            clocks.meet_for_response(case, channel, responded_at)
    return response


def draft_website_response(*, user, case: Case):
    """Start the website response as a draft in the 回应关切 column, linked to the case."""
    from gongkai.catalogue.models import CatalogueEntry
    from gongkai.publishing import services as publishing

    require(permissions.record_failures(user, case))
    entry = (
        CatalogueEntry.objects.filter(organization_id=case.organization_id, name="回应关切")
        .order_by("-code")
        .first()
    )
    with transaction.atomic():
        item = publishing.create_draft(
            user=user,
            organization=case.organization,
            data={
                "title": f"关于{case.title}的回应"[:300],
                "lead_department": case.department,
                "formed_on": timezone.localdate(),
                "catalogue_entry": entry if entry is not None and not entry.children.exists() else None,
                "summary": case.summary[:500],
            },
        )
        record_response(
            user=user, case=case, channel=ResponseChannel.WEBSITE, summary="网站发布回应(草稿)", item=item
        )
    return item


def item_published(item) -> int:
    """A response item went live: its responses take the publication time and stop the clocks."""
    done = 0
    with transaction.atomic():
        for response in Response.objects.select_related("case").filter(item=item, responded_at__isnull=True):
            response.responded_at = item.published_at
            response.save(update_fields=["responded_at"])
            _event(
                response.case,
                "response.published",
                # The live title: by the time a catch-up runs, a new working revision may have started.
                f"回应已在网站发布:{item.live_revision.title if item.live_revision_id else item.pk}",
            )
            met = clocks.meet_for_response(response.case, response.channel, item.published_at)
            for clock in met:
                _audit(
                    "concerns.clock_met",
                    response.case,
                    None,
                    clock=clock.kind,
                    on_time=clock.met_at <= clock.due_at,
                )
            done += 1
    return done


def catch_up_published_responses() -> int:
    """Website responses whose item is published but that were never told (the process died between the
    publication's commit and its after-commit signal): made good as `item_published` would have. Run by
    the escalation job before it looks at the clocks, so a clock a published response met is not escalated."""
    from gongkai.publishing.constants import ItemStatus

    pending = Response.objects.filter(
        responded_at__isnull=True, item__isnull=False, item__status=ItemStatus.PUBLISHED
    ).select_related("item")
    items = {response.item_id: response.item for response in pending}
    return sum(item_published(item) for _pk, item in sorted(items.items()))


def record_referral(
    *, user, case: Case, authority: str, content: str, referred_at=None, reference: str = ""
) -> Referral:
    """R6: clues of rumours suspected of breaking the law handed to the police or network regulators."""
    require(permissions.record_failures(user, case))
    errors = {}
    if authority not in Authority.values:
        errors["authority"] = "移交部门无效。"
    if not (content or "").strip():
        errors["content"] = "请填写移交内容(线索、链接)。"
    if errors:
        raise ValidationError(errors)
    referred_at = _when(referred_at, now=timezone.now())
    with transaction.atomic():
        case = _locked(case)
        referral = Referral.objects.create(
            case=case,
            authority=authority,
            referred_at=referred_at,
            content=content.strip()[:MAX_TEXT],
            reference=(reference or "").strip()[:200],
            created_by=user,
        )
        _event(case, "referral", f"移交{referral.get_authority_display()}", actor=user, at=referred_at)
        _audit("concerns.referral_recorded", case, user, authority=authority)
    return referral


def move_mention(*, user, mention: Mention, case: Case | None) -> Mention:
    """Put a mention in another case (or a new one) when the grouping got it wrong."""
    if case is not None:
        require(permissions.coordinate_failures(user, case))
        if case.organization_id != mention.organization_id:
            raise ValidationError("不能移到其他机构的事件。")
    else:
        require(permissions.view_all_failures(user, mention.organization_id))
    old = mention.case
    with transaction.atomic():
        if case is None:
            case = open_case(
                organization=mention.organization,
                title=mention.title or mention.text[:60],
                detected_at=mention.detected_at,
                mentions=[mention],
                categories=mention.categories,
                actor=user,
            )
        else:
            add_mentions(case, [mention], actor=user)
        if old is not None and old.pk != case.pk:
            old.mention_count = Mention.objects.filter(case=old).count()
            old.save(update_fields=["mention_count"])
            _event(
                old,
                "mention.moved",
                f"信息“{(mention.title or mention.url)[:60]}”移至事件“{case.title}”",
                actor=user,
            )
        _audit("concerns.mention_moved", case, user, mention=mention.pk, from_case=getattr(old, "pk", None))
    return mention


def acknowledge_alert(*, user, alert: Alert) -> Alert:
    require(permissions.view_all_failures(user, alert.organization_id))
    with transaction.atomic():
        alert.acknowledged_at = timezone.now()
        alert.save(update_fields=["acknowledged_at"])
        audit.record(
            action="concerns.alert_acknowledged", actor=user, target=alert, organization=alert.organization_id
        )
    return alert


# ---------------------------------------------------------------------------------------------------
# The periodic escalation of the clocks


def escalate(now: datetime.datetime | None = None) -> int:
    """Announce each clock once per point reached (default 50%, 80%, 100%) to the responsible department's
    head and the office (leaders too at 100%); at 100% an unmet clock is a breach, recorded."""
    now = now or timezone.now()
    sent = 0
    policies: dict[int, list[int]] = {}
    for clock in clocks.open_clocks():
        case = clock.case
        points = policies.get(case.organization_id)
        if points is None:
            points = policies[case.organization_id] = policy_for(case.organization_id).points()
        point = clocks.reached_point(clock, now, points)
        if not point:
            continue
        with transaction.atomic():
            clock.escalated_percent = point
            fields = ["escalated_percent"]
            due = timezone.localtime(clock.due_at)
            if point >= 100:
                clock.breached_at = clock.breached_at or clock.due_at
                fields.append("breached_at")
                text = f"“{clock.get_kind_display()}”时限已到({due:%m-%d %H:%M}),尚未完成,已记录超时。"
                _event(case, "clock.breached", text, at=now, clock=clock.kind)
                _audit(
                    "concerns.clock_breached", case, None, clock=clock.kind, due_at=clock.due_at.isoformat()
                )
            else:
                text = f"“{clock.get_kind_display()}”时限已过{point}%,{due:%m-%d %H:%M}到期。"
                _event(case, "clock.escalated", text, at=now, clock=clock.kind, percent=point)
                _audit("concerns.clock_escalated", case, None, clock=clock.kind, percent=point)
            clock.save(update_fields=fields)
            _announce(
                case,
                kind="concerns.clock",
                title=f"舆情回应时限提醒:{case.title}",
                text=text,
                leaders=point >= 100,
                urgent=point >= 80,
            )
        sent += 1
    return sent
