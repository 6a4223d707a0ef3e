"""A generated year (2025) of an organisation's activity for the oversight figures and the weekly digest.

Every record is made to land in a state chosen beforehand (the *plan*): the scenario says "published
late" and the builder makes a record that is late; the expected figures are then the plan counted, never
the database. Deadlines come from the apps' own functions (the working-day calendar, clocks.sync,
consultations.feedback_due, messages.deadlines_for, feedback.services.due_for,
interpretation.rules.set_deadline), so the records mean what they would mean in production. Rows are
written directly (the workflow is too slow for a year), except a few items published through the real
services to show that what the services write is counted the same way.

The moment of the figures is Monday 22 December 2025, 08:00 in Asia/Shanghai (NOW / TODAY). Boundary
cases sit on the edges of the second quarter (31 March / 1 April, 30 June / 1 July) and on local
midnight: a publication at 00:30 on the day after its deadline is 16:30 UTC *on* the deadline, so a
figure that took dates in UTC would call it on time.
"""

from __future__ import annotations

import datetime
import itertools
import random
from collections import Counter
from dataclasses import dataclass, field

import time_machine
from django.utils import timezone

from gongkai.catalogue.constants import ColumnKind, UpdateFrequency
from gongkai.catalogue.models import CatalogueEntry
from gongkai.concerns import clocks
from gongkai.concerns.constants import CaseStatus, Severity
from gongkai.concerns.models import Case, Clock
from gongkai.feedback import services as feedback_services
from gongkai.feedback.models import ErrorReport
from gongkai.feedback.models import Status as ReportStatus
from gongkai.interpretation import rules as interpretation_rules
from gongkai.participation import consultations as consultation_rules
from gongkai.participation import messages as message_rules
from gongkai.participation.constants import ConsultationKind, ConsultationStatus, MessageKind, MessageStatus
from gongkai.participation.models import Consultation, Message
from gongkai.publishing import services
from gongkai.publishing.constants import (
    PUBLICATION_DEADLINE_WORKDAYS,
    DisclosureAttribute,
    InterpretationForm,
    ItemStatus,
    RevisionStatus,
)
from gongkai.publishing.models import InformationItem, Revision
from gongkai.review.constants import Category, FindingStatus
from gongkai.review.constants import Severity as FindingSeverity
from gongkai.review.models import Finding
from gongkai.workdays.calendar import WorkdayCalendar
from tests.factories import CatalogueEntryFactory, make_published, make_staff, review_through

D = datetime.date
ZONE = timezone.get_fixed_timezone(8 * 60)  # Asia/Shanghai has no summer time

TODAY = D(2025, 12, 22)  # a Monday
YEAR = (D(2025, 1, 1), D(2025, 12, 31))
Q2 = (D(2025, 4, 1), D(2025, 6, 30))
WIDE = (D(2025, 1, 1), D(2026, 1, 31))
PERIODS = {"year": YEAR, "q2": Q2, "wide": WIDE}


def local(day: datetime.date, hour: int = 10, minute: int = 0, second: int = 0) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=ZONE)


NOW = local(TODAY, 8, 0)


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


@dataclass(frozen=True)
class Plan:
    pk: int
    dept: int  # the department the record is expected under
    anchor: datetime.date | datetime.datetime | None  # what the period is about (None: a state)
    bucket: str
    title: str = ""


