"""The snapshot is read as archived: dates in local time, missing keys tolerated."""

import pytest

from gongkai.publishing.models import ApprovalForm
from gongkai.reports.approval import format_day, format_moment, ledger_row, sheet_for, step_summary


def test_timestamps_are_shown_in_beijing_time_not_utc():
    # 21:35 UTC on the 25th is 05:35 on the 26th in Asia/Shanghai.
    assert format_moment("2026-11-25T21:35:00+00:00") == "2026年11月26日 05:35"
    assert format_day("2026-11-25T21:35:00+00:00") == "2026年11月26日"
    assert format_day("2026-11-20") == "2026年11月20日"
    assert format_day("") == format_day(None) == format_moment("garbage") == ""


def test_step_summary_for_the_ledger():
    step = {
        "name": "科室审核",
        "status": "同意",
        "decided_by": "张三",
        "decided_at": "2026-11-25T21:35:00+00:00",
    }
    assert step_summary(step) == "科室审核:张三 2026-11-26"
    assert step_summary({"name": "保密审查", "status": "已取消", "decided_by": ""}) == "保密审查:已取消"


@pytest.mark.django_db
def test_an_incomplete_snapshot_still_renders(staff, published):
    form = ApprovalForm.objects.get(revision=published.live_revision)
    form.data = {"title": "只有标题"}
    sheet = sheet_for(form)
    assert sheet.title == "只有标题"
    assert sheet.heading == "政府信息公开审批表"
    assert sheet.steps == [] and sheet.fast_track is None
    row = ledger_row(form.revision_id, form.archive_number, form.data)
    assert row.reviews == "" and row.published_at is None and not row.fast_track
