"""Expression dictionaries (issue 4 item 1): global and per organisation, versioned, edited in the console,
Excel import/export; a change schedules the patrol and is audited."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from gongkai.audit.models import AuditEvent
from gongkai.publishing.exceptions import WorkflowError
from gongkai.review import excel
from gongkai.review import services as review
from gongkai.review.models import Dictionary, DictionaryVersion, Term
from tests.factories import make_staff
from tests.review.factories import make_dictionary


@pytest.fixture
def staff(db):
    return make_staff()


@pytest.fixture
def dictionary(staff):
    return make_dictionary(staff.org, name="本局词库")


def term(text, category="typo", severity="warning", suggestion="正确"):
    return {"text": text, "category": category, "severity": severity, "suggestion": suggestion}


def test_every_change_makes_a_new_version_with_who_and_what(
    staff, dictionary, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        saved = review.save_term(
            user=staff.editor, dictionary=dictionary, data=term("布署", suggestion="部署")
        )
    assert len(callbacks) == 1  # the patrol, after commit
    review.save_term(
        user=staff.editor, dictionary=dictionary, data=term("布署", suggestion="部署。"), term=saved
    )
    review.delete_term(user=staff.secrecy, term=Term.objects.get(pk=saved.pk))
    dictionary.refresh_from_db()
    assert dictionary.version == 4  # 1 at creation (fixture) + 3 changes
    versions = list(DictionaryVersion.objects.filter(dictionary=dictionary).order_by("version"))
    assert [v.summary for v in versions] == ["新增“布署”", "修改“布署”", "删除“布署”"]
    assert versions[-1].changed_by == staff.secrecy
    assert AuditEvent.objects.filter(action="review.dictionary.changed").count() == 3


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (term(""), "词语不能为空。"),
        (term("字"), "词语至少两个字(单字误报太多)。"),
        (term("错别", suggestion=""), "错误表述、过期表述和错别字须填写正确表述。"),
        (term("词语", category="bogus"), "类别只能是"),
        (term("词语", severity="high"), "级别只能是"),
        (term("相同", suggestion="相同"), "正确表述不能与词语相同。"),
        (term("很" * 101), "词语不能超过100个字。"),
    ],
)
def test_bad_terms_are_refused_with_the_reason(staff, dictionary, data, message):
    with pytest.raises(WorkflowError) as refused:
        review.save_term(user=staff.editor, dictionary=dictionary, data=data)
    assert any(message in reason for reason in refused.value.reasons)
    assert not dictionary.terms.exists()


def test_who_may_edit(staff, dictionary):
    global_dictionary = make_dictionary(None, name="全局")
    for person in (staff.drafter, staff.head, staff.leader, staff.system_admin):
        with pytest.raises(WorkflowError):
            review.save_term(user=person, dictionary=dictionary, data=term("布署", suggestion="部署"))
    with pytest.raises(WorkflowError) as refused:
        review.save_term(
            user=staff.editor, dictionary=global_dictionary, data=term("布署", suggestion="部署")
        )
    assert refused.value.reasons == ["全局词库只能由平台运维人员维护。"]
    other = make_staff()
    with pytest.raises(WorkflowError):
        review.save_term(user=other.editor, dictionary=dictionary, data=term("布署", suggestion="部署"))


def test_excel_round_trip_and_import_replaces_the_terms(staff, dictionary):
    review.save_term(user=staff.editor, dictionary=dictionary, data=term("布署", suggestion="部署"))
    review.save_term(
        user=staff.editor, dictionary=dictionary, data=term("内部资料", "forbidden", "blocking", "")
    )
    data = excel.export_terms(dictionary)
    sheet = load_workbook(io.BytesIO(data)).active
    assert {tuple(c.value for c in row[:3]) for row in sheet.iter_rows(min_row=2)} == {
        ("布署", "错别字", "提示"),
        ("内部资料", "禁用", "必须修改"),
    }
    # edit the export: drop one, change one, add one
    book = Workbook()
    ws = book.active
    ws.append(excel.HEADERS)
    ws.append(["布署", "错别字", "必须修改", "部署", ""])
    ws.append(["国家旅游局", "过期表述", "必须修改", "文化和旅游部", "2018年机构改革"])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.name = "词库.xlsx"
    counts = review.replace_terms(
        user=staff.editor, dictionary=dictionary, rows=excel.read_terms(buffer), source="词库.xlsx"
    )
    assert counts == {"added": 1, "changed": 1, "removed": 1}
    assert set(dictionary.terms.values_list("text", "severity")) == {
        ("布署", "blocking"),
        ("国家旅游局", "blocking"),
    }


def test_a_bad_import_changes_nothing_and_names_the_rows(staff, dictionary):
    review.save_term(user=staff.editor, dictionary=dictionary, data=term("布署", suggestion="部署"))
    book = Workbook()
    ws = book.active
    ws.append(excel.HEADERS)
    ws.append(["好词", "错别字", "提示", "", ""])
    ws.append(["重复", "禁用", "必须修改", "", ""])
    ws.append(["重复", "禁用", "必须修改", "", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.name = "x.xlsx"
    with pytest.raises(WorkflowError) as refused:
        review.replace_terms(
            user=staff.editor, dictionary=dictionary, rows=excel.read_terms(buffer), source="x.xlsx"
        )
    assert refused.value.reasons == ["第2行:错误表述、过期表述和错别字须填写正确表述。", "第4行:“重复”重复。"]
    assert list(dictionary.terms.values_list("text", flat=True)) == ["布署"]
    with pytest.raises(WorkflowError) as refused:
        excel.read_terms(io.BytesIO(b"not a workbook"))
    assert "不是有效的 .xlsx" in refused.value.reasons[0]


MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def test_console_pages(client, staff, dictionary):
    client.force_login(staff.editor, backend=MODEL_BACKEND)
    assert client.get("/console/review/dictionaries/").status_code == 200
    response = client.post(
        f"/console/review/dictionaries/{dictionary.pk}/terms/",
        {"text": "布署", "category": "typo", "severity": "warning", "suggestion": "部署"},
        follow=True,
    )
    assert "已保存“布署”" in response.content.decode()
    page = client.get(f"/console/review/dictionaries/{dictionary.pk}/").content.decode()
    assert "布署" in page and "新增“布署”" in page
    export = client.get(f"/console/review/dictionaries/{dictionary.pk}/export/")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    bad = client.post(
        f"/console/review/dictionaries/{dictionary.pk}/terms/", {"text": "", "category": "typo"}, follow=True
    )
    assert "词语不能为空。" in bad.content.decode()
    client.force_login(staff.drafter, backend=MODEL_BACKEND)
    refused = client.post(
        f"/console/review/dictionaries/{dictionary.pk}/terms/",
        {"text": "新词", "category": "forbidden", "severity": "blocking"},
        follow=True,
    )
    assert "只有办公室编辑或保密审查人员可以维护本机构词库。" in refused.content.decode()
    other = make_staff()
    client.force_login(other.editor, backend=MODEL_BACKEND)
    assert client.get(f"/console/review/dictionaries/{dictionary.pk}/").status_code == 404
    assert Dictionary.objects.get(pk=dictionary.pk).terms.count() == 1
