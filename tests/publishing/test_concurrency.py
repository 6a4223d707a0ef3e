"""索引号 under concurrency: unique, gap-free serials however many publications run at once."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from gongkai.audit.selectors import events_for
from gongkai.audit.verify import verify_chain
from gongkai.orgs.models import User
from gongkai.publishing import services
from gongkai.publishing.constants import RevisionStatus
from gongkai.publishing.models import ApprovalForm, InformationItem, ReviewTask, Revision
from tests.factories import make_approved, make_draft, make_published, make_staff

ITEMS = 50
THREADS = 50  # every publication at once, each in its own connection


def _serial(index_number: str) -> int:
    return int(index_number.rsplit("-", 1)[1])


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_fifty_items_published_concurrently_get_fifty_distinct_gap_free_index_numbers():
    staff = make_staff()
    pks = [make_approved(staff, title=f"并发发布测试信息{n:02d}").pk for n in range(ITEMS)]
    batches = [pks[i::THREADS] for i in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def work(batch: list[int]) -> None:
        try:
            editor = User.objects.get(pk=staff.editor.pk)
            barrier.wait()
            for pk in batch:
                services.publish(user=editor, item=InformationItem.objects.get(pk=pk))
        except BaseException as exc:  # reported below; a thread's exception would otherwise be lost
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(batch,)) for batch in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    numbers = list(InformationItem.objects.filter(pk__in=pks).values_list("index_number", flat=True))
    assert len(numbers) == ITEMS
    assert len(set(numbers)) == ITEMS
    assert all(n.startswith(f"{staff.org.code}/2026-") for n in numbers)
    assert sorted(_serial(n) for n in numbers) == list(range(1, ITEMS + 1))
    archive = sorted(_serial(a) for a in ApprovalForm.objects.values_list("archive_number", flat=True))
    assert archive == list(range(1, ITEMS + 1))
    assert verify_chain() == []


def _race(first, second) -> tuple[str, str]:
    """Run `first` in a transaction that holds the item's row lock, start `second` (it waits for that
    lock), then commit `first`. Returns what happened to each: "ok", "refused" or the exception."""
    holding, release = threading.Event(), threading.Event()
    outcomes = {}

    def run(name, action, hold: bool) -> None:
        try:
            with transaction.atomic():
                action()
                if hold:
                    holding.set()
                    release.wait(timeout=10)
            outcomes[name] = "ok"
        except services.WorkflowError:
            outcomes[name] = "refused"
        except BaseException as exc:
            outcomes[name] = repr(exc)
        finally:
            holding.set()
            connection.close()

    a = threading.Thread(target=run, args=("first", first, True))
    a.start()
    assert holding.wait(timeout=10)
    b = threading.Thread(target=run, args=("second", second, False))
    b.start()
    time.sleep(1)  # `second` is now blocked on the row lock held by `first`
    release.set()
    a.join()
    b.join()
    return outcomes["first"], outcomes["second"]


def _as(user: User) -> User:
    return User.objects.get(pk=user.pk)  # a fresh instance per thread (membership cache)


def _item(item: InformationItem) -> InformationItem:
    return InformationItem.objects.get(pk=item.pk)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_an_item_published_by_two_editors_at_once_is_published_once():
    staff = make_staff()
    item = make_approved(staff)
    outcomes = _race(
        lambda: services.publish(user=_as(staff.editor), item=_item(item)),
        lambda: services.publish(user=_as(staff.editor2), item=_item(item)),
    )
    assert outcomes == ("ok", "refused")
    item.refresh_from_db()
    assert item.index_number == f"{staff.org.code}/2026-00001"
    assert item.live_revision.published_by_id == staff.editor.pk
    assert [e.action for e in events_for(item)].count("publishing.item.published") == 1
    assert verify_chain() == []


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_an_edit_waiting_for_a_submission_is_refused_and_does_not_reset_the_review():
    staff = make_staff()
    item = make_draft(staff)
    outcomes = _race(
        lambda: services.submit_for_review(user=_as(staff.drafter), item=_item(item)),
        lambda: services.update_draft(
            user=_as(staff.editor), item=_item(item), data={"summary": "提交后才改的概述。"}
        ),
    )
    assert outcomes == ("ok", "refused")
    revision = Revision.objects.get(pk=item.latest_revision_id)
    assert revision.status == RevisionStatus.IN_REVIEW
    assert revision.review_round == 1
    assert revision.summary != "提交后才改的概述。"


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_double_submission_is_refused_cleanly():
    staff = make_staff()
    item = make_draft(staff)
    outcomes = _race(
        lambda: services.submit_for_review(user=_as(staff.drafter), item=_item(item)),
        lambda: services.submit_for_review(user=_as(staff.editor), item=_item(item)),
    )
    assert outcomes == ("ok", "refused")
    assert ReviewTask.objects.filter(revision_id=item.latest_revision_id).count() == 4


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_fast_track_waiting_for_a_publication_is_refused():
    staff = make_staff()
    item = make_approved(staff)
    outcomes = _race(
        lambda: services.publish(user=_as(staff.editor2), item=_item(item)),
        lambda: services.fast_track_publish(user=_as(staff.editor), item=_item(item), reason="紧急"),
    )
    assert outcomes == ("ok", "refused")
    assert not InformationItem.objects.get(pk=item.pk).fast_tracked


@pytest.mark.django_db
def test_sequential_publications_never_share_an_index_number():
    staff = make_staff()
    numbers = [make_published(staff, title=f"信息{n}").index_number for n in range(5)]
    numbers.append(
        services.fast_track_publish(user=staff.editor, item=make_approved(staff), reason="紧急").index_number
    )
    assert len(set(numbers)) == len(numbers)
    assert [_serial(n) for n in numbers] == [1, 2, 3, 4, 5, 6]


@pytest.mark.django_db
def test_a_refused_publication_gives_its_serial_back():
    """The counter moves in the publishing transaction: a publication that fails leaves no gap."""
    staff = make_staff()
    first = make_published(staff)
    broken = make_approved(staff)
    staff.org.index_pattern = "{org_code}/{year}-{serial:05d}-{unknown}"
    staff.org.save()
    with pytest.raises(Exception):  # noqa: B017 - any failure; the point is what is left behind
        services.publish(user=staff.editor, item=InformationItem.objects.get(pk=broken.pk))
    staff.org.index_pattern = "{org_code}/{year}-{serial:05d}"
    staff.org.save()
    second = services.publish(user=staff.editor, item=InformationItem.objects.get(pk=broken.pk))
    assert [_serial(first.index_number), _serial(second.index_number)] == [1, 2]
