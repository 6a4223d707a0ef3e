"""The process the crash tests kill: publishing, 舆情 ingest and 舆情 notifications run for real against a
database of their own (GONGKAI_DATABASE_URL), plus the state check the tests assert on.

    python -m tests.reliability.driver seed                  # staff, approved items, a source and its rule
    python -m tests.reliability.driver publish [--pause P]   # publish every approved item, one by one
    python -m tests.reliability.driver poll [--pause P] [--due]  # what `gongkai poll` does: poll_due()
    python -m tests.reliability.driver worker-poll [--pause P]  # the worker's polling task (huey lock)
    python -m tests.reliability.driver repair                # the worker's search-index repair job
    python -m tests.reliability.driver announce --robot URL [--pause P]  # notify.announce() in a change
    python -m tests.reliability.driver deliver [--due]       # the worker's outbox job (e-mails, robots)
    python -m tests.reliability.driver state                 # the consistency report only

Commands can follow each other (``publish repair``). The run first prints ``STATE <json>``, the state it
finds (so the state a killed run left is seen before anything is redone), and ``STATE <json>`` again
after each command. ``--pause in-transaction`` or ``--pause after-commit`` makes the job print
``PAUSED`` at that point and wait for a line on stdin (the test kills it, or stops the database,
meanwhile): the pause is put in by wrapping the product's functions in this test process, never in the
product's code. With ``--retry`` a failed job prints ``FAILED``, waits for a line, drops broken
connections as the worker does before each task, and runs again.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongkai.config.test_settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from gongkai.audit.models import AuditEvent  # noqa: E402
from gongkai.audit.verify import verify_chain  # noqa: E402
from gongkai.concerns.models import (  # noqa: E402
    Case,
    Mention,
    MonitoringRule,
    OutboundMessage,
    SeenEntry,
    Source,
)
from gongkai.console.models import Notification  # noqa: E402
from gongkai.orgs.models import Organization  # noqa: E402
from gongkai.publishing.constants import ItemStatus, RevisionStatus  # noqa: E402
from gongkai.publishing.models import ApprovalForm, Counter, InformationItem  # noqa: E402
from gongkai.search import query  # noqa: E402
from gongkai.search.models import SearchEntry  # noqa: E402

ITEMS = 8  # approved, never published
REVISED = 2  # published, with an approved new revision waiting
RULE_TERM = "景区"
FEED = "big.xml"  # under GONGKAI_CONCERN_LOCAL_ROOT
ANNOUNCED = "concerns.crash_test"  # the kind of the driver's announcement (no product code uses it)
ANNOUNCE_ADDRESS = "office@example.cn"  # the policy's notification address

# E-mails go to files (one per message) under the job's var folder, where the test counts them; group
# robots are the test's local HTTP server on 127.0.0.1.
MAILBOX = settings.VAR_DIR / "mail"
settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
settings.EMAIL_FILE_PATH = str(MAILBOX)
settings.GONGKAI_FETCH_ALLOW_PRIVATE = True


def out(tag: str, value=None) -> None:
    sys.stdout.write(tag + ("" if value is None else " " + json.dumps(value, ensure_ascii=False)) + "\n")
    sys.stdout.flush()


_paused = False


def pause() -> None:
    """The first time: say so and wait for a line on stdin (the test kills the process, or stops the
    database, meanwhile). A job run again in the same process (--retry) does not pause."""
    global _paused
    if _paused:
        return
    _paused = True
    out("PAUSED")
    if not sys.stdin.readline():
        raise SystemExit("stdin closed while paused")


# --- seed ---------------------------------------------------------------------------------------------


def seed() -> None:
    from gongkai.publishing import services
    from tests.factories import make_approved, make_published, make_staff, review_through

    staff = make_staff()
    for n in range(1, ITEMS + 1):
        make_approved(staff, title=f"关于第{n}号文化惠民项目的通知")
    for n in range(1, REVISED + 1):
        item = make_published(staff, title=f"关于第{n}号景区开放时间的公告")
        services.start_revision(user=staff.drafter, item=item)
        item = InformationItem.objects.get(pk=item.pk)
        services.update_draft(
            user=staff.drafter,
            item=item,
            data={"title": f"关于第{n}号景区开放时间调整的公告"},
        )
        services.submit_for_review(user=staff.drafter, item=InformationItem.objects.get(pk=item.pk))
        review_through(staff, InformationItem.objects.get(pk=item.pk))
    MonitoringRule.objects.create(organization=staff.org, name="景区", terms=RULE_TERM)
    Source.objects.create(
        organization=staff.org,
        name="本地回放",
        kind="local",
        url=FEED,
        next_poll_at=timezone.now() - datetime.timedelta(minutes=1),
    )
    out("SEEDED", {"organization": staff.org.pk})


# --- the state ----------------------------------------------------------------------------------------


def publishing_state(org: Organization) -> dict:
    problems: list[str] = []
    published_events: dict[tuple[str, int], int] = {}
    for object_id, data in AuditEvent.objects.filter(action="publishing.item.published").values_list(
        "object_id", "data"
    ):
        key = (object_id, data["revision"])
        published_events[key] = published_events.get(key, 0) + 1
    items = InformationItem.objects.filter(organization=org).select_related(
        "live_revision", "latest_revision"
    )
    published, waiting, live_revisions = [], [], {}
    for item in items.order_by("pk"):
        if item.status == ItemStatus.PUBLISHED:
            published.append(item.pk)
            live = item.live_revision
            live_revisions[item.pk] = live.number if live else None
            if live is None or not item.index_number or item.published_at is None:
                problems.append(f"item {item.pk}: published without live revision, index number or time")
        else:
            waiting.append(item.pk)
            if item.status != ItemStatus.APPROVED:
                problems.append(f"item {item.pk}: status {item.status}")
            if item.index_number or item.live_revision_id:
                problems.append(f"item {item.pk}: not published but has an index number or live revision")
        for revision in item.revisions.all():
            events = published_events.get((str(item.pk), revision.number), 0)
            has_form = ApprovalForm.objects.filter(revision=revision).exists()
            if revision.status in (RevisionStatus.PUBLISHED, RevisionStatus.SUPERSEDED):
                if events != 1 or not has_form or revision.published_at is None:
                    problems.append(
                        f"item {item.pk} r{revision.number} {revision.status}: {events} audit events, "
                        f"approval form {has_form}, published_at {revision.published_at}"
                    )
                if revision.status == RevisionStatus.PUBLISHED and item.live_revision_id != revision.pk:
                    problems.append(f"item {item.pk} r{revision.number}: published but not live")
            elif events or has_form:
                problems.append(f"item {item.pk} r{revision.number} {revision.status}: {events} events, form")
    numbers = [n for n in items.values_list("index_number", flat=True) if n]
    if len(set(numbers)) != len(numbers):
        problems.append(f"duplicate index numbers {sorted(numbers)}")
    counters: dict[str, int] = {}
    for key, value in Counter.objects.filter(organization=org).values_list("key", "value"):
        counters[key] = counters.get(key, 0) + value  # summed over the years
    forms = ApprovalForm.objects.filter(organization=org).count()
    if counters.get("index", 0) != len(numbers):
        problems.append(f"index counter {counters.get('index')} but {len(numbers)} numbers (a gap)")
    if counters.get("approval", 0) != forms:
        problems.append(f"approval counter {counters.get('approval')} but {forms} forms (a gap)")
    # The search index is derived: reported, not counted among the problems of the transaction.
    indexed = dict(SearchEntry.objects.filter(organization_id=org.pk).values_list("item_id", "published_at"))
    expected = dict(items.filter(status=ItemStatus.PUBLISHED).values_list("pk", "published_at"))
    found = set(items.filter(pk__in=query.matching(["调整"])).values_list("pk", flat=True))  # revised titles
    return {
        "problems": problems,
        "published": published,
        "waiting": waiting,
        "live_revisions": live_revisions,
        "index_numbers": sorted(numbers),
        "index_counter": counters.get("index", 0),
        "published_events": sum(published_events.values()),
        "search_missing": sorted(set(expected) - set(indexed)),
        "search_stale": sorted(pk for pk in set(expected) & set(indexed) if expected[pk] != indexed[pk]),
        "search_extra": sorted(set(indexed) - set(expected)),
        "search_finds_revised": sorted(found),
        "revised_live": sorted(pk for pk, number in live_revisions.items() if number == 2),
    }


def concerns_state(org: Organization) -> dict:
    problems: list[str] = []
    source = Source.objects.get(organization=org)
    seen = SeenEntry.objects.filter(source=source).count()
    mentions = Mention.objects.filter(source=source)
    count = mentions.count()
    loose = mentions.filter(case__isnull=True, duplicate_of__isnull=True).count()
    cases = Case.objects.filter(organization=org).count()
    polled = list(
        AuditEvent.objects.filter(action="concerns.source_polled", object_id=str(source.pk)).values_list(
            "data", flat=True
        )
    )
    ingested = list(
        AuditEvent.objects.filter(action="concerns.mentions_ingested", object_id=str(source.pk)).values_list(
            "data", flat=True
        )
    )
    new_total = sum(data["new"] for data in polled)
    created_total = sum(data["created"] for data in ingested)
    if seen != new_total:
        problems.append(f"{seen} entries seen but the audit says {new_total} new")
    if count != created_total:
        problems.append(f"{count} mentions but the audit says {created_total} created")
    if loose:
        problems.append(f"{loose} mentions in no case")
    if count and not cases:
        problems.append("mentions without cases")
    if count > seen:
        problems.append(f"{count} mentions from {seen} entries")
    if seen and source.last_success_at is None:
        problems.append("entries seen but the source's success was not recorded")
    if len(set(mentions.values_list("url_key", flat=True))) != count:
        problems.append("a mention stored twice")
    return {
        "problems": problems,
        "seen": seen,
        "mentions": count,
        "cases": cases,
        "polls": len(polled),
        "batches": len(ingested),
        "failures": source.consecutive_failures,
        "last_success": source.last_success_at is not None,
    }


def outbox_state(org: Organization) -> dict:
    """The announcement's console notifications and its outbox rows exist together or not at all; what
    left is counted where it arrived (mail files, the test's robot server)."""
    problems: list[str] = []
    notifications = Notification.objects.filter(organization=org, kind=ANNOUNCED).count()
    messages = OutboundMessage.objects.filter(organization=org)
    count = messages.count()
    if bool(notifications) != bool(count):
        problems.append(f"{notifications} console notifications but {count} outbox messages")
    return {
        "problems": problems,
        "notifications": notifications,
        "messages": count,
        "unsent": messages.filter(sent_at__isnull=True).count(),
        "attempts": sum(messages.values_list("attempts", flat=True)),
        "mails": len(list(MAILBOX.glob("*.log"))) if MAILBOX.exists() else 0,
    }


def state() -> dict:
    org = Organization.objects.order_by("pk").last()
    chain = [str(p) for p in verify_chain()]
    return {
        "publishing": publishing_state(org),
        "concerns": concerns_state(org),
        "outbox": outbox_state(org),
        "audit_chain": chain,
        "audit_events": AuditEvent.objects.count(),
    }


# --- jobs ---------------------------------------------------------------------------------------------


def publish(point: str | None) -> None:
    from gongkai.publishing import approval_forms, services
    from gongkai.search import index

    org = Organization.objects.order_by("pk").last()
    editor = next(
        m.user for m in services.members_of(org.pk) if m.has_role("office_editor") and m.can_fast_track
    )
    if point == "in-transaction":
        original_form = approval_forms.build_approval_form

        def form_then_pause(item, revision, **kwargs):
            form = original_form(item, revision, **kwargs)
            assert transaction.get_connection().in_atomic_block
            pause()  # the index number, the revision, the item and the form are written, not committed
            return form

        services.build_approval_form = form_then_pause
    elif point == "after-commit":
        original_update = index.update_items

        def pause_before_indexing(item_ids):
            assert not transaction.get_connection().in_atomic_block
            pause()  # the publication is committed; its after-commit work has not run
            original_update(item_ids)

        index.update_items = pause_before_indexing
    # Newest first: the revised items (a new revision replacing a live one) come first.
    for item in InformationItem.objects.filter(organization=org).order_by("-pk"):
        if item.latest_revision.status != RevisionStatus.APPROVED:
            continue
        services.publish(user=editor, item=item)
        out("PUBLISHED", item.pk)


def poll(point: str | None, due: bool = False, run: bool = True) -> None:
    """`gongkai poll`: poll_due(), with the pause put in if asked (run=False: only put it in)."""
    from gongkai.concerns import pipeline, polling

    if due:  # the same job again, whatever the schedule says
        Source.objects.update(next_poll_at=timezone.now() - datetime.timedelta(minutes=1))

    if point == "in-transaction":
        original_ingest = pipeline.ingest

        def ingest_then_pause(*args, **kwargs):
            result = original_ingest(*args, **kwargs)
            assert transaction.get_connection().in_atomic_block
            pause()  # entries seen, mentions and cases stored; the source and the audit not yet
            return result

        pipeline.ingest = ingest_then_pause
    elif point == "after-commit":
        original_record = polling._record

        def record_then_pause(*args, **kwargs):
            original_record(*args, **kwargs)
            assert not transaction.get_connection().in_atomic_block
            pause()

        polling._record = record_then_pause
    if not run:
        return
    for outcome in polling.poll_due():
        out("POLLED", {"new": outcome.new, "created": outcome.created, "error": outcome.error})


def worker_poll(point: str | None, due: bool = False) -> None:
    """The worker's periodic polling task itself (with its huey lock), run in this process."""
    from gongkai.concerns.tasks import concerns_poll

    poll(point, due=due, run=False)
    out("POLLED", {"sources": concerns_poll.call_local()})


def announce(point: str | None, robot: str) -> None:
    """A change that announces (as the 舆情 services do): to the office by console and the policy's
    address, and to the organisation's robot at `robot`."""
    from gongkai.concerns import notify
    from gongkai.concerns.models import Policy, Webhook
    from gongkai.publishing import services

    org = Organization.objects.order_by("pk").last()
    Policy.objects.update_or_create(organization=org, defaults={"notify_emails": ANNOUNCE_ADDRESS})
    Webhook.objects.get_or_create(organization=org, url=robot, defaults={"name": "值班群", "kind": "wecom"})
    office = [m.user for m in services.members_of(org.pk) if m.has_role("office_editor")]

    if point == "in-transaction":
        original_save = notify._save

        def save_then_pause(messages):
            saved = original_save(messages)
            assert transaction.get_connection().in_atomic_block
            pause()  # the console notifications and the outbox rows are written, not committed
            return saved

        notify._save = save_then_pause
    elif point == "after-commit":
        original_enqueue = notify.enqueue

        def pause_before_enqueueing(queued):
            assert not transaction.get_connection().in_atomic_block
            pause()  # the change is committed; the tasks that send its messages are not queued
            original_enqueue(queued)

        notify.enqueue = pause_before_enqueueing
    with transaction.atomic():
        notify.announce(
            org,
            kind=ANNOUNCED,
            title="舆情突增预警:60 分钟内 40 条",
            text="最近 60 分钟收录相关信息 40 条。请及时研判。",
            url="/console/concerns/cases/",
            recipients=office,
            urgent=True,
        )
    out("ANNOUNCED")


def deliver(due: bool = False) -> None:
    """The worker's outbox job (`due`: as if its 2 minutes' grace had passed, the way a restarted worker
    finds them)."""
    from django.db.models import F

    from gongkai.concerns.tasks import concerns_outbox

    if due:
        OutboundMessage.objects.update(created_at=F("created_at") - datetime.timedelta(minutes=3))
    out("DELIVERED", concerns_outbox.call_local())


def repair() -> None:
    from gongkai.search.tasks import repair_search_index

    out("REPAIRED", repair_search_index.call_local())


def run(command: str, args) -> None:
    if command == "publish":
        publish(args.pause)
    elif command == "poll":
        poll(args.pause, due=args.due)
    elif command == "worker-poll":
        worker_poll(args.pause, due=args.due)
    elif command == "repair":
        repair()
    elif command == "announce":
        announce(args.pause, args.robot)
    elif command == "deliver":
        deliver(due=args.due)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "commands",
        nargs="+",
        choices=["seed", "publish", "poll", "worker-poll", "repair", "announce", "deliver", "state"],
    )
    parser.add_argument("--pause", choices=["in-transaction", "after-commit"])
    parser.add_argument(
        "--due", action="store_true", help="poll: make every source due first; deliver: every message"
    )
    parser.add_argument("--robot", default="", help="announce: the group robot's URL")
    parser.add_argument(
        "--retry",
        action="store_true",
        help="after a failure, wait for a line on stdin and run the job again in this process (a worker)",
    )
    args = parser.parse_args()
    if args.commands == ["seed"]:
        seed()
        return
    out("STATE", state())
    for command in args.commands:
        if command == "state":
            continue
        try:
            run(command, args)
        except Exception as exc:
            if not args.retry:
                raise
            out("FAILED", f"{type(exc).__name__}: {exc}"[:300])
            sys.stdin.readline()
            # What the worker does around each task (huey's db_task): drop connections that broke.
            from django.db import close_old_connections

            close_old_connections()
            out("STATE", state())
            run(command, args)
        out("STATE", state())
    out("DONE")


if __name__ == "__main__":
    main()
