import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongkai.audit import services
from gongkai.audit.models import AuditChainHead, AuditEvent
from gongkai.audit.verify import verify_chain

from .conftest import drop_triggers, forge, raw


def kinds(problems):
    return [(p.seq, p.kind) for p in problems]


def test_intact_chain(chain):
    assert verify_chain() == []


def test_empty_log(db):
    assert verify_chain() == []


def test_changed_event_is_detected(chain):
    drop_triggers()
    raw("UPDATE audit_auditevent SET object_repr = %s WHERE seq = 3", ["伪造"])
    problems = verify_chain()
    assert kinds(problems) == [(3, "changed")]
    assert "第 3 条" in problems[0].message


def test_changed_and_rehashed_event_breaks_the_link(chain):
    drop_triggers()
    event = AuditEvent.objects.get(seq=3)
    event.object_repr = "伪造"
    from gongkai.audit.hashing import compute_hash

    raw(
        "UPDATE audit_auditevent SET object_repr = %s, hash = %s WHERE seq = 3", ["伪造", compute_hash(event)]
    )
    assert kinds(verify_chain()) == [(4, "inserted")]


def test_forged_event_appended_behind_the_service_is_detected(chain):
    last = chain[-1]
    forge(
        seq=6,
        created_at=last.created_at,
        action="audit.verified",
        data={"n": 6},
        prev_hash=last.hash,
    )
    problems = verify_chain()
    assert kinds(problems) == [(6, "inserted")]
    assert "伪造" in problems[0].message


def test_forged_event_replacing_a_middle_one_is_detected(chain):
    drop_triggers()
    raw("DELETE FROM audit_auditevent WHERE seq = 3")
    forge(
        seq=3,
        created_at=chain[2].created_at,
        action="audit.verified",
        data={"n": 99},
        prev_hash=chain[1].hash,
    )
    assert kinds(verify_chain()) == [(4, "inserted")]


def test_deleted_middle_event_is_detected(chain):
    drop_triggers()
    raw("DELETE FROM audit_auditevent WHERE seq = 3")
    problems = verify_chain()
    assert kinds(problems) == [(3, "deleted")]
    assert "第 3 条事件缺失" in problems[0].message


def test_deleted_newest_events_are_detected(chain):
    drop_triggers()
    raw("DELETE FROM audit_auditevent WHERE seq >= 4")
    problems = verify_chain()
    assert kinds(problems) == [(4, "deleted")]
    assert "第 4 至 5 条" in problems[0].message


def test_deletion_stays_visible_after_further_appends(chain):
    drop_triggers()
    raw("DELETE FROM audit_auditevent WHERE seq = 5")
    assert services.record(action="audit.verified").seq == 6
    assert kinds(verify_chain()) == [(5, "deleted")]


def test_tampered_head_is_detected(chain):
    AuditChainHead.objects.filter(pk=1).update(last_hash="f" * 64)
    assert kinds(verify_chain()) == [(5, "head_mismatch")]


def test_deleted_head_is_detected(chain):
    AuditChainHead.objects.all()._raw_delete("default")
    assert kinds(verify_chain()) == [(None, "head_mismatch")]


def test_verification_writes_nothing(chain):
    with CaptureQueriesContext(connection) as ctx:
        verify_chain()
    statements = [re.sub(r"^DECLARE .*? FOR ", "", q["sql"].lstrip()) for q in ctx.captured_queries]
    assert statements
    assert all(sql.upper().startswith("SELECT") for sql in statements), statements


def test_verify_audit_command_succeeds(chain):
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert out.getvalue().strip() == "审计日志完整:共 5 条事件,哈希链校验通过。"
    assert AuditEvent.objects.count() == 5


def test_verify_audit_command_fails_with_status_1(chain):
    drop_triggers()
    raw("DELETE FROM audit_auditevent WHERE seq = 2")
    raw("UPDATE audit_auditevent SET action = %s WHERE seq = 4", ["audit.forged"])
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("verify_audit", stdout=out, stderr=err)
    assert excinfo.value.returncode == 1
    assert "2 个问题" in str(excinfo.value)
    assert "第 2 条事件缺失" in out.getvalue()
    assert "第 4 条事件的内容与其哈希不符" in out.getvalue()
    assert "触发器" in err.getvalue()  # the dropped triggers are reported too
