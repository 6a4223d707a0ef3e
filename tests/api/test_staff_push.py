"""An office automation system pushes a document in, and people move it through review with their tokens."""

import pytest

from gongkai.audit.models import AuditEvent
from gongkai.publishing.constants import DisclosureAttribute, ItemStatus, RevisionStatus
from gongkai.publishing.models import ApprovalForm, Attachment, InformationItem, Revision
from tests.api.conftest import ApiClient, payload, tiny_pdf
from tests.factories import ALL_BOTTOM_LINES, make_approved, make_draft, make_staff

BASE = "/api/v1/staff/items"


def create(client, staff, **overrides):
    response = client.post(BASE, payload(staff, **overrides))
    assert response.status_code == 201, response.content.decode()
    return response.json()


@pytest.mark.django_db
def test_push_sequence_by_different_people_ends_published_and_listed(staff, as_):
    drafter = as_("drafter")
    item = create(drafter, staff)
    assert item["status"] == {"code": "draft", "label": "草稿"}
    assert item["index_number"] is None
    revision = item["revisions"][0]
    assert revision["lead_department"] == {"code": staff.dept.code, "name": staff.dept.name}
    assert revision["co_departments"] == [{"code": staff.other_dept.code, "name": staff.other_dept.name}]
    assert revision["topic"]["code"] == staff.topic.code
    assert revision["catalogue_entry"]["code"] == staff.entry.code
    assert revision["created_by"] == staff.drafter.display_name
    url = f"{BASE}/{item['id']}"

    response = drafter.upload(f"{url}/attachments", "展演方案.pdf", tiny_pdf())
    assert response.status_code == 201, response.content.decode()
    assert response.json()["name"] == "展演方案.pdf"
    assert response.json()["content_type"] == "application/pdf"

    response = drafter.post(f"{url}/submit")
    assert response.status_code == 200, response.content.decode()
    state = response.json()
    assert state["status"]["code"] == "in_review"
    assert state["current_step"]["name"] == "科室审核"

    for person, step in (
        ("head", "保密审查"),
        ("secrecy", "办公室审核"),
        ("editor2", "分管领导签发"),
        ("leader", None),
    ):
        response = as_(person).post(
            f"{url}/approve", {"opinion": "同意发布", "bottom_lines": ALL_BOTTOM_LINES}
        )
        assert response.status_code == 200, (person, response.content.decode())
        state = response.json()
        assert (state["current_step"] or {}).get("name") == step

    assert state["status"]["code"] == "approved"
    response = as_("editor").post(f"{url}/publish", {"lock_version": state["lock_version"]})
    assert response.status_code == 200, response.content.decode()
    state = response.json()
    assert state["status"]["code"] == "published"
    index_number = state["index_number"]
    assert index_number.startswith(f"{staff.org.code}/2026-")
    expected_url = f"http://testserver/xxgk/items/{index_number}/"
    assert state["public_url"] == expected_url

    # The record: four approvals with their opinions, and the history of every step.
    decided = [(t["name"], t["status"]["code"], t["decided_by"], t["opinion"]) for t in state["review_tasks"]]
    assert decided == [
        ("科室审核", "approved", staff.head.display_name, "同意发布"),
        ("保密审查", "approved", staff.secrecy.display_name, "同意发布"),
        ("办公室审核", "approved", staff.editor2.display_name, "同意发布"),
        ("分管领导签发", "approved", staff.leader.display_name, "同意发布"),
    ]
    actions = [e["action"] for e in state["history"]]
    assert actions[0] == "publishing.item.created"
    assert actions.count("publishing.review.approved") == 4
    assert "publishing.item.attachment_added" in actions and actions[-1] == "publishing.item.published"
    assert all(e["label"] for e in state["history"])

    listing = ApiClient().get("/api/v1/items").json()
    assert listing["count"] == 1
    public = listing["items"][0]
    assert public["index_number"] == index_number
    assert public["url"] == expected_url
    assert public["title"] == "关于举办2026年晋中市非遗展演活动的通知"
    assert public["validity"] == {"code": "valid", "label": "有效"}
    assert public["attachments"][0]["name"] == "展演方案.pdf"
    attachment = Attachment.objects.get()
    assert public["attachments"][0][
        "url"
    ] == f"http://testserver/xxgk/files/{attachment.pk}/展演方案.pdf".replace(
        "展演方案.pdf", "%E5%B1%95%E6%BC%94%E6%96%B9%E6%A1%88.pdf"
    )


@pytest.mark.django_db
def test_get_shows_every_review_round(staff, as_):
    item = make_draft(staff)
    url = f"{BASE}/{item.pk}"
    as_("drafter").post(f"{url}/submit")
    response = as_("head").post(f"{url}/reject", {"opinion": "文号有误"})
    assert response.status_code == 200
    assert response.json()["revisions"][0]["rejection_reason"] == "科室审核:文号有误"
    as_("drafter").post(f"{url}/submit")
    state = as_("drafter").get(url).json()
    rounds = [(t["round"], t["name"], t["status"]["code"]) for t in state["review_tasks"]]
    assert rounds[0] == (1, "科室审核", "rejected")
    assert (1, "保密审查", "cancelled") in rounds
    assert rounds[4] == (2, "科室审核", "pending")
    assert state["current_step"]["round"] == 2


