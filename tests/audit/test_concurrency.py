import threading

import pytest
from django.db import connection

from gongkai.audit import services
from gongkai.audit.models import AuditChainHead, AuditEvent
from gongkai.audit.verify import verify_chain

THREADS = 8
EVENTS_PER_THREAD = 25


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_one_unbroken_chain():
    barrier = threading.Barrier(THREADS)
    errors = []

    def work(worker: int) -> None:
        try:
            barrier.wait()
            for n in range(EVENTS_PER_THREAD):
                services.record(action="audit.verified", data={"worker": worker, "n": n})
        except Exception as exc:  # reported below; a thread's exception would otherwise be lost
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    total = THREADS * EVENTS_PER_THREAD
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == list(range(1, total + 1))
    assert AuditChainHead.objects.get().last_seq == total
    assert verify_chain() == []


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_first_concurrent_appends_to_an_empty_log_make_one_chain():
    """After a flush there is no head row: concurrent first appends must not take one another's head for a
    deleted one (the head is created before events are looked for; a concurrent creation waits and fails)."""
    from django.core.management import call_command

    def work(worker: int, barrier, errors) -> None:
        try:
            barrier.wait()
            services.record(action="audit.verified", data={"worker": worker})
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    for _attempt in range(5):
        call_command("flush", interactive=False, verbosity=0)  # the state a flushed database is in
        assert not AuditChainHead.objects.exists() and not AuditEvent.objects.exists()
        barrier, errors = threading.Barrier(THREADS), []
        threads = [threading.Thread(target=work, args=(i, barrier, errors)) for i in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert AuditChainHead.objects.get().last_seq == THREADS
        assert verify_chain() == []
