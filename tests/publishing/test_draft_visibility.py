"""Issue 9, "no access beyond its role or department": who sees a draft.

A draft — an item not yet published, or the unpublished revision of a published item, with its
attachments, review findings, opinions and history — is visible only to
(a) the members of the department that owns it (its lead department),
(b) the people whose role has a step in its review chain (the chain is ``ReviewStep`` data; the policy
    department's opinion on a 行政规范性文件 (interpretation I4) counts as its step),
(c) the organisation-wide roles: office editors and leaders.
Anyone else in the organisation gets a 404 on its pages, files and staff API detail, and finds it in no
list, count, inbox, search box or form choice. Published items stay visible to every member, but only as
published: their unpublished revision stays with the people above. The one rule is
``gongkai.publishing.permissions.visible_items``.
"""

from __future__ import annotations

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from gongkai.api import tokens
from gongkai.catalogue.constants import InterpretationScope
from gongkai.orgs.constants import Role
from gongkai.publishing import permissions, services
from gongkai.publishing.constants import StepScope
from gongkai.publishing.models import InformationItem, ReviewStep
from tests.factories import (
    ALL_BOTTOM_LINES,
    CatalogueEntryFactory,
    make_draft,
    make_published,
    make_staff,
)

pytestmark = pytest.mark.django_db

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

TITLES = {
    "art": "艺术科尚未公开的展演草稿",
    "industry": "产业发展科送审中的扶持办法",
    "office": "办公室起草的内部管理通知",
    "normative": "艺术科起草的规范性文件草案",
    "revision": "已公开的非遗名录公告",
    "foreign": "另一机构的内部草稿",
}
FILES = {
    "art": "艺术科草稿附件.pdf",
    "industry": "产业发展科草稿附件.pdf",
    "revision": "修订版新增附件.pdf",
    "foreign": "另一机构草稿附件.pdf",
}
REVISED_TITLE = "已公开的非遗名录公告(修订稿,尚未发布)"
REVISED_BODY = "修订稿新增的补贴标准尚未公开"
HEAD_OPINION = "修订稿科室意见:补贴标准须再核"
PUBLISHED_FILE = "已公开附件.pdf"

ORG = ("art", "industry", "office", "normative", "revision")
# What each person sees of the drafts above (the published "revision" item is open to every member; this
# says who sees its unpublished revision). Nobody here sees another organisation's draft.
SEES = {
    "drafter": {"art", "normative", "revision"},  # (a) 艺术科
    "head": {"art", "normative", "revision"},  # (a) and (b): 科室审核 of the lead department
    "other_drafter": {"industry"},  # (a) 产业发展科
    "other_head": {"industry"},
    "secrecy": set(ORG),  # (b) 保密审查 takes every item of the organisation
    "policy_reviewer": {"normative"},  # (b) I4: the policy department's opinion on 规范性文件
    "editor": set(ORG),  # (c)
    "leader": set(ORG),  # (b) 分管领导签发 and (c)
    "monitor": {"office"},  # (a) only: 舆情监测员 of the office has no step in the chain
    "system_admin": {"office"},  # the three administrators: their department's drafts only
    "security_admin": {"office"},
    "audit_admin": {"office"},
}


class World:
    pass


def _attach(user, item, name):
    return services.attach_file(user=user, item=item, upload=SimpleUploadedFile(name, PDF))