@pytest.mark.django_db
def test_submitter_cannot_approve_own_item(staff, as_):
    item = make_draft(staff)
    url = f"{BASE}/{item.pk}"
    assert as_("drafter").post(f"{url}/submit").status_code == 200
    response = as_("drafter").post(f"{url}/approve", {"opinion": "同意"})
    assert response.status_code == 409
    body = response.json()
    assert "提交人或起草人不能审核自己的信息。" in body["reasons"]
    assert "提交人或起草人不能审核自己的信息。" in body["detail"]
    assert InformationItem.objects.get().latest_revision.tasks.filter(status="approved").count() == 0


@pytest.mark.django_db
def test_reject_needs_an_opinion(staff, as_):
    item = make_draft(staff)
    as_("drafter").post(f"{BASE}/{item.pk}/submit")
    response = as_("head").post(f"{BASE}/{item.pk}/reject", {"opinion": "  "})
    assert response.status_code == 409
    assert response.json()["reasons"] == ["退回时必须填写退回理由。"]
    response = as_("head").post(f"{BASE}/{item.pk}/reject", {})
    assert response.status_code == 422
    assert response.json()["errors"] == {"opinion": ["请填写审核意见。"]}


@pytest.mark.django_db
def test_on_request_item_cannot_be_submitted_for_publication(staff, as_):
    drafter = as_("drafter")
    item = create(drafter, staff, disclosure_attribute="on_request", non_disclosure_reason="涉及第三方权益")
    before = AuditEvent.objects.count()
    response = drafter.post(f"{BASE}/{item['id']}/submit")
    assert response.status_code == 409
    assert any("只有主动公开的信息可以发布" in r for r in response.json()["reasons"])
    assert InformationItem.objects.get().status == ItemStatus.DRAFT
    assert AuditEvent.objects.count() == before


@pytest.mark.django_db
def test_publishing_an_on_request_item_is_refused_and_changes_nothing(staff, as_):
    item = make_approved(staff)
    # e.g. an attribute corrected in the database after approval: publishing must still refuse.
    Revision.objects.filter(pk=item.latest_revision_id).update(
        disclosure_attribute=DisclosureAttribute.ON_REQUEST, non_disclosure_reason="涉及第三方权益"
    )
    editor = as_("editor")
    before = AuditEvent.objects.count()
    response = editor.post(f"{BASE}/{item.pk}/publish")
    assert response.status_code == 409
    assert response.json()["reasons"] == ["只有公开属性为“主动公开”的信息可以发布。"]
    item.refresh_from_db()
    assert (item.status, item.index_number, item.live_revision_id) == (ItemStatus.APPROVED, None, None)
    assert item.latest_revision.status == RevisionStatus.APPROVED
    assert not ApprovalForm.objects.exists()
    assert AuditEvent.objects.count() == before
    assert ApiClient().get("/api/v1/items").json()["count"] == 0


@pytest.mark.django_db
def test_missing_required_metadata_is_422_in_chinese(staff, as_):
    response = as_("drafter").post(BASE, payload(staff, title=..., formed_on=..., lead_department=...))
    assert response.status_code == 422
    body = response.json()
    assert body["errors"] == {
        "title": ["请填写标题。"],
        "lead_department": ["请填写牵头(制作)科室。"],
        "formed_on": ["请填写成文日期。"],
    }
    assert "有误" in body["detail"]
    assert not InformationItem.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": "  "}, "title", "请填写标题。"),
        ({"title": "长" * 301}, "title", "标题不能超过300个字符。"),
        ({"formed_on": "2026-13-45"}, "formed_on", "成文日期不是有效的日期,请使用 YYYY-MM-DD 格式。"),
        (
            {"formed_on": "2026-11-20", "effective_on": "2026-11-01"},
            "effective_on",
            "生效日期不能早于成文日期。",
        ),
        ({"disclosure_attribute": "on_request"}, "non_disclosure_reason", "必须说明理由"),
        ({"disclosure_attribute": "secret"}, "disclosure_attribute", "公开属性的取值无效"),
        ({"lead_department": "nope"}, "lead_department", "本机构没有代码为“nope”的科室。"),
        ({"co_departments": ["x1", "x2"]}, "co_departments", "本机构没有代码为“x1”、“x2”的科室。"),
        ({"topic": "nope"}, "topic", "主题分类"),
        ({"catalogue_entry": "nope"}, "catalogue_entry", "目录分类"),
        ({"organization": "nope"}, "organization", "机构代码“nope”不存在。"),
        ({"summary": "a\x00b"}, "summary", "空字符"),
        ({"co_departments": "abc"}, "co_departments", "联合制作科室应为列表。"),
        ({"formed_date": "2026-11-20"}, "formed_date", "不认识的字段"),
        ({"source": 12}, "source", "来源应为文本。"),
    ],
)
def test_bad_fields_are_422_with_chinese_messages(staff, as_, overrides, field, message):
    response = as_("drafter").post(BASE, payload(staff, **overrides))
    assert response.status_code == 422, response.content.decode()
    errors = response.json()["errors"]
    assert any(message in m for m in errors[field]), errors
    assert not InformationItem.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'"text"', b""])
