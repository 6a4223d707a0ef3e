"""Static export of the public item pages (portal/export.py): what nginx serves before the application."""

import datetime
import os
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from gongkai.portal import export
from gongkai.portal.links import item_url
from gongkai.portal.tasks import export_site_daily
from gongkai.publishing import services
from gongkai.publishing.models import InformationItem
from tests.factories import make_draft, make_published
from tests.portal.builders import SHANGHAI

pytestmark = pytest.mark.django_db

DOMAIN = "wlj.sxjz.gov.cn"  # the staff fixture's site domain


@pytest.fixture
def answering_domain(settings):
    """The deployment answers to the organisation's domain: the export renders for that host."""
    settings.ALLOWED_HOSTS = [DOMAIN, "testserver"]


def exported(root, item):
    return root / "xxgk" / "items" / item.index_number / "index.html"


def files_under(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_export_writes_each_published_page_exactly_as_the_live_view_serves_it(
    client, staff, answering_domain, tmp_path
):
    first = make_published(staff)
    second = make_published(staff, title="关于公布2026年度市级非遗代表性项目名录的通知")
    make_draft(staff, title="尚未公开的草稿")
    live = client.get(item_url(first), HTTP_HOST=DOMAIN)  # a reader: counted, the page shows 浏览次数:1
    assert live.status_code == 200 and "浏览次数:1" in live.content.decode()

    report = export.export_site(tmp_path)

    assert (report.written, report.removed, report.refused) == (2, 0, [])
    assert exported(tmp_path, first).read_bytes() == live.content
    assert f'href="http://{DOMAIN}{item_url(first)}"' in live.content.decode()  # canonical URL
    # Index numbers contain "/": the file sits at the undecoded index number, where nginx looks.
    assert files_under(tmp_path) == sorted(
        f"xxgk/items/{item.index_number}/index.html" for item in (first, second)
    )
    assert "关于公布2026年度市级非遗代表性项目名录的通知" in exported(tmp_path, second).read_text()


def test_the_export_is_not_counted_as_a_view(staff, tmp_path):
    item = make_published(staff)
    export.export_site(tmp_path)
    export.export_site(tmp_path)
    assert InformationItem.objects.get(pk=item.pk).view_count == 0
    assert "浏览次数:0" in exported(tmp_path, item).read_text()


def test_exported_files_are_readable_by_the_web_server_and_no_temporary_file_is_left(staff, tmp_path):
    item = make_published(staff)
    export.export_site(tmp_path)
    assert os.stat(exported(tmp_path, item)).st_mode & 0o777 == 0o644
    assert [p.name for p in exported(tmp_path, item).parent.iterdir()] == ["index.html"]


def test_withdrawing_removes_the_exported_page(
    client, staff, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.EXPORT_DIR = str(tmp_path)
    item = make_published(staff)
    export.export_site(tmp_path)
    assert exported(tmp_path, item).exists()

    with django_capture_on_commit_callbacks(execute=True):
        services.withdraw(user=staff.editor, item=item, reason="该通知内容有误,已撤回。")

    assert not exported(tmp_path, item).exists()
    assert client.get(item_url(item)).status_code == 410  # what nginx falls back to


def test_a_full_export_removes_pages_withdrawn_while_the_export_was_off(staff, tmp_path):
    kept, withdrawn = make_published(staff), make_published(staff)
    export.export_site(tmp_path)
    services.withdraw(
        user=staff.editor, item=withdrawn, reason="已撤回。"
    )  # EXPORT_DIR unset: no receiver work

    assert exported(tmp_path, withdrawn).exists()
    report = export.export_site(tmp_path)
    assert (report.written, report.removed) == (1, 1)
    assert exported(tmp_path, kept).exists() and not exported(tmp_path, withdrawn).exists()


def test_publishing_writes_the_page_only_after_commit_when_the_export_is_on(
    staff, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.EXPORT_DIR = str(tmp_path / "site")
    with django_capture_on_commit_callbacks() as callbacks:
        item = make_published(staff)
        assert not (tmp_path / "site").exists()  # nothing before the transaction commits
    for callback in callbacks:
        callback()
    assert "关于举办2026年晋中市非遗展演活动的通知" in exported(tmp_path / "site", item).read_text()


def test_publishing_exports_nothing_when_the_export_is_off(
    staff, settings, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    settings.EXPORT_DIR = None
    monkeypatch.chdir(tmp_path)  # a relative-path mistake would show up here
    rendered = []
    monkeypatch.setattr(export.Exporter, "render", lambda self, *args: rendered.append(args))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        make_published(staff)
    assert callbacks  # the signal was sent ...
    assert rendered == [] and files_under(tmp_path) == []  # ... and nothing was rendered or written


def test_a_new_revision_going_live_rewrites_the_page(
    staff, settings, tmp_path, django_capture_on_commit_callbacks
):
    from tests.portal.builders import publish_new_revision

    settings.EXPORT_DIR = str(tmp_path)
    with django_capture_on_commit_callbacks(execute=True):
        item = make_published(staff)
        item = publish_new_revision(staff, item, title="关于调整非遗展演活动时间的通知")
    html = exported(tmp_path, item).read_text()
    assert "关于调整非遗展演活动时间的通知" in html and "关于举办2026年晋中市非遗展演活动的通知" not in html


def test_withdrawing_a_replacement_rewrites_the_pages_that_link_to_it(
    staff, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.EXPORT_DIR = str(tmp_path)
    old = make_published(staff)
    new = make_published(staff, title="关于举办2027年非遗展演活动的通知")
    services.abolish(user=staff.editor, item=old, abolished_on=timezone.localdate(), replaced_by=new)
    export.export_site(tmp_path)
    assert "替代文件" in exported(tmp_path, old).read_text()

    with django_capture_on_commit_callbacks(execute=True):
        services.withdraw(user=staff.editor, item=new, reason="已撤回。")

    assert "替代文件" not in exported(tmp_path, old).read_text()


@pytest.mark.parametrize(
    "index_number",
    [
        "../../outside/2026-00001",
        "ORG/../../../outside",
        "/outside/2026-00001",
        "ORG//2026-00001",
        "ORG/./2026-00001",
        "ORG/..",
        "..",
        ".hidden/2026-00001",
        "ORG\\..\\..\\outside",
        "ORG/index.html",
    ],
)
def test_index_numbers_cannot_lead_the_export_out_of_its_directory(staff, tmp_path, index_number):
    root = tmp_path / "site"
    item = make_published(staff)
    InformationItem.objects.filter(pk=item.pk).update(index_number=index_number)

    with pytest.raises(export.UnsafeIndexNumber):
        export.page_path(root, index_number)
    report = export.export_site(root)

    assert report.refused == [index_number] and report.written == 0
    assert files_under(tmp_path) == []
    assert export.refresh_item(root, item.pk) == {index_number: "refused"}
    assert files_under(tmp_path) == []


def test_a_symbolic_link_inside_the_export_is_not_followed(staff, tmp_path):
    root, outside = tmp_path / "site", tmp_path / "outside"
    outside.mkdir()
    item = make_published(staff)
    org_dir = root / "xxgk" / "items" / item.index_number.split("/")[0]
    org_dir.parent.mkdir(parents=True)
    org_dir.symlink_to(outside, target_is_directory=True)

    assert export.export_site(root).refused == [item.index_number]
    assert list(outside.iterdir()) == []


def test_the_command_exports_into_the_given_directory(staff, tmp_path):
    item = make_published(staff)
    out = StringIO()
    call_command("export_site", str(tmp_path), stdout=out)
    assert "已导出 1 个信息页面" in out.getvalue()
    assert exported(tmp_path, item).exists()


def test_the_daily_job_turns_an_exported_page_abolished_when_its_date_passes(staff, settings, tmp_path):
    settings.EXPORT_DIR = str(tmp_path)
    with time_machine.travel(datetime.datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI), tick=False):
        item = make_published(staff)
        services.abolish(user=staff.editor, item=item, abolished_on=datetime.date(2026, 12, 1))
        export_site_daily.call_local()
    assert "有效</strong>" in exported(tmp_path, item).read_text()

    with time_machine.travel(datetime.datetime(2026, 12, 1, 0, 5, tzinfo=SHANGHAI), tick=False):
        assert export_site_daily.call_local() == {"written": 1, "removed": 0, "refused": 0}
    assert "已废止</strong>" in exported(tmp_path, item).read_text()


def test_the_daily_job_does_nothing_when_the_export_is_off(staff, settings, tmp_path, monkeypatch):
    settings.EXPORT_DIR = None
    make_published(staff)
    monkeypatch.chdir(tmp_path)
    assert export_site_daily.call_local() is None
    assert files_under(tmp_path) == []


def test_the_daily_job_runs_just_after_midnight_in_the_sites_time_zone():
    from huey.contrib.djhuey import HUEY

    def scheduled_at(moment):  # what huey's scheduler enqueues at that moment (on its clock)
        return any(isinstance(task, export_site_daily.task_class) for task in HUEY.read_periodic(moment))

    # Asia/Shanghai midnight: 00:05 on huey's clock in local time, 16:05 if it ran in UTC.
    hour = 16 if HUEY.utc else 0
    assert [h for h in range(24) if scheduled_at(datetime.datetime(2026, 11, 26, h, 5))] == [hour]
    assert not scheduled_at(datetime.datetime(2026, 11, 26, hour, 0))
