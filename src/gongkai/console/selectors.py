"""Reads for the console: the inbox sections, the item list, an item's review record.

The inbox is computed from the workflow's own data every time (no stored counters), with a fixed,
small number of queries however many items there are: permission predicates run in Python over rows
fetched with their related objects.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.urls import Resolver404, resolve
from django.utils import timezone

from gongkai.console.models import Notification
from gongkai.orgs.constants import Role
from gongkai.orgs.models import Membership
from gongkai.publishing import permissions
from gongkai.publishing.constants import ItemStatus, RevisionStatus, TaskStatus
from gongkai.publishing.models import InformationItem, ReviewTask
from gongkai.publishing.selectors import visible_tasks
from gongkai.workdays.calendar import WorkdayCalendar

from .deadlines import DeadlineInfo, deadline_info

ITEM_RELATED = (
    "organization",
    "latest_revision",
    "latest_revision__lead_department",
    "live_revision",
    "live_revision__lead_department",
)


@dataclass
class DeadlineRow:
    item: InformationItem
    deadline: DeadlineInfo


@dataclass
class Inbox:
    review_tasks: list[ReviewTask] = field(default_factory=list)
    my_drafts: list[InformationItem] = field(default_factory=list)
    to_publish: list[InformationItem] = field(default_factory=list)
    post_review: list[InformationItem] = field(default_factory=list)
    deadlines: list[DeadlineRow] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    deadline_scope: str = ""
    concern_clocks: list = field(default_factory=list)  # 舆情回应时限: concerns.selectors.ClockRow
    # 公众参与: messages to route or answer (participation.messages.InboxRow) and consultation feedback
    # reports due (participation.consultations.FeedbackDueRow: .title, .url, .deadline, .consultation).
    participation_messages: list = field(default_factory=list)
    consultation_feedback: list = field(default_factory=list)

    @property
    def participation(self) -> int:
        """How many 公众参与 rows the section lists (0: no section)."""
        return len(self.participation_messages) + len(self.consultation_feedback)

    @property
    def is_empty(self) -> bool:
        return not (
            self.review_tasks
            or self.my_drafts
            or self.to_publish
            or self.post_review
            or self.deadlines
            or self.concern_clocks
            or self.participation
        )


def org_items(user, organization) -> QuerySet[InformationItem]:
    """The organisation's items this person may see (`publishing.permissions.visible_items`)."""
    return permissions.visible_items(
        user, InformationItem.objects.filter(organization=organization)
    ).select_related(*ITEM_RELATED)


def pending_tasks_for(user, organization) -> list[ReviewTask]:
    """Review steps waiting for a decision that this person may take."""
    tasks = (
        ReviewTask.objects.filter(
            status=TaskStatus.PENDING,
            revision__status=RevisionStatus.IN_REVIEW,
            revision__item__organization=organization,
        )
        .select_related("revision", "revision__item", "revision__lead_department", "revision__submitted_by")
        .order_by("started_at", "pk")
    )
    return [
        t for t in tasks if t.round == t.revision.review_round and permissions.decide_failures(user, t) == []
    ]


def drafts_of(user, organization) -> list[InformationItem]:
    """Drafts this person wrote or submitted, including those returned to them with a reason."""
    return list(
        org_items(user, organization)
        .filter(latest_revision__status__in=[RevisionStatus.DRAFT, RevisionStatus.REJECTED])
        .filter(Q(latest_revision__created_by=user) | Q(latest_revision__submitted_by=user))
        .order_by("-latest_revision__updated_at", "-pk")
    )


def awaiting_publication(user, membership: Membership) -> list[InformationItem]:
    if not membership.has_role(Role.OFFICE_EDITOR):
        return []
    items = (
        org_items(user, membership.organization)
        .filter(latest_revision__status=RevisionStatus.APPROVED)
        .order_by("latest_revision__approved_at", "pk")
    )
    return [i for i in items if permissions.publish_failures(user, i) == []]


def awaiting_post_review(user, membership: Membership) -> list[InformationItem]:
    if not (membership.has_role(Role.OFFICE_EDITOR) or membership.has_role(Role.LEADER)):
        return []
    items = (
        org_items(user, membership.organization)
        .filter(fast_tracked=True, post_reviewed_at__isnull=True, status=ItemStatus.PUBLISHED)
        .select_related("fast_tracked_by")
        .order_by("post_review_due_at", "pk")
    )
    return [i for i in items if permissions.post_review_failures(user, i) == []]