def test_malformed_bodies_are_refused_without_500(staff, as_, body):
    client = as_("drafter")
    response = client.client.post(BASE, body, content_type="application/json", headers=client.headers)
    assert response.status_code in (400, 422)
    assert response.json()["detail"]
    assert not InformationItem.objects.exists()


@pytest.mark.django_db
def test_drafter_cannot_draft_for_another_department(staff, as_):
    response = as_("drafter").post(BASE, payload(staff, lead_department=staff.other_dept.code))
    assert response.status_code == 409
    assert response.json()["reasons"] == ["起草人只能以本科室为牵头科室起草信息(谁制作、谁负责)。"]


@pytest.mark.django_db
def test_update_with_lock_version(staff, as_):
    item = make_draft(staff)
    client = as_("drafter")
    state = client.get(f"{BASE}/{item.pk}").json()
    response = client.patch(
        f"{BASE}/{item.pk}", {"lock_version": state["lock_version"], "title": "新标题", "topic": None}
    )
    assert response.status_code == 200, response.content.decode()
    revision = response.json()["revisions"][0]
    assert revision["title"] == "新标题" and revision["topic"] is None
    assert revision["summary"] == "通知举办非遗展演活动的时间、地点和报名方式。"
    # A second write with the old version is a stale edit.
    response = client.patch(f"{BASE}/{item.pk}", {"lock_version": state["lock_version"], "title": "覆盖"})
    assert response.status_code == 409
    assert "已被他人修改" in response.json()["detail"]
    assert Revision.objects.get().title == "新标题"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"title": "x"}, "lock_version", "请填写版本号"),
        ({"lock_version": 0, "disclosure_attribute": None}, "disclosure_attribute", "不能为空"),
        ({"lock_version": 0, "formed_on": None}, "formed_on", "请填写成文日期。"),
        ({"lock_version": 0, "title": None}, "title", "请填写标题。"),
        ({"lock_version": -1}, "lock_version", "不能小于0"),
        ({"lock_version": 0, "lead_department": "nope"}, "lead_department", "nope"),
    ],
)
def test_bad_updates_are_422_and_change_nothing(staff, as_, body, field, message):
    item = make_draft(staff)
    response = as_("drafter").patch(f"{BASE}/{item.pk}", body)
    assert response.status_code == 422, response.content.decode()
    assert any(message in m for m in response.json()["errors"][field])
    revision = Revision.objects.get()
    assert (revision.title, revision.formed_on.isoformat()) == (
        "关于举办2026年晋中市非遗展演活动的通知",
        "2026-11-20",
    )


@pytest.mark.django_db
def test_an_exe_renamed_pdf_is_400(staff, as_):
    item = make_draft(staff)
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
    response = as_("drafter").upload(f"{BASE}/{item.pk}/attachments", "通知.pdf", exe)
    assert response.status_code == 400
    assert response.json()["detail"] == "文件“通知.pdf”的实际内容与扩展名 .pdf 不符,已拒绝上传。"
    assert not Attachment.objects.exists()


@pytest.mark.django_db
def test_upload_without_a_file_is_422(staff, as_):
    item = make_draft(staff)
    client = as_("drafter")
    response = client.client.post(f"{BASE}/{item.pk}/attachments", {}, headers=client.headers)
    assert response.status_code == 422
    assert response.json()["errors"] == {"file": ["请填写文件。"]}


@pytest.mark.django_db
def test_another_organisations_item_is_404(staff, as_):
    other = make_staff()
    item = make_draft(other)
    client = as_("editor")
    url = f"{BASE}/{item.pk}"
    assert client.get(url).status_code == 404
    assert client.patch(url, {"lock_version": 0, "title": "x"}).status_code == 404
    assert client.post(f"{url}/submit").status_code == 404
    assert client.post(f"{url}/approve").status_code == 404
    assert client.post(f"{url}/reject", {"opinion": "x"}).status_code == 404
    assert client.post(f"{url}/publish").status_code == 404
    assert client.upload(f"{url}/attachments", "a.pdf", tiny_pdf()).status_code == 404
    assert client.get(url).json() == {"detail": "未找到该信息。"}
    assert Revision.objects.get(item=item).title != "x"


@pytest.mark.django_db
def test_creating_in_another_organisation_is_403(staff, as_):
    other = make_staff()
    response = as_("drafter").post(BASE, payload(other))
    assert response.status_code == 403
    assert response.json()["detail"] == "您不是该机构的工作人员。"


@pytest.mark.django_db
@pytest.mark.parametrize("item_id", ["abc", "0", "99999999999999999999999"])
def test_bad_ids_are_refused_without_500(staff, as_, item_id):
    response = as_("drafter").get(f"{BASE}/{item_id}")
    assert response.status_code == 422
    assert "信息编号" in str(response.json()["errors"])