def build() -> World:
    w = World()
    s = w.staff = make_staff()
    w.other = make_staff()
    w.items, w.files = {}, {}
    art = make_draft(s, title=TITLES["art"])
    w.files["art"] = _attach(s.drafter, art, FILES["art"])
    industry = make_draft(
        s, by=s.other_drafter, title=TITLES["industry"], lead_department=s.other_dept, source="产业发展科"
    )
    w.files["industry"] = _attach(s.other_drafter, industry, FILES["industry"])
    services.submit_for_review(user=s.other_drafter, item=industry)
    office = make_draft(s, by=s.editor, title=TITLES["office"], lead_department=s.office)
    normative_entry = CatalogueEntryFactory(
        organization=s.org, name="行政规范性文件", interpretation=InterpretationScope.NORMATIVE
    )
    normative = make_draft(s, title=TITLES["normative"], catalogue_entry=normative_entry)
    # A published item of 艺术科 with a revision in review: new title, body, attachment and an opinion.
    published = make_draft(s, title=TITLES["revision"])
    w.published_file = _attach(s.drafter, published, PUBLISHED_FILE)
    services.submit_for_review(user=s.drafter, item=published)
    for person in (s.head, s.secrecy, s.editor2, s.leader):
        services.approve_step(user=person, item=published, opinion="同意", bottom_lines=ALL_BOTTOM_LINES)
    published = services.publish(user=s.editor, item=InformationItem.objects.get(pk=published.pk))
    services.start_revision(user=s.drafter, item=published)
    services.update_draft(
        user=s.drafter,
        item=published,
        data={"title": REVISED_TITLE, "body": f"<p>{REVISED_BODY}。</p>", "change_note": "增加补贴标准"},
    )
    published = InformationItem.objects.get(pk=published.pk)
    w.files["revision"] = _attach(s.drafter, published, FILES["revision"])
    services.submit_for_review(user=s.drafter, item=published)
    services.approve_step(user=s.head, item=published, opinion=HEAD_OPINION)
    foreign = make_draft(w.other, title=TITLES["foreign"])
    w.files["foreign"] = _attach(w.other.drafter, foreign, FILES["foreign"])
    for key, item in (
        ("art", art),
        ("industry", industry),
        ("office", office),
        ("normative", normative),
        ("revision", published),
        ("foreign", foreign),
    ):
        w.items[key] = InformationItem.objects.get(pk=item.pk)
    return w


@pytest.fixture
def world():
    return build()


def console(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user, backend=MODEL_BACKEND)
    return client


def api(user) -> tuple[Client, dict]:
    _, raw = tokens.issue(user=user, name="草稿可见性")
    return Client(raise_request_exception=False), {"Authorization": f"Bearer {raw}"}


def body(response) -> str:
    """The body as text; a JSON body decoded (the API escapes non-ASCII, so a title is not in its bytes)."""
    if response.get("Content-Type", "").startswith("application/json"):
        return json.dumps(response.json(), ensure_ascii=False)
    return response.content.decode()


# --- the matrix: every class of person, a draft they see and one they do not ------------------------------