def unpublished_with_deadlines(
    user, membership: Membership, *, today: datetime.date | None = None
) -> tuple[list[DeadlineRow], str]:
    """Items still to be published with their legal deadline, most urgent first.

    A department's people see their department's items; office editors (who publish and are warned
    about every deadline) see the whole organisation's.
    """
    items = (
        org_items(user, membership.organization)
        .filter(publication_due_on__isnull=False)
        .exclude(status=ItemStatus.WITHDRAWN)
        .exclude(latest_revision__status__in=[RevisionStatus.PUBLISHED, RevisionStatus.SUPERSEDED])
        .order_by("publication_due_on", "pk")
    )
    if membership.has_role(Role.OFFICE_EDITOR):
        scope = "本机构"
    elif membership.department_id:
        items = items.filter(latest_revision__lead_department_id=membership.department_id)
        scope = membership.department.name
    else:
        return [], ""
    today = today or timezone.localdate()
    calendar = WorkdayCalendar()
    rows = []
    for item in items:  # an item whose unpublished revision is hidden shows no deadline (deadline_info)
        info = deadline_info(item, today=today, calendar=calendar)
        if info is not None:
            rows.append(DeadlineRow(item, info))
    return rows, scope


# Notifications that ask for an action on an item; once nobody needs to take it they no longer look pending.
ACTION_KINDS = ("review.pending", "publish.ready", "post_review.pending", "post_review.overdue")


def notification_item_id(url: str) -> int | None:
    """The item a console notification points at (/console/items/<pk>/...), read with the URL resolver."""
    path = urlsplit(url or "").path
    if not path.startswith("/"):
        return None
    try:
        match = resolve(path)
    except Resolver404:
        return None
    if match.namespace != "console" or "pk" not in match.kwargs:
        return None
    return match.kwargs["pk"]


def notification_step(url: str) -> tuple[int, int] | None:
    """(round, step position) of a review notification's URL (?round=…&step=…), if it names them."""
    query = parse_qs(urlsplit(url or "").query)
    try:
        return int(query["round"][0]), int(query["step"][0])
    except (KeyError, ValueError, IndexError):
        return None


def _action_done(kind: str, item: InformationItem | None, url: str) -> bool:
    if item is None:  # the item is gone: nothing is left to do
        return True
    revision = item.latest_revision
    if kind == "review.pending":
        if not (revision is not None and revision.status == RevisionStatus.IN_REVIEW and item.pending_step):
            return True
        # Done once the step it announced has been decided, even while later steps are still pending.
        step = notification_step(url)
        return step is not None and step != (revision.review_round, item.pending_step)
    if kind == "publish.ready":
        return revision is None or revision.status != RevisionStatus.APPROVED
    if kind in ("post_review.pending", "post_review.overdue"):
        return item.post_reviewed_at is not None or item.status == ItemStatus.WITHDRAWN
    return False


def done_notification_ids(notifications) -> set[int]:
    """Of (pk, kind, url) rows or Notification objects, those whose action nobody needs to take any more:
    review.pending with no pending review step on the item, publish.ready whose latest revision is no longer
    approved, post_review.pending/.overdue already post-reviewed or withdrawn. One query, however many."""
    wanted = {}
    for n in notifications:
        pk, kind, url = (n.pk, n.kind, n.url) if isinstance(n, Notification) else n
        if kind in ACTION_KINDS:
            item_id = notification_item_id(url)
            if item_id is not None:
                wanted[pk] = (kind, item_id, url)
    if not wanted:
        return set()
    current_pending_step = ReviewTask.objects.filter(
        revision=OuterRef("latest_revision"),
        round=OuterRef("latest_revision__review_round"),
        status=TaskStatus.PENDING,
    )
    items = {
        item.pk: item
        for item in InformationItem.objects.filter(pk__in={i for _k, i, _u in wanted.values()})
        .select_related("latest_revision")
        .annotate(pending_step=Subquery(current_pending_step.values("position")[:1]))
        .only(
            "pk",
            "status",
            "post_reviewed_at",
            "latest_revision__status",
            "latest_revision__review_round",
        )
    }
    return {pk for pk, (kind, item_id, url) in wanted.items() if _action_done(kind, items.get(item_id), url)}


def _unread(user, organization):
    return Notification.objects.filter(recipient=user, organization=organization, read_at__isnull=True)