@dataclass
class Year:
    staff: object
    calendar: WorkdayCalendar = field(default_factory=WorkdayCalendar)
    plans: dict[str, list[Plan]] = field(default_factory=dict)
    serial: itertools.count = field(default_factory=lambda: itertools.count(1))

    # --- expectations ------------------------------------------------------------------------------

    def expect(self, figure: str, pk: int, dept, anchor, bucket: str, title: str = "") -> None:
        self.plans.setdefault(figure, []).append(Plan(pk, getattr(dept, "pk", dept), anchor, bucket, title))

    def in_period(self, plan: Plan, start, end) -> bool:
        anchor = plan.anchor
        if anchor is None:
            return True
        if isinstance(anchor, datetime.datetime):
            anchor = anchor.astimezone(ZONE).date()
        return start <= anchor <= end

    def expected(self, figure: str, start=None, end=None, department=None) -> dict[int, dict[str, int]]:
        """The plan counted: department → bucket → number (only non-zero departments)."""
        start, end = start or TODAY, end or TODAY
        tally: dict[int, Counter] = {}
        for plan in self.plans.get(figure, []):
            if not self.in_period(plan, start, end):
                continue
            if department is not None and plan.dept != department:
                continue
            tally.setdefault(plan.dept, Counter())[plan.bucket] += 1
        return {dept: dict(counter) for dept, counter in tally.items()}

    def expected_pks(self, figure, start, end, department, bucket) -> set[int]:
        return {
            p.pk
            for p in self.plans.get(figure, [])
            if self.in_period(p, start, end) and p.dept == department and p.bucket == bucket
        }

    # --- building blocks ---------------------------------------------------------------------------

    def title(self, prefix: str) -> str:
        return f"{prefix}第{next(self.serial)}号"

    def due_after(self, day: datetime.date, workdays: int) -> datetime.date:
        return self.calendar.add_workdays(day, workdays).due

    def formed_for_due(self, due: datetime.date) -> datetime.date:
        """A 成文日期 whose 20-working-day deadline is exactly `due` (a working day)."""
        for back in range(20, 60):
            formed = due - days(back)
            if self.due_after(formed, PUBLICATION_DEADLINE_WORKDAYS) == due:
                return formed
        raise AssertionError(f"no formed date gives the deadline {due}")

    def item(
        self,
        *,
        dept,
        formed_on: datetime.date,
        published_at: datetime.datetime | None,
        expect: str | None,
        title: str = "",
        entry: CatalogueEntry | None = None,
        disclosure: str = DisclosureAttribute.PROACTIVE,
        status: str | None = None,
        needs_interpretation: bool | None = None,
        interprets: InformationItem | None = None,
        org_staff=None,
    ) -> InformationItem:
        """An item with one revision, published at `published_at` (or not), as publishing leaves it.

        `expect` is the publication figure's bucket the scenario wants (None: not counted there); the
        builder checks the scenario is consistent with the dates before writing anything."""
        staff = org_staff or self.staff
        title = title or self.title("信息")
        due = None
        if disclosure == DisclosureAttribute.PROACTIVE:
            due = self.due_after(formed_on, PUBLICATION_DEADLINE_WORKDAYS)
        published = published_at is not None
        if expect is not None:
            assert due is not None
            day = published_at.astimezone(ZONE).date() if published else None
            wanted = {
                "on_time": published and day <= due,
                "late": published and day > due,
                "overdue": not published and due < TODAY,
                "pending": not published and due >= TODAY,
            }
            assert wanted[expect], (title, expect, due, published_at)
        created = (published_at or local(formed_on)) - days(1)
        item = InformationItem.objects.create(
            organization=staff.org,
            created_by=staff.drafter,
            created_at=created,
            status=status or (ItemStatus.PUBLISHED if published else ItemStatus.DRAFT),
            publication_due_on=due,
            first_published_at=published_at,
            published_at=published_at,
        )
        revision = Revision.objects.create(
            item=item,
            number=1,
            status=RevisionStatus.PUBLISHED if published else RevisionStatus.DRAFT,
            title=title,
            publisher=staff.org.name,
            lead_department=dept,
            formed_on=formed_on,
            disclosure_attribute=disclosure,
            catalogue_entry=entry or staff.entry,
            needs_interpretation=needs_interpretation,
            interprets=interprets,
            interpretation_form=InterpretationForm.TEXT if interprets is not None else "",
            created_by=staff.drafter,
            created_at=created,
            published_at=published_at,
            published_by=staff.editor if published else None,
        )
        item.latest_revision = revision
        if published:
            item.live_revision = revision
            item.index_number = f"{staff.org.code}/{published_at.year}-{item.pk:05d}"
            if needs_interpretation:
                interpretation_rules.set_deadline(item, revision, published_at)
        item.save()
        if expect is not None and staff is self.staff:
            self.expect("publications", item.pk, dept, due, expect, title)
        return item

    def published_item(self, dept, at: datetime.datetime, **kwargs) -> InformationItem:
        """An item published on time at `at` (formed a few days before), counted as such."""
        formed = at.astimezone(ZONE).date() - days(3)
        return self.item(dept=dept, formed_on=formed, published_at=at, expect="on_time", **kwargs)

    # --- publications ------------------------------------------------------------------------------

    def publications(self, rng: random.Random) -> None:
        s = self.staff
        a, b, office = s.dept, s.other_dept, s.office
        # the edges of the second quarter, each published on time two days before its deadline
        for due in (D(2025, 3, 31), D(2025, 4, 1), D(2025, 6, 30), D(2025, 7, 1)):
            formed = self.formed_for_due(due)
            self.item(dept=a, formed_on=formed, published_at=local(due - days(2)), expect="on_time")
        # local midnight around the deadline: 23:30 on the day is on time, 00:30 the day after is late
        due = D(2025, 5, 20)
        formed = self.formed_for_due(due)
        self.item(
            dept=b,
            formed_on=formed,
            published_at=local(due, 23, 30),
            expect="on_time",
            title="期限当日23:30发布",
        )
        self.item(
            dept=b,
            formed_on=formed,
            published_at=local(due + days(1), 0, 30),
            expect="late",
            title="期限次日00:30发布",
        )
        # a year's spread
        for n in range(36):
            dept = (a, b, office)[n % 3]
            formed = D(2025, 1, 2) + days(rng.randint(0, 300))
            due = self.due_after(formed, PUBLICATION_DEADLINE_WORKDAYS)
            bucket = ("on_time", "on_time", "late", "overdue")[rng.randint(0, 3)]
            if bucket == "on_time":
                at = local(formed + days(rng.randint(1, (due - formed).days)), rng.randint(8, 20))
                self.item(dept=dept, formed_on=formed, published_at=at, expect="on_time")
            elif bucket == "late":
                at = local(due + days(rng.randint(1, 20)), rng.randint(8, 20))
                self.item(dept=dept, formed_on=formed, published_at=at, expect="late")
            else:
                self.item(
                    dept=dept,
                    formed_on=formed,
                    published_at=None,
                    expect="overdue",
                    status=(ItemStatus.DRAFT, ItemStatus.IN_REVIEW)[n % 2],
                )
        # not yet due (deadline on or after TODAY): pending, in the wide period only
        for dept, formed in ((a, D(2025, 11, 24)), (b, D(2025, 12, 1)), (a, D(2025, 12, 15))):
            self.item(dept=dept, formed_on=formed, published_at=None, expect="pending")
        # never counted: 依申请公开 information has no publication deadline
        self.item(
            dept=a,
            formed_on=D(2025, 3, 3),
            published_at=local(D(2025, 3, 5)),
            expect=None,
            disclosure=DisclosureAttribute.ON_REQUEST,
        )
        # a change: first published on time, the revision's own deadline missed
        self.revised(a, D(2025, 2, 3), local(D(2025, 2, 10)), D(2025, 8, 4), local(D(2025, 9, 30)), "late")
        self.revised(b, D(2025, 1, 6), local(D(2025, 1, 8)), D(2025, 12, 10), None, "pending")
        self.revised(b, D(2025, 1, 6), local(D(2025, 1, 9)), D(2025, 10, 13), None, "overdue")

    def revised(self, dept, formed, first_at, changed_on, second_at, expect: str) -> InformationItem:
        """A published item revised on `changed_on`: its deadline is now the change's (条例第26条)."""
        s = self.staff
        item = self.item(dept=dept, formed_on=formed, published_at=first_at, expect=None)
        first = item.latest_revision
        due = self.due_after(changed_on, PUBLICATION_DEADLINE_WORKDAYS)
        second = Revision.objects.create(
            item=item,
            number=2,
            status=RevisionStatus.PUBLISHED if second_at else RevisionStatus.DRAFT,
            title=first.title + "(修订)",
            publisher=first.publisher,
            lead_department=dept,
            formed_on=formed,
            changed_on=changed_on,
            catalogue_entry=first.catalogue_entry,
            created_by=s.drafter,
            created_at=local(changed_on),
            published_at=second_at,
            published_by=s.editor if second_at else None,
        )
        item.latest_revision = second
        item.publication_due_on = due
        if second_at:
            first.status = RevisionStatus.SUPERSEDED
            first.save(update_fields=["status"])
            item.live_revision = second
            item.published_at = second_at
        item.save()
        self.expect("publications", item.pk, dept, due, expect, second.title)
        return item

    def through_services(self) -> None:
        """Three items of 艺术科 through the real workflow: on time, late, and a late change."""
        s = self.staff
        with time_machine.travel(local(D(2025, 5, 12))):
            item = make_published(s, formed_on=D(2025, 5, 6), title=self.title("流程按时"))
        self.expect("publications", item.pk, s.dept, item.publication_due_on, "on_time", "流程按时")
        with time_machine.travel(local(D(2025, 3, 25))):
            item = make_published(s, formed_on=D(2025, 2, 3), title=self.title("流程逾期"))
        self.expect("publications", item.pk, s.dept, item.publication_due_on, "late", "流程逾期")
        with time_machine.travel(local(D(2025, 8, 1))):
            item = make_published(s, formed_on=D(2025, 7, 28), title=self.title("流程修订"))
        with time_machine.travel(local(D(2025, 9, 1))):
            services.start_revision(user=s.drafter, item=item)
            item = InformationItem.objects.get(pk=item.pk)
            services.submit_for_review(user=s.drafter, item=item)
            review_through(s, item)
        with time_machine.travel(local(D(2025, 10, 15))):
            item = services.publish(user=s.editor, item=InformationItem.objects.get(pk=item.pk))
        assert item.publication_due_on < D(2025, 10, 15)
        self.expect("publications", item.pk, s.dept, item.publication_due_on, "late", "流程修订")

    # --- interpretations ---------------------------------------------------------------------------

    def document(self, dept, at: datetime.datetime) -> InformationItem:
        return self.published_item(dept, at, title=self.title("须解读文件"), needs_interpretation=True)

    def interpretation(self, document: InformationItem, at: datetime.datetime, **kwargs) -> InformationItem:
        return self.published_item(
            document.latest_revision.lead_department,
            at,
            title=self.title("政策解读"),
            interprets=document,
            **kwargs,
        )

    def interpretations(self, rng: random.Random) -> None:
        s = self.staff
        a, b, office = s.dept, s.other_dept, s.office

        def planned(document, bucket):
            document.refresh_from_db()
            self.expect(
                "interpretations",
                document.pk,
                document.latest_revision.lead_department_id,
                document.first_published_at,
                bucket,
                document.latest_revision.title,
            )
            return document

        # documents published either side of the quarter's edges, at local times that are the other
        # side of midnight in UTC (07:00 on 1 April is 23:00 on 31 March in UTC)
        for at in (
            local(D(2025, 3, 31), 23, 59, 59),
            local(D(2025, 4, 1), 7, 0),
            local(D(2025, 6, 30), 23, 59, 59),
            local(D(2025, 7, 1), 7, 0),
        ):
            document = self.document(a, at)
            self.interpretation(document, at + days(1))
            planned(document, "on_time")
        # the deadline's last local minutes and the first of the next day
        document = self.document(b, local(D(2025, 5, 6)))
        document.refresh_from_db()
        due = document.interpretation_due_on
        self.interpretation(document, local(due, 23, 50))
        planned(document, "on_time")
        document = self.document(b, local(D(2025, 5, 6), 11))
        document.refresh_from_db()
        self.interpretation(document, local(document.interpretation_due_on + days(1), 0, 20))
        planned(document, "late")
        # two interpretations: the first one counts
        document = self.document(office, local(D(2025, 9, 1)))
        document.refresh_from_db()
        self.interpretation(document, local(document.interpretation_due_on + days(5)))
        self.interpretation(document, local(document.interpretation_due_on - days(1)))
        planned(document, "on_time")
        # a year's spread
        for n in range(18):
            dept = (a, b, office)[n % 3]
            at = local(D(2025, 1, 6) + days(rng.randint(0, 320)), rng.randint(8, 18))
            document = self.document(dept, at)
            document.refresh_from_db()
            bucket = ("on_time", "late", "missing")[rng.randint(0, 2)]
            if bucket == "on_time":
                self.interpretation(document, at + days(rng.randint(0, 3)))
            elif bucket == "late":
                self.interpretation(document, local(document.interpretation_due_on + days(rng.randint(1, 9))))
            planned(document, bucket)
        # not yet due
        document = self.document(a, local(D(2025, 12, 17)))
        planned(document, "pending")
        # a document that needs no interpretation is never counted
        self.published_item(
            a, local(D(2025, 6, 2)), title=self.title("无须解读文件"), needs_interpretation=False
        )

    # --- concern clocks ----------------------------------------------------------------------------

    def case(
        self, dept, detected: datetime.datetime, severity=Severity.GENERAL, status=CaseStatus.NEW
    ) -> Case:
        case = Case.objects.create(
            organization=self.staff.org,
            title=self.title("舆情事件"),
            department=dept,
            detected_at=detected,
            severity=severity,
            status=status,
        )
        clocks.sync(case)
        return case

    def settle(self, clock: Clock, bucket: str, dept) -> None:
        """Meet, breach or leave a clock running as the scenario says."""
        if bucket == "on_time":
            clocks.meet(clock, clock.due_at - datetime.timedelta(minutes=30))
        elif bucket == "late":
            clocks.meet(clock, clock.due_at + datetime.timedelta(hours=3))
        elif bucket == "breached":
            assert clock.due_at <= NOW
            Clock.objects.filter(pk=clock.pk).update(breached_at=clock.due_at, escalated_percent=100)
        else:
            assert clock.due_at > NOW
        expected_dept = dept.pk if dept is not None else self.staff.office.pk
        self.expect("concern_clocks", clock.pk, expected_dept, clock.started_at, bucket, clock.case.title)

    def concern_clocks(self, rng: random.Random) -> None:
        s = self.staff
        a, b = s.dept, s.other_dept
        for at, bucket in (
            (local(D(2025, 3, 31), 23, 59, 59), "on_time"),
            (local(D(2025, 4, 1), 0, 0), "late"),
            (local(D(2025, 6, 30), 23, 0), "breached"),
            (local(D(2025, 7, 1), 0, 0), "on_time"),
        ):
            case = self.case(a, at, status=CaseStatus.CLOSED)
            self.settle(case.clocks.get(), bucket, a)
        # a major case: the 5-hour clock met in time, the press conference never held
        case = self.case(b, local(D(2025, 5, 18), 9), severity=Severity.MAJOR, status=CaseStatus.MONITORING)
        first, second = case.clocks.order_by("due_at")
        self.settle(first, "on_time", b)
        self.settle(second, "breached", b)
        # a case nobody was assigned: the office's
        case = self.case(None, local(D(2025, 8, 8), 15))
        self.settle(case.clocks.get(), "breached", None)
        for n in range(15):
            dept = (a, b, None)[n % 3]
            at = local(D(2025, 1, 3) + days(rng.randint(0, 320)), rng.randint(0, 23), rng.randint(0, 59))
            bucket = ("on_time", "late", "breached")[rng.randint(0, 2)]
            case = self.case(
                dept, at, status=CaseStatus.CLOSED if bucket != "breached" else CaseStatus.RESPONDING
            )
            self.settle(case.clocks.get(), bucket, dept)
        # still running at NOW
        case = self.case(b, NOW - datetime.timedelta(hours=20), status=CaseStatus.ASSESSING)
        self.settle(case.clocks.get(), "running", b)

    # --- consultations -----------------------------------------------------------------------------

    def consultation(self, dept, closes_on: datetime.date, feedback_at, bucket: str) -> Consultation:
        s = self.staff
        deadline = consultation_rules.feedback_due(closes_on, 15, self.calendar)
        title = self.title("征求意见稿")
        notice = self.published_item(dept, local(closes_on - days(31)), title=f"{title}(公告)")
        feedback = None
        if feedback_at is not None:
            feedback = self.published_item(dept, feedback_at, title=f"{title}(反馈)")
        consultation = Consultation.objects.create(
            organization=s.org,
            department=dept,
            kind=ConsultationKind.POLICY,
            title=title,
            explanation="起草说明",
            item=notice,
            opens_on=closes_on - days(30),
            closes_on=closes_on,
            feedback_due_on=deadline.due,
            feedback_due_provisional=deadline.provisional,
            feedback_item=feedback,
            status=ConsultationStatus.FEEDBACK_PUBLISHED if feedback else ConsultationStatus.CLOSED,
            created_by=s.drafter,
        )
        due = deadline.due
        wanted = {
            "on_time": feedback_at is not None and feedback_at.astimezone(ZONE).date() <= due,
            "late": feedback_at is not None and feedback_at.astimezone(ZONE).date() > due,
            "overdue": feedback_at is None and due < TODAY,
            "pending": feedback_at is None and due >= TODAY,
        }
        assert wanted[bucket], (title, bucket, due, feedback_at)
        self.expect("consultation_feedback", consultation.pk, dept, due, bucket, title)
        return consultation

    def consultations(self, rng: random.Random) -> None:
        s = self.staff
        a, b = s.dept, s.other_dept
        for n in range(14):
            dept = (a, b)[n % 2]
            closes = D(2025, 1, 10) + days(rng.randint(0, 300))
            due = consultation_rules.feedback_due(closes, 15, self.calendar).due
            bucket = ("on_time", "late", "overdue")[rng.randint(0, 2)]
            at = {
                "on_time": local(due, 23, 40),
                "late": local(due + days(rng.randint(1, 12)), 0, 10),
                "overdue": None,
            }[bucket]
            self.consultation(dept, closes, at, bucket)
        self.consultation(b, D(2025, 12, 12), None, "pending")
        # open consultations have no feedback deadline yet: never counted
        Consultation.objects.create(
            organization=s.org,
            department=a,
            kind=ConsultationKind.NORMATIVE,
            title=self.title("征求意见稿(进行中)"),
            explanation="起草说明",
            opens_on=D(2025, 12, 15),
            closes_on=D(2026, 1, 15),
            status=ConsultationStatus.OPEN,
            created_by=s.drafter,
        )

    # --- messages ----------------------------------------------------------------------------------

    def message(self, dept, received: datetime.datetime, bucket: str, *, refused: bool = False) -> Message:
        s = self.staff
        due, final = message_rules.deadlines_for(s.org, received.astimezone(ZONE).date(), self.calendar)
        due = due.due
        answered_at = {
            "on_time": local(due, 23, 30),
            "late": local(due + days(1), 0, 5),
        }.get(bucket)
        if bucket in ("on_time", "late"):
            status = MessageStatus.REJECTED if refused else MessageStatus.ANSWERED
        else:
            status = MessageStatus.ROUTED if dept is not None else MessageStatus.NEW
        wanted = {
            "on_time": True,
            "late": True,
            "over_limit": final < TODAY,
            "overdue": due < TODAY <= final,
            "pending": due >= TODAY,
        }
        assert wanted[bucket], (bucket, due, final)
        title = self.title("公众留言")
        message = Message.objects.create(
            organization=s.org,
            kind=MessageKind.CONSULT,
            subject=title,
            text="请问……",
            name="张三",
            consented_at=received,
            tracking_code=f"T{next(self.serial):011d}",
            created_at=received,
            department=dept,
            routed_at=received + datetime.timedelta(hours=2) if dept else None,
            status=status,
            due_on=due,
            final_due_on=final,
            answer="答复" if answered_at else "",
            answered_by=s.head if answered_at else None,
            answered_at=answered_at,
        )
        expected_dept = dept.pk if dept is not None else s.office.pk
        self.expect("messages", message.pk, expected_dept, due, bucket, title)
        return message

    def messages(self, rng: random.Random) -> None:
        s = self.staff
        a, b = s.dept, s.other_dept
        # due on the edges of the quarter: received five working days before
        for due in (D(2025, 3, 31), D(2025, 4, 1), D(2025, 6, 30), D(2025, 7, 1)):
            received = next(
                due - days(back) for back in range(5, 15) if self.due_after(due - days(back), 5) == due
            )
            self.message(a, local(received, 9), "on_time")
        self.message(b, local(D(2025, 3, 3), 9), "on_time", refused=True)
        self.message(b, local(D(2025, 3, 4), 9), "late", refused=True)
        for n in range(21):
            dept = (a, b, None)[n % 3]
            received = local(D(2025, 1, 6) + days(rng.randint(0, 250)), rng.randint(0, 23))
            bucket = ("on_time", "late", "over_limit")[rng.randint(0, 2)]
            self.message(dept, received, bucket)
        # past the answer deadline but inside the 3 months
        self.message(a, local(D(2025, 11, 3), 9), "overdue")
        self.message(None, local(D(2025, 11, 20), 9), "overdue")
        # not yet due
        self.message(b, local(D(2025, 12, 19), 16), "pending")
        self.message(None, local(D(2025, 12, 20), 11), "pending")

    # --- error reports -----------------------------------------------------------------------------

    def error_report(self, item, created: datetime.datetime, bucket: str, *, refused: bool = False):
        s = self.staff
        due = feedback_services.due_for(created.astimezone(ZONE).date(), self.calendar).due
        answered_at = {"on_time": local(due, 22, 0), "late": local(due + days(2), 0, 15)}.get(bucket)
        if answered_at:
            status = ReportStatus.REJECTED if refused else ReportStatus.ANSWERED
        else:
            status = ReportStatus.NEW
        assert {"on_time": True, "late": True, "overdue": due < TODAY, "pending": due >= TODAY}[bucket]
        report = ErrorReport.objects.create(
            organization=s.org,
            page_url=f"/xxgk/{item.index_number}/" if item else "/xxgk/",
            item=item,
            category="typo",
            description="有错别字",
            due_on=due,
            status=status,
            answer="已更正" if answered_at else "",
            answered_by=s.editor if answered_at else None,
            answered_at=answered_at,
        )
        ErrorReport.objects.filter(pk=report.pk).update(created_at=created)
        report.refresh_from_db()
        dept = item.latest_revision.lead_department_id if item else s.office.pk
        self.expect("error_reports", report.pk, dept, due, bucket, report.reference)
        return report

    def error_reports(self, rng: random.Random) -> None:
        s = self.staff
        on_a = self.published_item(s.dept, local(D(2025, 2, 3)), title=self.title("纠错对象"))
        on_b = self.published_item(s.other_dept, local(D(2025, 2, 4)), title=self.title("纠错对象"))
        for n in range(18):
            item = (on_a, on_b, None)[n % 3]
            created = local(D(2025, 2, 10) + days(rng.randint(0, 280)), rng.randint(0, 23))
            bucket = ("on_time", "late", "overdue")[rng.randint(0, 2)]
            self.error_report(item, created, bucket, refused=n % 5 == 0 and bucket != "overdue")
        self.error_report(on_b, local(D(2025, 12, 19), 17), "pending")

    # --- the catalogue -----------------------------------------------------------------------------

    def catalogue(self) -> None:
        s = self.staff
        heading = CatalogueEntryFactory(organization=s.org, code="90", name="工作动态")

        def column(code, name, dept, kind, frequency, last: datetime.datetime | None, bucket: str):
            entry = CatalogueEntryFactory(
                organization=s.org,
                code=code,
                name=name,
                parent=heading,
                responsible_department=dept,
                column_kind=kind,
                update_frequency=frequency,
            )
            if last is not None:
                self.published_item(
                    dept or s.office, last - days(40), entry=entry, title=self.title("栏目旧信息")
                )
                self.published_item(dept or s.office, last, entry=entry, title=self.title("栏目信息"))
            self.expect("catalogue", entry.pk, dept or s.office, None, bucket, name)
            return entry

        news, policy, other = ColumnKind.NEWS, ColumnKind.POLICY, ColumnKind.OTHER
        needed, monthly, yearly = UpdateFrequency.AS_NEEDED, UpdateFrequency.MONTHLY, UpdateFrequency.YEARLY
        # news columns: 14 days — 14 days ago is fine, 15 days ago (even late in the evening) is not
        column("9001", "艺术动态", s.dept, news, needed, local(TODAY - days(14), 0, 5), "ok")
        column("9002", "产业动态", s.other_dept, news, needed, local(TODAY - days(15), 23, 50), "overdue")
        # monthly beats the policy kind's 183 days
        column("9003", "月度通报", s.dept, policy, monthly, local(TODAY - days(32)), "overdue")
        column("9004", "年度计划", s.other_dept, other, yearly, local(TODAY - days(300)), "ok")
        column("9005", "专项资金", s.dept, other, needed, None, "empty")
        column("9006", "无人负责", None, news, needed, None, "empty")
        column("9007", "规章制度", s.other_dept, policy, needed, local(TODAY - days(184)), "overdue")
        # a column whose only item was withdrawn is empty
        entry = column("9008", "撤回栏目", s.other_dept, other, needed, None, "empty")
        withdrawn = self.published_item(
            s.other_dept, local(D(2025, 6, 3)), entry=entry, title=self.title("撤回")
        )
        InformationItem.objects.filter(pk=withdrawn.pk).update(status=ItemStatus.WITHDRAWN)
        # the column every other record was published in: as needed, with content
        self.expect("catalogue", s.entry.pk, s.office, None, "ok", s.entry.name)

    # --- review findings ---------------------------------------------------------------------------

    def finding(self, revision: Revision, severity: str, *, status=FindingStatus.OPEN, n: int = 0) -> Finding:
        return Finding.objects.create(
            revision=revision,
            field="body",
            field_label="正文",
            category=Category.TYPO if severity == FindingSeverity.WARNING else Category.FORBIDDEN,
            severity=severity,
            detector="dictionary",
            start=n,
            end=n + 2,
            matched="错字",
            key=f"body:dictionary:{revision.pk}:{n}",
            status=status,
            acknowledgement="确认无误" if status == FindingStatus.ACKNOWLEDGED else "",
            acknowledged_by=self.staff.editor if status == FindingStatus.ACKNOWLEDGED else None,
        )

    def findings(self) -> None:
        s = self.staff
        blocking, warning = FindingSeverity.BLOCKING, FindingSeverity.WARNING
        for dept in (s.dept, s.other_dept):
            live = self.published_item(dept, local(D(2025, 10, 9)), title=self.title("巡查发现"))
            revision = live.latest_revision
            self.expect("findings", self.finding(revision, blocking, n=1).pk, dept, None, "live_blocking")
            self.expect("findings", self.finding(revision, warning, n=2).pk, dept, None, "live_warning")
            self.finding(revision, warning, status=FindingStatus.ACKNOWLEDGED, n=3)  # handled: not counted
            draft = self.item(
                dept=dept,
                formed_on=D(2025, 12, 18),
                published_at=None,
                expect="pending",
                title=self.title("草稿"),
            )
            self.expect(
                "findings", self.finding(draft.latest_revision, blocking).pk, dept, None, "draft_blocking"
            )
            self.expect(
                "findings", self.finding(draft.latest_revision, warning, n=5).pk, dept, None, "draft_warning"
            )
        # a published item being revised: the live version's finding is public, the draft's is not
        item = self.revised(s.dept, D(2025, 3, 3), local(D(2025, 3, 4)), D(2025, 12, 19), None, "pending")
        live, draft = item.live_revision, item.latest_revision
        self.expect("findings", self.finding(live, warning).pk, s.dept, None, "live_warning")
        self.expect("findings", self.finding(draft, blocking).pk, s.dept, None, "draft_blocking")
        # a superseded version and a withdrawn item: history, not counted
        old = self.revised(
            s.other_dept, D(2025, 2, 3), local(D(2025, 2, 4)), D(2025, 3, 3), local(D(2025, 3, 5)), "on_time"
        )
        self.finding(Revision.objects.get(item=old, number=1), blocking)
        gone = self.published_item(s.dept, local(D(2025, 4, 4)), title=self.title("已撤回"))
        InformationItem.objects.filter(pk=gone.pk).update(status=ItemStatus.WITHDRAWN)
        self.finding(gone.latest_revision, blocking)

    # --- another organisation: never counted for the first -----------------------------------------

    def elsewhere(self) -> None:
        other = make_staff()
        self.other = other
        self.item(
            dept=other.dept,
            formed_on=D(2025, 5, 5),
            published_at=None,
            expect=None,
            org_staff=other,
        )
        case = Case.objects.create(
            organization=other.org,
            title="别处的事件",
            department=other.dept,
            detected_at=local(D(2025, 5, 5)),
        )
        clocks.sync(case)
        Message.objects.create(
            organization=other.org,
            kind=MessageKind.CONSULT,
            subject="别处的留言",
            text="……",
            name="李四",
            consented_at=local(D(2025, 5, 5)),
            tracking_code="ELSEWHERE001",
            due_on=D(2025, 5, 12),
            final_due_on=D(2025, 8, 5),
        )
        ErrorReport.objects.create(
            organization=other.org,
            page_url="/xxgk/",
            category="typo",
            description="别处",
            due_on=D(2025, 5, 8),
        )


def build(staff=None) -> Year:
    """The whole year for `staff`'s organisation (a new one when None)."""
    year = Year(staff or make_staff())
    rng = random.Random(2025)
    year.through_services()
    year.publications(rng)
    year.interpretations(rng)
    year.concern_clocks(rng)
    year.consultations(rng)
    year.messages(rng)
    year.error_reports(rng)
    year.catalogue()
    year.findings()
    year.elsewhere()
    return year
