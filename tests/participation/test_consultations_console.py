"""征求意见 pages: the public page and its comment form (captcha, consent, rate limit, honeypot, the close),
the 互动交流 index, and the console (list, drafting, moderation, classification, feedback, export)."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from gongkai.audit.models import AuditEvent
from gongkai.core import captcha
from gongkai.participation import consultations
from gongkai.participation.constants import CommentStatus, ConsultationStatus, Disposition
from gongkai.participation.models import Comment, Consultation
from gongkai.publishing.models import InformationItem
from tests.participation.test_consultations import (
    VALID_ID,
    close,
    comment,
    fresh,
    make_consultation,
    make_open,
    publish_item,
    today,
)

pytestmark = pytest.mark.django_db

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


@pytest.fixture
def staff(settings):
    from tests.factories import make_staff

    settings.AXES_LOCKOUT_CALLABLE = "gongkai.console.views.lockout"
    return make_staff()


def login(client, user):
    client.force_login(user, backend=MODEL_BACKEND)
    return client


def page_url(consultation) -> str:
    return f"/hudong/zhengqiu/{consultation.pk}/"


def solved() -> dict:
    token = captcha.new_token()
    return {"captcha_token": token, "captcha": captcha.code_for(captcha._nonce(token))}


def post_comment(client, consultation, **overrides):
    data = {
        "anchor": "",
        "text": "建议第三条增加老年人门票优惠。",
        "name": "张三丰",
        "phone": "13812341234",
        "consent": "on",
        "website": "",
        **solved(),
        **overrides,
    }
    return client.post(page_url(consultation), data)


# --- public --------------------------------------------------------------------------------------------


def test_the_public_page_shows_the_draft_by_article_with_the_form(client, staff):
    consultation = make_open(staff, short_period_reason="")
    html = client.get(page_url(consultation)).content.decode()
    assert "关于公开征求《晋中市A级旅游景区管理办法(征求意见稿)》意见的公告" in html
    assert "为落实《旅游法》" in html  # the explanation
    assert 'id="a3"' in html and 'id="p3"' in html and 'id="c2"' in html
    assert 'href="?anchor=a3#comment-form"' in html and "对此条提意见" in html and "对此段提意见" in html
    assert '<option value="a3">第三条:景区应当在入口处公开门票价格和优惠政策。</option>' in html
    assert "个人信息告知" in html and f"由{staff.org.name}收集" in html
    assert 'name="captcha_token"' in html and 'name="website"' in html
    assert 'name="email"' not in html  # not asked
    assert "征求意见中" in html
    assert consultation.item.index_number in html  # the notice on the portal
    assert "期限缩短理由" not in html and "短于一般期限" not in html
    # Without JavaScript, the link presets the form.
    html = client.get(page_url(consultation) + "?anchor=a2").content.decode()
    assert '<option value="a2" selected>' in html


def test_a_shortened_period_shows_its_reason_to_the_public(client, staff):
    consultation = make_open(
        staff, closes_on=today() + datetime.timedelta(days=9), short_period_reason="防汛工作急需出台。"
    )
    html = client.get(page_url(consultation)).content.decode()
    assert "本次征求意见期限短于一般期限(不少于30日)" in html and "防汛工作急需出台。" in html


def test_a_draft_consultation_is_not_public(client, staff):
    consultation = make_consultation(staff)
    assert client.get(page_url(consultation)).status_code == 404
    assert client.get("/hudong/zhengqiu/99999999/").status_code == 404
    assert client.get("/hudong/zhengqiu/999999999999999999999/").status_code == 404


def test_a_citizen_comments_on_an_article(client, staff):
    consultation = make_open(staff)
    response = post_comment(client, consultation, anchor="a3")
    assert response.status_code == 302
    assert response["Location"] == f"/hudong/zhengqiu/{consultation.pk}/thanks/"
    saved = Comment.objects.get()
    assert saved.anchor == "a3" and saved.name == "张三丰" and saved.client_key
    assert saved.status == CommentStatus.APPROVED
    thanks = client.get(response["Location"]).content.decode()
    assert "感谢您对《晋中市A级旅游景区管理办法》提出意见。" in thanks
    # Without having commented, the thanks page sends back to the consultation.
    assert client.__class__().get(response["Location"]).status_code == 302


def test_bad_input_is_shown_again_in_chinese(client, staff):
    consultation = make_open(staff)
    response = post_comment(client, consultation, text="", name="", consent="", captcha="XXXX", anchor="a77")
    assert response.status_code == 400
    html = response.content.decode()
    for message in ("请填写意见内容。", "请填写姓名。", "请阅读并同意个人信息告知后再提交。", "验证码不正确"):
        assert message in html
    assert "所选条款不存在" in html
    assert not Comment.objects.exists()


def test_comments_are_refused_after_the_close_with_the_text_kept(client, staff):
    consultation = close(make_open(staff))
    last = fresh(consultation).closes_on
    message = f"本次征求意见已于{last.year}年{last.month}月{last.day}日截止,不再接收意见。"
    html = client.get(page_url(consultation)).content.decode()
    assert message in html and 'name="captcha_token"' not in html
    response = post_comment(client, consultation, text="我的意见很长,不想丢失。")
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and "我的意见很长,不想丢失。" in html
    assert not Comment.objects.exists()


def test_comments_are_refused_before_the_opening(client, staff):
    consultation = make_consultation(
        staff, opens_on=today() + datetime.timedelta(days=2), closes_on=today() + datetime.timedelta(days=40)
    )
    publish_item(staff, consultation.item)
    day = consultation.opens_on
    html = client.get(page_url(consultation)).content.decode()
    assert f"本次征求意见将于{day.year}年{day.month}月{day.day}日开始,届时方可提交意见。" in html
    assert post_comment(client, consultation).status_code == 400
    assert not Comment.objects.exists()


def test_the_rate_limit_and_the_honeypot(client, staff):
    consultation = make_open(staff)
    for n in range(5):
        assert post_comment(client, consultation, text=f"意见{n}").status_code == 302
    response = post_comment(client, consultation, text="第六条意见")
    assert response.status_code == 429
    assert "每 10 分钟最多提交 5 条意见" in response.content.decode()
    assert Comment.objects.count() == 5
    # Another consultation has its own count.
    other = make_open(staff, title="另一个办法")
    response = post_comment(client, other, website="http://spam.example")
    assert response.status_code == 400 and "提交未被接受" in response.content.decode()
    assert not Comment.objects.filter(consultation=other).exists()


def test_approved_comments_are_public_only_when_chosen_and_without_personal_data(client, staff):
    consultation = make_open(staff, show_comments=True)
    comment(consultation, text="请致电13912345678讨论。")
    comment(consultation, text=f"身份证{VALID_ID}")  # held for moderation
    html = client.get(page_url(consultation)).content.decode()
    assert "公众意见" in html and "张**" in html and "139****5678" in html
    assert "张三丰" not in html and "13912345678" not in html and "13812341234" not in html
    assert VALID_ID not in html
    hidden = make_open(staff, title="不公开意见的办法")
    comment(hidden, text="这条意见不公开。")
    assert "这条意见不公开。" not in client.get(page_url(hidden)).content.decode()


def test_the_hudong_index_lists_open_consultations(client, staff):
    open_one = make_open(staff)
    draft = make_consultation(staff, title="尚未发布的办法")
    html = client.get("/hudong/").content.decode()
    assert "互动交流" in html and page_url(open_one) in html and "尚未发布的办法" not in html
    assert reverse("participation:consultation_list") in html
    listing = client.get("/hudong/zhengqiu/").content.decode()
    assert open_one.title in listing and draft.title not in listing
    # The public site's navigation leads here.
    assert '<a href="/hudong/"' in client.get("/xxgk/").content.decode()


def test_the_feedback_report_is_linked_from_the_public_page(client, staff):
    consultation = make_open(staff)
    first = comment(consultation)
    close(consultation)
    consultations.classify_comment(user=staff.drafter, comment=first, disposition=Disposition.ADOPTED)
    consultations.save_feedback_summary(
        user=staff.drafter, consultation=fresh(consultation), summary="已采纳。"
    )
    item = consultations.generate_feedback_report(user=staff.drafter, consultation=fresh(consultation))
    assert "意见采纳情况反馈已公布" not in client.get(page_url(consultation)).content.decode()
    publish_item(staff, item)
    consultations.advance_states()
    html = client.get(page_url(consultation)).content.decode()
    item = InformationItem.objects.get(pk=item.pk)
    assert "意见采纳情况反馈已公布" in html and f"/xxgk/items/{item.index_number}/" in html
    assert "已公布采纳情况" in html


# --- console -------------------------------------------------------------------------------------------


def test_the_console_header_links_public_participation(client, staff):
    html = login(client, staff.drafter).get("/console/").content.decode()
    assert 'href="/console/participation/consultations/"' in html and "公众参与" in html


def test_drafting_from_the_console(client, staff):
    login(client, staff.drafter)
    form = client.get("/console/participation/consultations/new/")
    assert form.status_code == 200 and "征求意见稿正文" in form.content.decode()
    data = {
        "department": staff.dept.pk,
        "kind": "normative",
        "title": "晋中市旅游民宿管理办法",
        "explanation": "规范旅游民宿。",
        "draft_text": "第一条 为规范旅游民宿,制定本办法。\n第二条 本办法自发布之日起施行。",
        "opens_on": today().isoformat(),
        "closes_on": (today() + datetime.timedelta(days=2)).isoformat(),
        "ask_name": "on",
        "feedback_workdays": "10",
    }
    response = client.post("/console/participation/consultations/new/", data)
    assert response.status_code == 400
    assert "请填写缩短理由" in response.content.decode()
    assert not Consultation.objects.exists()
    data["closes_on"] = (today() + datetime.timedelta(days=20)).isoformat()
    response = client.post("/console/participation/consultations/new/", data)
    consultation = Consultation.objects.get()
    assert (
        response.status_code == 302
        and response["Location"] == f"/console/participation/consultations/{consultation.pk}/"
    )
    assert consultation.feedback_workdays == 10 and consultation.ask_phone is False
    detail = client.get(response["Location"]).content.decode()
    assert f"/console/items/{consultation.item.pk}/" in detail and "修改征求意见" in detail
    # Bad dates are a form error, never a 500.
    data["opens_on"] = "2026-02-30"
    assert client.post("/console/participation/consultations/new/", data).status_code == 400


def test_who_sees_what_in_the_console(client, staff):
    consultation = make_open(staff, ask_email=True)
    comment(consultation, email="alice@example.com")
    url = f"/console/participation/consultations/{consultation.pk}/"
    html = login(client, staff.drafter).get(url).content.decode()
    assert "张**" in html and "138****1234" in html and "a***@example.com" in html and "张三丰" not in html
    html = login(client, staff.head).get(url).content.decode()
    assert "张三丰" in html and "13812341234" in html and "alice@example.com" in html
    assert login(client, staff.other_drafter).get(url).status_code == 403
    listing = client.get("/console/participation/consultations/").content.decode()
    assert consultation.title not in listing
    listing = login(client, staff.editor).get("/console/participation/consultations/").content.decode()
    assert consultation.title in listing


def test_moderating_and_classifying_in_the_console(client, staff):
    consultation = make_open(staff)
    held = comment(consultation, text=f"身份证{VALID_ID}")
    login(client, staff.head)
    base = f"/console/participation/consultations/{consultation.pk}/comments/{held.pk}"
    response = client.post(f"{base}/moderate/", {f"m{held.pk}-decision": "reject", f"m{held.pk}-note": ""})
    assert response.status_code == 400 and "不予通过时请填写理由。" in response.content.decode()
    response = client.post(
        f"{base}/moderate/", {f"m{held.pk}-decision": "approve", f"m{held.pk}-note": "已核实"}
    )
    assert response.status_code == 302
    held.refresh_from_db()
    assert held.status == CommentStatus.APPROVED and held.moderation_note == "已核实"
    # Before the close, classifying is refused with the reason.
    response = client.post(f"{base}/classify/", {f"c{held.pk}-disposition": "adopted"}, follow=True)
    assert "征求意见截止后才能认定采纳情况。" in response.content.decode()
    close(consultation)
    response = client.post(
        f"{base}/classify/", {f"c{held.pk}-disposition": "not_adopted", f"c{held.pk}-reason": ""}
    )
    assert response.status_code == 400 and "未采纳的意见须说明理由。" in response.content.decode()
    response = client.post(
        f"{base}/classify/",
        {f"c{held.pk}-disposition": "not_adopted", f"c{held.pk}-reason": "不属于本办法调整范围。"},
    )
    assert response.status_code == 302
    held.refresh_from_db()
    assert held.disposition == Disposition.NOT_ADOPTED
    # The summary, then the report; the inbox row shows the deadline.
    assert (
        client.post(f"/console/participation/consultations/{consultation.pk}/summary/", {}).status_code == 400
    )
    client.post(
        f"/console/participation/consultations/{consultation.pk}/summary/", {"feedback_summary": "说明。"}
    )
    login(client, staff.drafter)
    response = client.post(f"/console/participation/consultations/{consultation.pk}/report/")
    consultation = fresh(consultation)
    assert consultation.feedback_item is not None
    assert response["Location"] == f"/console/items/{consultation.feedback_item.pk}/"
    assert consultation.status == ConsultationStatus.CLOSED


def test_the_console_export(client, staff):
    consultation = make_open(staff)
    comment(consultation)
    url = f"/console/participation/consultations/{consultation.pk}/export/"
    response = login(client, staff.drafter).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1][4:6] == ("张**", "138****1234")
    assert login(client, staff.other_drafter).get(url).status_code == 403
    assert AuditEvent.objects.filter(action="participation.comments_exported").count() == 1


def test_extending_from_the_console(client, staff):
    consultation = make_open(staff)
    url = f"/console/participation/consultations/{consultation.pk}/extend/"
    login(client, staff.drafter)
    response = client.post(url, {"closes_on": consultation.closes_on.isoformat()})
    assert response.status_code == 400 and "应晚于原截止日期" in response.content.decode()
    later = consultation.closes_on + datetime.timedelta(days=7)
    assert client.post(url, {"closes_on": later.isoformat(), "note": "延长"}).status_code == 302
    assert fresh(consultation).closes_on == later
    edit = client.get(f"/console/participation/consultations/{consultation.pk}/edit/", follow=True)
    assert "征求意见已经开始,不能再修改" in edit.content.decode()


def test_no_inline_script_or_style_on_the_public_page(client, staff):
    consultation = make_open(staff)
    html = client.get(page_url(consultation)).content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert " style=" not in html and "<style" not in html


def test_the_head_changes_the_dates_of_a_draft_from_the_console(client, staff):
    consultation = make_consultation(staff)
    url = f"/console/participation/consultations/{consultation.pk}/edit/"
    login(client, staff.head)
    assert client.get(url).status_code == 200
    data = {
        "department": staff.dept.pk,
        "kind": consultation.kind,
        "title": consultation.title,
        "explanation": consultation.explanation,
        "opens_on": (today() + datetime.timedelta(days=1)).isoformat(),
        "closes_on": (today() + datetime.timedelta(days=45)).isoformat(),
        "ask_name": "on",
        "ask_phone": "on",
        "feedback_workdays": "20",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    consultation = fresh(consultation)
    assert consultation.closes_on == today() + datetime.timedelta(days=45)
    assert consultation.feedback_workdays == 20
    # The title goes with the notice, which the head does not edit.
    response = client.post(url, {**data, "title": "新名称"})
    assert response.status_code == 400 and "随公告一起修改" in response.content.decode()
    assert fresh(consultation).title == "晋中市A级旅游景区管理办法"


def test_the_inbox_lists_feedback_due(client, staff):
    consultation = close(make_open(staff))
    html = login(client, staff.head).get("/console/").content.decode()
    assert f'href="/console/participation/consultations/{consultation.pk}/"' in html
    assert consultation.feedback_due_on.isoformat() in html
    html = login(client, staff.other_head).get("/console/").content.decode()
    assert f"/console/participation/consultations/{consultation.pk}/" not in html