def unread_done_ids(user, organization, *, cache: bool = True) -> set[int]:
    """The person's unread notifications whose action is done (two queries, remembered for the request)."""
    key = getattr(organization, "pk", organization)
    cached = getattr(user, "_done_notification_ids", None)
    if cache and cached is not None and key in cached:
        return cached[key]
    done = done_notification_ids(
        _unread(user, organization).filter(kind__in=ACTION_KINDS).values_list("pk", "kind", "url")
    )
    if cache:
        if cached is None:
            cached = user._done_notification_ids = {}
        cached[key] = done
    return done


def unread_notifications(user, organization, limit: int = 20) -> list[Notification]:
    """The newest unread notifications that still ask for something (done ones are left out)."""
    done = unread_done_ids(user, organization)
    # At most len(done) of the newest rows are dropped, so this many always leaves `limit` if there are.
    rows = _unread(user, organization).order_by("-created_at", "-pk")[: limit + len(done)]
    return [n for n in rows if n.pk not in done][:limit]


def unread_count(user, organization) -> int:
    return _unread(user, organization).count() - len(unread_done_ids(user, organization))


def participation_for(membership: Membership, *, today: datetime.date | None = None) -> tuple[list, list]:
    """(messages to route or answer, consultation feedback reports due) for the inbox's 公众参与 section.

    The feedback part is read only if participation.consultations offers ``feedback_due_for`` (it is
    optional: the inbox works without it)."""
    from gongkai.participation import messages

    today = today or timezone.localdate()
    rows = messages.inbox_rows(membership, today=today)
    feedback = []
    try:
        from gongkai.participation import consultations
    except ImportError:
        consultations = None
    feedback_due_for = getattr(consultations, "feedback_due_for", None)
    if callable(feedback_due_for):
        feedback = list(feedback_due_for(membership, today))
    return rows, feedback


def inbox_for(user, membership: Membership, *, today: datetime.date | None = None) -> Inbox:
    from gongkai.concerns.selectors import open_clocks_for

    organization = membership.organization
    deadlines, scope = unpublished_with_deadlines(user, membership, today=today)
    participation_messages, consultation_feedback = participation_for(membership, today=today)
    return Inbox(
        review_tasks=pending_tasks_for(user, organization),
        my_drafts=drafts_of(user, organization),
        to_publish=awaiting_publication(user, membership),
        post_review=awaiting_post_review(user, membership),
        deadlines=deadlines,
        notifications=unread_notifications(user, organization),
        deadline_scope=scope,
        concern_clocks=open_clocks_for(membership),
        participation_messages=participation_messages,
        consultation_feedback=consultation_feedback,
    )


def search_items(
    user, organization, *, status: str = "", department=None, q: str = ""
) -> QuerySet[InformationItem]:
    """The item list: what this person may see, filtered on what they see of each item (the working
    revision where they may read it, else the live one)."""
    items = org_items(user, organization).order_by("-created_at", "-pk")
    shown = Q(drafts_visible=True)
    if status:
        items = items.filter(status=status)
    if department is not None:
        items = items.filter(
            Q(shown, latest_revision__lead_department=department)
            | Q(~shown, live_revision__lead_department=department)
        )
    q = (q or "").strip()
    if q:
        items = items.filter(
            Q(shown, latest_revision__title__icontains=q)
            | Q(live_revision__title__icontains=q)
            | Q(index_number__icontains=q)
            | Q(shown, latest_revision__document_number__icontains=q)
            | Q(live_revision__document_number__icontains=q)
        )
    return items


def tasks_by_revision(item) -> list[tuple]:
    """Every review round of every revision the person may see (an item from `visible_items`), newest
    revision first: [(revision, [(round, [tasks])])]."""
    tasks = (
        visible_tasks(item)
        .select_related("revision", "decided_by", "department")
        .order_by("-revision__number", "round", "position")
    )
    grouped: dict = {}
    revisions = {}
    for task in tasks:
        revisions[task.revision_id] = task.revision
        grouped.setdefault(task.revision_id, {}).setdefault(task.round, []).append(task)
    return [(revisions[rid], sorted(rounds.items())) for rid, rounds in grouped.items()]


def findings_for(revision) -> list[ReviewTask]:
    """Decisions already taken on this revision, in every round (opinions and rejection reasons)."""
    return list(
        revision.tasks.filter(status__in=[TaskStatus.APPROVED, TaskStatus.REJECTED])
        .select_related("decided_by")
        .order_by("round", "position")
    )