@pytest.mark.parametrize("who", sorted(SEES))
def test_each_person_sees_exactly_the_drafts_of_their_department_chain_or_role(world, who):
    user = getattr(world.staff, who)
    client = console(user)
    sees = SEES[who]
    problems = []

    listing = body(client.get(reverse("console:items")))
    inbox = body(client.get(reverse("console:inbox")))
    count = int(re.search(r"共 (\d+) 条", listing).group(1))
    if count != len(permissions.visible_items(user).filter(organization=world.staff.org)):
        problems.append(f"count {count}")
    for key in (*ORG, "foreign"):
        item, title, visible = world.items[key], TITLES[key], key in sees
        draft_title = REVISED_TITLE if key == "revision" else title
        searched = body(client.get(reverse("console:items"), {"q": draft_title[:6]}))
        for page, text in (("list", listing), ("search", searched)):
            if (draft_title in text) != visible:
                problems.append(f"{key}: {page} shows it: {draft_title in text}")
        if not visible and draft_title in inbox:  # the inbox lists only what asks for this person's action
            problems.append(f"{key}: inbox shows it")
        detail = client.get(reverse("console:item", args=[item.pk]))
        review = client.get(reverse("console:review", args=[item.pk]))
        if key == "revision":  # published: every member opens it, only as published
            for name, response in (("detail", detail), ("review", review)):
                text = body(response)
                if response.status_code != 200:
                    problems.append(f"{key}: {name} {response.status_code}")
                shown = [s for s in (REVISED_TITLE, REVISED_BODY, HEAD_OPINION, FILES[key]) if s in text]
                if visible and name == "detail" and len(shown) != 4:
                    problems.append(f"{key}: {name} lacks the revision: {shown}")
                if not visible and shown:
                    problems.append(f"{key}: {name} shows {shown}")
            published = client.get(reverse("console:attachment", args=[item.pk, world.published_file.pk]))
            if published.status_code != 200:
                problems.append(f"{key}: published attachment {published.status_code}")
        else:
            expected = 200 if visible else 404
            for name, response in (("detail", detail), ("review", review)):
                if response.status_code != expected:
                    problems.append(f"{key}: {name} {response.status_code}, expected {expected}")
                if not visible and title in body(response):
                    problems.append(f"{key}: {name} shows the title")
        if key in world.files:
            download = client.get(reverse("console:attachment", args=[item.pk, world.files[key].pk]))
            expected = 200 if visible else 404
            if download.status_code != expected:
                problems.append(f"{key}: attachment {download.status_code}, expected {expected}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("who", sorted(SEES))
def test_the_staff_api_answers_each_person_as_the_console_does(world, who):
    user = getattr(world.staff, who)
    client, headers = api(user)
    problems = []
    for key in (*ORG, "foreign"):
        item, visible = world.items[key], key in SEES[who]
        response = client.get(f"/api/v1/staff/items/{item.pk}", headers=headers)
        text = body(response)
        if key == "revision":
            revisions = response.json()["revisions"] if response.status_code == 200 else None
            if response.status_code != 200:
                problems.append(f"{key}: {response.status_code}")
            elif visible and ([r["number"] for r in revisions] != [1, 2] or REVISED_TITLE not in text):
                problems.append(f"{key}: revisions {[r['number'] for r in revisions]}")
            elif not visible:
                leaked = [s for s in (REVISED_TITLE, REVISED_BODY, HEAD_OPINION, FILES[key]) if s in text]
                if [r["number"] for r in revisions] != [1] or leaked or response.json()["current_step"]:
                    problems.append(f"{key}: shows the revision {leaked}")
            continue
        expected = 200 if visible else 404
        if response.status_code != expected:
            problems.append(f"{key}: {response.status_code}, expected {expected}")
        if (TITLES[key] in text) != visible:
            problems.append(f"{key}: shows the title: {TITLES[key] in text}")
    assert not problems, "\n".join(problems)


# --- the chain is the organisation's ReviewStep data ---------------------------------------------------------


def test_the_chain_is_read_from_the_review_steps_including_those_an_item_already_passed():
    s = make_staff()
    before = make_draft(s, by=s.other_drafter, lead_department=s.other_dept, title="改链前送审的草稿")
    services.submit_for_review(user=s.other_drafter, item=before)
    after = make_draft(s, by=s.other_drafter, lead_department=s.other_dept, title="改链后的草稿")

    def sees(user, item):
        return permissions.visible_items(user).filter(pk=item.pk).exists()

    assert sees(s.secrecy, before) and sees(s.secrecy, after)
    assert not sees(s.policy_reviewer, before) and not sees(s.policy_reviewer, after)
    # The organisation drops 保密审查 and adds a step of 政策法规科 (a fixed department).
    ReviewStep.objects.filter(organization=s.org, role=Role.CONFIDENTIALITY_REVIEWER).delete()
    ReviewStep.objects.create(
        organization=s.org,
        position=9,
        name="合法性审查",
        role=Role.POLICY_REVIEWER,
        scope=StepScope.FIXED_DEPARTMENT,
        department=s.policy,
    )
    s.secrecy.refresh_from_db()
    assert sees(s.secrecy, before), "the step its review round holds stays its chain"
    assert not sees(s.secrecy, after), "a step the item will no longer reach gives nothing"
    assert sees(s.policy_reviewer, before) and sees(s.policy_reviewer, after)
    # A policy reviewer outside 政策法规科 holds the role but not the fixed department's step.
    from tests.publishing.helpers import person

    elsewhere = person(s, s.dept, [Role.POLICY_REVIEWER])
    assert not sees(elsewhere, after)


def test_an_organisation_without_its_own_chain_uses_the_default_one():
    s = make_staff()
    draft = make_draft(s, by=s.other_drafter, lead_department=s.other_dept)
    ReviewStep.objects.filter(organization=s.org).delete()  # submission would create the default chain
    assert permissions.visible_items(s.secrecy).filter(pk=draft.pk).exists()
    assert not permissions.visible_items(s.head).filter(pk=draft.pk).exists()


def test_whoever_may_act_on_a_draft_sees_it():
    """The visibility rule covers every action rule: edit, submit, each review step, publish, fast track."""
    s = make_staff()
    people = s.people()
    item = make_draft(s, by=s.other_drafter, lead_department=s.other_dept)
    acted = set()

    def check():
        state = InformationItem.objects.select_related("latest_revision").get(pk=item.pk)
        task = services.current_task(state)
        for name, user in people.items():
            may = any(permissions.can(a, user, state) for a in ("edit", "submit", "publish", "fast_track"))
            if may or (task is not None and not permissions.decide_failures(user, task)):
                acted.add(name)
                assert permissions.visible_items(user).filter(pk=item.pk).exists(), (name, state.status)

    check()
    services.submit_for_review(user=s.other_drafter, item=item)
    for approver in (s.other_head, s.secrecy, s.editor2, s.leader):
        check()
        services.approve_step(user=approver, item=item, opinion="同意", bottom_lines=ALL_BOTTOM_LINES)
    check()
    assert acted == {"other_drafter", "other_head", "secrecy", "editor", "editor2", "leader"}


# --- a published item's unpublished revision -----------------------------------------------------------------


def test_the_history_of_a_published_item_hides_its_unpublished_revision_from_others(world):
    item = world.items["revision"]
    outsider = console(world.staff.other_drafter).get(reverse("console:item", args=[item.pk]))
    insider = console(world.staff.drafter).get(reverse("console:item", args=[item.pk]))
    # The published v1 and its review are there for everyone; v2's start, edits, upload and opinion are not.
    for text in (body(outsider), body(insider)):
        assert "版本 v1 · 第 1 轮审核" in text and "已发布" in text
    assert "版本 v2" in body(insider) and "开始修订" in body(insider) and "当前版本:v2" in body(insider)
    assert "版本 v2" not in body(outsider) and "当前版本:v1" in body(outsider)
    assert "开始修订" not in body(outsider) and "法定发布期限" not in body(outsider)
    response = api(world.staff.other_drafter)
    data = response[0].get(f"/api/v1/staff/items/{item.pk}", headers=response[1]).json()
    assert {e["data"].get("revision") for e in data["history"]} <= {1, None}
    assert {t["revision"] for t in data["review_tasks"]} == {1}
    assert data["publication_due_on"] is None


def test_actions_on_a_hidden_revision_are_refused_as_if_there_were_none(world):
    """Someone who may not see the revision learns nothing from a refusal: they get the answer a published
    item without a revision gives."""
    item = world.items["revision"]
    plain = make_published(world.staff, title="没有修订版本的已公开信息")
    client = console(world.staff.other_drafter)
    answers = []
    for target in (item, plain):
        response = client.post(reverse("console:item_edit", args=[target.pk]), {"title": "x"})
        submit = client.post(reverse("console:item_action", args=[target.pk, "submit"]), follow=True)
        approve = client.post(reverse("console:item_action", args=[target.pk, "approve"]), follow=True)
        messages = [[str(m) for m in r.context["messages"]] if r.context else [] for r in (submit, approve)]
        answers.append((response.status_code, messages))
    assert answers[0] == answers[1]
    c, headers = api(world.staff.other_drafter)
    refusals = []
    for target in (item, plain):
        patch = c.patch(
            f"/api/v1/staff/items/{target.pk}",
            data=json.dumps({"title": "修改后的信息标题", "lock_version": target.lock_version}),
            content_type="application/json",
            headers=headers,
        )
        approve = c.post(f"/api/v1/staff/items/{target.pk}/approve", headers=headers)
        refusals.append([(r.status_code, r.json().get("reasons")) for r in (patch, approve)])
    assert refusals[0][1] == refusals[1][1] and refusals[0][1][0] == 409
    assert refusals[0][0][0] == 409 and refusals[0][0][1] == refusals[1][0][1]


def test_a_draft_of_another_department_is_404_for_every_action_and_upload(world):
    item = world.items["art"]
    client = console(world.staff.other_drafter)
    for action in ("submit", "approve", "reject", "publish", "fast_track", "revise", "withdraw"):
        assert client.post(reverse("console:item_action", args=[item.pk, action])).status_code == 404
    for url in (
        reverse("console:item_edit", args=[item.pk]),
        reverse("console:attachment_upload", args=[item.pk]),
        reverse("console:attachment_remove", args=[item.pk, world.files["art"].pk]),
        reverse("console:interpretation_plan", args=[item.pk]),
        reverse("console:policy_opinion", args=[item.pk]),
        reverse("console:media_confirm", args=[item.pk, world.files["art"].pk]),
    ):
        assert client.post(url).status_code == 404, url
    c, headers = api(world.staff.other_drafter)
    for suffix, payload in (
        ("", {}),
        ("/submit", {}),
        ("/approve", {}),
        ("/reject", {"opinion": "退回"}),
        ("/publish", {}),
    ):
        response = c.post(
            f"/api/v1/staff/items/{item.pk}{suffix}",
            data=json.dumps(payload),
            content_type="application/json",
            headers=headers,
        )
        assert response.status_code in (404, 405), suffix  # 405: no POST on the item itself
    assert c.patch(f"/api/v1/staff/items/{item.pk}", headers=headers).status_code in (404, 422)
    response = c.patch(
        f"/api/v1/staff/items/{item.pk}",
        data='{"title": "修改后的信息标题", "lock_version": 0}',
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 404
    assert InformationItem.objects.get(pk=item.pk).latest_revision.title == TITLES["art"]


def test_the_new_item_form_offers_and_prefills_only_visible_documents(world):
    client = console(world.staff.other_drafter)
    art = world.items["art"]
    page = body(client.get(reverse("console:item_create"), {"interprets": art.pk}))
    assert TITLES["art"] not in page
    assert TITLES["industry"] in page  # their own department's draft may be interpreted
    assert REVISED_TITLE not in page and TITLES["revision"] in page  # the published one, as published
    response = client.post(
        reverse("console:item_create"),
        {"title": "解读", "interprets": art.pk, "lead_department": world.staff.other_dept.pk},
    )
    assert response.status_code == 200 and "interprets" in response.context["form"].errors


def test_a_document_page_lists_only_the_interpretations_its_reader_may_see(world):
    s = world.staff
    document = world.items["revision"]  # published, open to every member
    make_draft(
        s,
        by=s.other_drafter,
        title="产业发展科对名录公告的解读草稿",
        lead_department=s.other_dept,
        interprets=document,
        interpretation_form="text",
    )
    assert "产业发展科对名录公告的解读草稿" in body(
        console(s.other_drafter).get(f"/console/items/{document.pk}/")
    )
    assert "产业发展科对名录公告的解读草稿" not in body(
        console(s.drafter).get(f"/console/items/{document.pk}/")
    )


def test_a_masked_item_is_never_saved(world):
    item = permissions.visible_items(world.staff.other_drafter).get(pk=world.items["revision"].pk)
    assert item.latest_revision_id == item.live_revision_id and item.hidden_revision_id
    with pytest.raises(RuntimeError):
        item.save()
    assert InformationItem.objects.get(pk=item.pk).latest_revision.title == REVISED_TITLE


def test_view_failures_follow_the_rule(world):
    s = world.staff
    assert permissions.view_failures(s.drafter, world.items["art"]) == []
    assert permissions.view_failures(s.other_drafter, world.items["art"]) == [permissions.NOT_FOUND]
    assert permissions.view_failures(s.other_drafter, world.items["revision"]) == []
    assert permissions.view_failures(world.other.editor, world.items["art"]) == [permissions.NOT_MEMBER]


def test_a_concern_case_shows_its_response_draft_only_to_those_who_may_read_it(world):
    """A 舆情 case's website response may be a draft (it stops the clocks when published); the people of
    the case who may not read that draft see that a response is in preparation, not its title or a link."""
    from gongkai.concerns import services as concerns
    from gongkai.concerns.constants import ResponseChannel
    from tests.concerns.factories import make_case

    s = world.staff
    case = make_case(s, department=s.other_dept, title="产业发展科负责的舆情")
    for key in ("art", "revision"):
        concerns.record_response(
            user=s.editor,
            case=case,
            channel=ResponseChannel.WEBSITE,
            summary="网站回应",
            item=world.items[key],
        )
    url = f"/console/concerns/cases/{case.pk}/"
    art, revision = world.items["art"], world.items["revision"]
    for reader in (s.other_drafter, s.monitor):  # the responsible department; the office's monitor
        page = body(console(reader).get(url))
        assert "产业发展科负责的舆情" in page, reader
        assert TITLES["art"] not in page and f"/console/items/{art.pk}/" not in page
        assert "无权查看" in page  # the row is there: a response is being prepared
        assert REVISED_TITLE not in page and TITLES["revision"] in page  # the published version
    page = body(console(s.editor).get(url))
    assert TITLES["art"] in page and f"/console/items/{art.pk}/" in page
    assert REVISED_TITLE in page and f"/console/items/{revision.pk}/" in page


def test_a_consultation_page_names_its_notice_draft_only_to_those_who_may_read_it():
    """The consultation page of its department shows the 征求意见 notice; when an office editor moved that
    draft to another department, the department's people no longer read it, and the page must not either."""
    from tests.participation.test_consultations import make_consultation

    s = make_staff()
    consultation = make_consultation(s)  # by 艺术科's drafter; the notice's lead department is 艺术科
    secret = "办公室改写后的公告草稿标题"
    notice = InformationItem.objects.get(pk=consultation.item_id)
    services.update_draft(user=s.editor, item=notice, data={"lead_department": s.office, "title": secret})
    url = f"/console/participation/consultations/{consultation.pk}/"
    assert console(s.head).get(f"/console/items/{notice.pk}/").status_code == 404
    page = body(console(s.head).get(url))
    assert consultation.title in page or "征求意见" in page
    assert secret not in page and f"/console/items/{notice.pk}/" not in page
    assert "公告正在起草或审核中(无权查看)" in page
    page = body(console(s.editor).get(url))
    assert secret in page and f"/console/items/{notice.pk}/" in page


def test_a_concern_case_records_the_live_title_when_a_lost_publication_is_caught_up():
    """The catch-up of a publication whose signal was lost may run after a new revision started: the
    case's timeline, seen by everyone who sees the case, takes the published title, not the working one."""
    from gongkai.concerns import services as concerns
    from gongkai.concerns.constants import ResponseChannel
    from tests.concerns.factories import make_case
    from tests.factories import review_through

    s = make_staff()
    case = make_case(s, department=s.other_dept, title="产业发展科负责的舆情")
    item = make_draft(s, title="网站回应(已发布标题)")
    concerns.record_response(
        user=s.editor, case=case, channel=ResponseChannel.WEBSITE, summary="回应", item=item
    )
    services.submit_for_review(user=s.drafter, item=item)
    services.publish(user=s.editor, item=review_through(s, item))  # its signal never runs in this test
    services.start_revision(user=s.drafter, item=InformationItem.objects.get(pk=item.pk))
    secret = "尚未发布的修订稿标题"
    services.update_draft(
        user=s.drafter, item=InformationItem.objects.get(pk=item.pk), data={"title": secret}
    )
    assert concerns.catch_up_published_responses() == 1
    page = body(console(s.other_drafter).get(f"/console/concerns/cases/{case.pk}/"))
    assert "回应已在网站发布:网站回应(已发布标题)" in page
    assert secret not in page


def test_a_stale_edit_of_an_interpretation_never_names_a_document_its_editor_may_not_read():
    s = make_staff()
    secret = "艺术科尚未公开的文件草稿"
    document = make_draft(s, title=secret)  # 艺术科: 产业发展科's drafter may not read it
    interpretation = make_draft(
        s,
        by=s.editor,
        title="产业发展科的解读草稿",
        lead_department=s.other_dept,
        interprets=document,
        interpretation_form="text",
        source="产业发展科",
    )
    client = console(s.other_drafter)
    url = f"/console/items/{interpretation.pk}/edit/"
    form = client.get(url).context["form"]
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if name == "interprets" or value is None:
            value = ""  # the hidden document is not among this person's choices
        if isinstance(value, list):
            data[name] = [str(v) for v in value]
        elif hasattr(value, "isoformat"):
            data[name] = value.isoformat()
        else:
            data[name] = str(getattr(value, "pk", value))
    data = {k: v for k, v in data.items() if v != [] and k != "docx_file"}
    services.update_draft(
        user=s.editor,
        item=InformationItem.objects.get(pk=interpretation.pk),
        data={"summary": "编辑改了概述"},
    )
    response = client.post(url, data)
    page = body(response)
    assert response.status_code == 409
    assert secret not in page
    assert "(无权查看的信息)" in page
