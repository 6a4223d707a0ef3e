"""The gate (issue 4 items 2, 5, 6): blocking findings stop approval and publication, warnings need an
acknowledgement with a reason, the office step confirms the seven bottom lines, audio/video need the
reviewer's confirmation; findings are recomputed on every revision and go onto the approval form."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gongkai.publishing import services
from gongkai.publishing.exceptions import WorkflowError
from gongkai.publishing.models import ApprovalForm, InformationItem
from gongkai.review import services as review
from gongkai.review.constants import FindingStatus, Severity
from gongkai.review.models import Finding
from tests.factories import ALL_BOTTOM_LINES, make_draft, make_staff, review_through
from tests.review.factories import make_dictionary

VALID_ID = "11010519491231002X"  # check digit (X) and date valid
FAKE_ID = "110105194912310025"  # wrong check digit: not an ID


@pytest.fixture
def staff(db):
    staff = make_staff()
    make_dictionary(
        staff.org,
        terms=[
            ("国家旅游局", "outdated", "blocking", "文化和旅游部"),
            ("布署", "typo", "warning", "部署"),
        ],
    )
    return staff


def submitted(staff, **data):
    item = make_draft(staff, **data)
    services.submit_for_review(user=staff.drafter, item=item)
    return InformationItem.objects.get(pk=item.pk)


def approve_to_office_step(staff, item):
    services.approve_step(user=staff.head, item=item)
    services.approve_step(user=staff.secrecy, item=item)


def test_findings_are_computed_when_a_draft_is_written_and_again_when_it_changes(staff):
    item = make_draft(staff, body=f"<p>联系人身份证号{VALID_ID},请认真布署。</p>")
    findings = {(f.detector, f.matched) for f in item.latest_revision.findings.all()}
    assert findings == {("id_card", VALID_ID), ("dictionary", "布署")}
    services.update_draft(user=staff.drafter, item=item, data={"body": "<p>请认真部署。</p>"})
    assert not item.latest_revision.findings.exists()


def test_a_number_that_only_looks_like_an_id_is_not_a_finding(staff):
    item = make_draft(staff, body=f"<p>编号{FAKE_ID}</p>")
    assert not item.latest_revision.findings.filter(detector="id_card").exists()


def test_a_blocking_finding_stops_submission_approval_and_publication(staff):
    with pytest.raises(WorkflowError) as refused:
        submitted(staff, body="<p>经国家旅游局批准。</p>")
    assert "国家旅游局" in refused.value.reasons[0] and "必须修改" in refused.value.reasons[0]
    item = submitted(staff)
    # a dictionary entry added while the item is in review stops the next approval
    make_dictionary(staff.org, name="新增", terms=[("非遗展演", "wrong", "blocking", "非遗展示")])
    with pytest.raises(WorkflowError) as refused:
        services.approve_step(user=staff.head, item=item)
    assert "非遗展演" in refused.value.reasons[0]
    assert InformationItem.objects.get(pk=item.pk).latest_revision.tasks.get(position=1).status == "pending"


def test_publication_rescans_and_refuses_a_blocking_finding(staff):
    item = review_through(staff, submitted(staff))
    make_dictionary(staff.org, name="新增", terms=[("展演活动", "forbidden", "blocking", "")])
    with pytest.raises(WorkflowError):
        services.publish(user=staff.editor, item=item)
    assert InformationItem.objects.get(pk=item.pk).status == "approved"


def test_a_warning_needs_an_acknowledgement_with_a_reason(staff):
    item = submitted(staff, body="<p>请认真布署。联系电话13812345678。</p>")
    warnings = list(item.latest_revision.findings.filter(severity=Severity.WARNING))
    assert {f.detector for f in warnings} == {"dictionary", "mobile"}
    with pytest.raises(WorkflowError) as refused:
        services.approve_step(user=staff.head, item=item)
    assert "2 处提示未确认" in refused.value.reasons[0]
    with pytest.raises(WorkflowError):
        review.acknowledge(user=staff.head, finding=warnings[0], reason="  ")
    with pytest.raises(WorkflowError):  # not the person acting on the item now
        review.acknowledge(user=staff.leader, finding=warnings[0], reason="理由")
    for finding in warnings:
        review.acknowledge(user=staff.head, finding=finding, reason="公开的办公电话;原文引用")
    services.approve_step(user=staff.head, item=item)
    # the acknowledgement survives the recomputation at the next step
    assert set(item.latest_revision.findings.values_list("status", flat=True)) == {FindingStatus.ACKNOWLEDGED}


def test_the_office_step_needs_all_seven_bottom_lines(staff):
    item = submitted(staff)
    approve_to_office_step(staff, item)
    with pytest.raises(WorkflowError) as refused:
        services.approve_step(user=staff.editor2, item=item, bottom_lines=ALL_BOTTOM_LINES[:6])
    assert "信息真实性底线" in refused.value.reasons[0]
    services.approve_step(user=staff.editor2, item=item, bottom_lines=ALL_BOTTOM_LINES)
    services.approve_step(user=staff.leader, item=item)
    item = services.publish(user=staff.editor, item=InformationItem.objects.get(pk=item.pk))
    form = ApprovalForm.objects.get(revision=item.live_revision)
    lines = form.data["content_review"]["bottom_lines"]
    assert len(lines["lines"]) == 7 and lines["confirmed_by"] == staff.editor2.display_name


def test_findings_and_their_resolution_are_on_the_approval_form(staff):
    item = submitted(staff, body="<p>请认真布署。</p>")
    finding = item.latest_revision.findings.get()
    review.acknowledge(user=staff.head, finding=finding, reason="引用原文,不作修改")
    item = services.publish(user=staff.editor, item=review_through(staff, item))
    recorded = ApprovalForm.objects.get(revision=item.live_revision).data["content_review"]["findings"]
    assert recorded == [
        {
            "where": "正文",
            "category": "错别字",
            "severity": "提示",
            "matched": "布署",
            "resolution": f"已确认:引用原文,不作修改({staff.head.display_name})",
        }
    ]


def test_audio_and_video_need_the_reviewers_confirmation(staff, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    item = make_draft(staff)
    mp3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x00" * 512
    attachment = services.attach_file(
        user=staff.drafter, item=item, upload=SimpleUploadedFile("讲解.mp3", mp3, "audio/mpeg")
    )
    services.submit_for_review(user=staff.drafter, item=item)
    with pytest.raises(WorkflowError) as refused:
        services.approve_step(user=staff.head, item=item)
    assert "讲解.mp3" in refused.value.reasons[0]
    item = InformationItem.objects.get(pk=item.pk)
    with pytest.raises(WorkflowError):
        review.confirm_media(user=staff.leader, revision=item.latest_revision, attachment=attachment)
    review.confirm_media(user=staff.head, revision=item.latest_revision, attachment=attachment)
    services.approve_step(user=staff.head, item=item)


def test_one_click_masking_of_personal_data_in_a_draft(staff):
    item = make_draft(staff, body=f"<p>申请人身份证号{VALID_ID},再次:{VALID_ID}。</p>")
    finding = item.latest_revision.findings.filter(detector="id_card").first()
    assert review.mask_personal_data(user=staff.drafter, finding=finding) == 2
    item = InformationItem.objects.get(pk=item.pk)
    assert VALID_ID not in item.latest_revision.body
    assert "1101**********002X" in item.latest_revision.body
    assert not item.latest_revision.findings.filter(detector="id_card").exists()
    other = make_draft(staff, body=f"<p>{VALID_ID}</p>")
    with pytest.raises(WorkflowError):  # someone who may not edit this draft
        review.mask_personal_data(user=staff.leader, finding=other.latest_revision.findings.get())


def test_attachment_text_is_scanned(staff, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    item = make_draft(staff)
    services.attach_file(
        user=staff.drafter,
        item=item,
        upload=SimpleUploadedFile("名单.txt", f"报名人身份证号:{VALID_ID}\n".encode(), "text/plain"),
    )
    with pytest.raises(WorkflowError) as refused:
        services.submit_for_review(user=staff.drafter, item=item)
    assert "附件《名单.txt》" in refused.value.reasons[0]
    finding = Finding.objects.get(revision=item.latest_revision, detector="id_card")
    with pytest.raises(WorkflowError):
        review.mask_personal_data(user=staff.drafter, finding=finding)
