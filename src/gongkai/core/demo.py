"""Builds the demo organisation through the same services the product uses, so every demo item has
a real review record, approval form and audit trail. Idempotent: what exists is left alone."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from gongkai.catalogue import selectors as catalogue_selectors
from gongkai.catalogue import services as catalogue_services
from gongkai.catalogue.models import CatalogueEntry
from gongkai.interpretation import rules as interpretation_rules
from gongkai.interpretation import services as interpretation_services
from gongkai.orgs.models import Department, Membership, Organization, User
from gongkai.publishing import services
from gongkai.publishing.approval_forms import build_approval_form
from gongkai.publishing.models import InformationItem, ReviewTask, Revision, Topic
from gongkai.review.constants import BOTTOM_LINES

from . import demo_content as content


@dataclass
class DemoResult:
    organization: Organization
    created_items: int = 0
    existing_items: int = 0
    logins: list[tuple[str, str, str]] = field(default_factory=list)


def _organization() -> Organization:
    org, _ = Organization.objects.get_or_create(code=content.ORG["code"], defaults=content.ORG)
    return org


def _departments(org: Organization) -> dict[str, Department]:
    out = {}
    for i, (code, name, kind) in enumerate(content.DEPARTMENTS):
        out[code], _ = Department.objects.get_or_create(
            organization=org, code=code, defaults={"name": name, "kind": kind, "ordering": i}
        )
    return out


def _people(org: Organization, departments: dict[str, Department], password: str) -> dict[str, User]:
    people = {}
    for username, full_name, dept, roles, fast_track in content.PEOPLE:
        user, created = User.objects.get_or_create(username=username, defaults={"full_name": full_name})
        if created:
            user.set_password(password)
            if any(r in roles for r in ("system_admin", "security_admin", "audit_admin")):
                user.is_staff = True  # the admin site, where each sees only their own part
            user.save()
        Membership.objects.get_or_create(
            user=user,
            organization=org,
            defaults={"department": departments[dept], "roles": roles, "can_fast_track": fast_track},
        )
        people[username] = user
    return people


def _topics(org: Organization) -> dict[str, Topic]:
    return {
        code: Topic.objects.get_or_create(
            organization=org, code=code, defaults={"name": name, "ordering": i}
        )[0]
        for i, (code, name) in enumerate(content.TOPICS)
    }


def _catalogue(org: Organization) -> dict[str, CatalogueEntry]:
    """The default basic catalogue of a municipal culture and tourism bureau (loaded once, kept after)."""
    catalogue_services.load_default_catalogue(org)
    return {entry.code: entry for entry in catalogue_selectors.entries(org)}


def _portal_pages(org: Organization) -> None:
    """The guide (指南) and the rules (制度) columns of the platform, unless already written."""
    from gongkai.portal.models import PortalPage
    from gongkai.portal.services import save_page

    for kind, title, body in (
        (PortalPage.Kind.GUIDE, content.GUIDE_TITLE, content.GUIDE_HTML),
        (PortalPage.Kind.RULES, content.RULES_TITLE, content.RULES_HTML),
    ):
        if not PortalPage.objects.filter(organization=org, kind=kind).exists():
            save_page(PortalPage(organization=org, kind=kind, title=title, body=body), user=None)


def _pdf_bytes(title: str) -> bytes:
    """A small valid one-page PDF (ASCII text: the built-in fonts have no Chinese glyphs)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": title})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _docx_bytes(title: str, paragraphs: list[str]) -> bytes:
    import docx

    document = docx.Document()
    document.add_heading(title, level=1)
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _body(title: str, dept_name: str) -> tuple[str, str]:
    summary = f"{dept_name}发布《{title}》,供社会公众查阅。"
    body = (
        f"<p>为做好相关工作,现将《{title}》予以公开。</p>"
        "<p>一、本信息由" + dept_name + "负责解释。</p>"
        "<p>二、公众对本信息有疑问的,可在工作日拨打办公室电话咨询,或通过本网站“网民纠错”提出意见。</p>"
        "<p>特此公告。</p>"
    )
    return summary, body


DEPT_PEOPLE = {
    "ysk": ("drafter", "depthead"),
    "ggfwk": ("ggfw_drafter", "ggfw_head"),
    "cyfzk": ("cyfz_drafter", "cyfz_head"),
    "scglk": ("scgl_drafter", "scgl_head"),
    "wwk": ("ww_drafter", "ww_head"),
    "zykfk": ("zykf_drafter", "zykf_head"),
    "bgs": ("bgs_drafter", "bgs_head"),
    "zcfgk": ("policy", "zcfg_head"),
}


def _publish_item(org, spec, departments, people, topics, entries) -> InformationItem:
    title, dept_code, entry_code, topic_code, doc_number, formed, attachment, _abolished = spec
    dept = departments[dept_code]
    drafter_name, head_name = DEPT_PEOPLE[dept_code]
    drafter, head = people[drafter_name], people[head_name]
    summary, body = _body(title, dept.name)
    formed_on = datetime.date.fromisoformat(formed)
    item = services.create_draft(
        user=drafter,
        organization=org,
        data={
            "title": title,
            "document_number": doc_number,
            "lead_department": dept,
            "formed_on": formed_on,
            "effective_on": formed_on if doc_number else None,
            "topic": topics[topic_code],
            "catalogue_entry": entries[entry_code],
            "summary": summary,
            "body": body,
            "source": dept.name,
        },
    )
    if attachment == "pdf":
        upload = SimpleUploadedFile(f"{title[:40]}.pdf", _pdf_bytes(title), content_type="application/pdf")
        services.attach_file(user=drafter, item=item, upload=upload)
    elif attachment == "docx":
        data = _docx_bytes(title, [summary, "附件内容详见正文。"])
        upload = SimpleUploadedFile(f"{title[:40]}.docx", data)
        services.attach_file(user=drafter, item=item, upload=upload)
    revision = item.latest_revision
    if interpretation_rules.requires(revision):  # 谁起草、谁解读: the plan goes to review with the document
        interpretation_services.save_plan(
            user=drafter,
            item=item,
            data={
                "organizer": f"{dept.name}牵头,科室负责同志为第一责任人",
                "outline": "一、出台背景和依据;二、主要内容;三、新旧政策差异;四、名词解释",
                "forms": ["text", "graphic"],
                "planned_on": formed_on.isoformat(),
                "channels": "门户网站政策解读栏目、政务新媒体",
            },
        )
    services.submit_for_review(user=drafter, item=item)
    if interpretation_rules.requires(revision) and interpretation_rules.is_normative(revision):
        interpretation_services.give_policy_opinion(
            user=people["policy"], item=item, opinion="解读方案和材料准确、通俗,同意。"
        )
    for reviewer in (head, people["secrecy"], people["editor2"], people["leader"]):
        services.approve_step(
            user=reviewer,
            item=item,
            opinion="同意公开。",
            bottom_lines=[code for code, _label in BOTTOM_LINES],
        )
    item = services.publish(user=people["editor"], item=item)
    _backdate(item, formed_on)
    return item


def _backdate(item: InformationItem, formed_on: datetime.date) -> None:
    """Give a demo item a plausible history: drafted on its formed date, reviewed over the next days,
    published three days later. The whole record moves together (revision, review steps, approval form)
    so what the console and the approval form show agrees with the public page; the audit log keeps the
    real time at which the demo was loaded, and a `core.demo_loaded` event says so."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(formed_on, datetime.time(9), tzinfo=tz)
    published = min(start + datetime.timedelta(days=3, hours=1), timezone.now())
    revision = item.live_revision
    step = (published - start) / 6
    Revision.objects.filter(pk=revision.pk).update(
        created_at=start,
        updated_at=start,
        submitted_at=start + step,
        approved_at=published - step,
        published_at=published,
    )
    for i, task in enumerate(revision.tasks.order_by("position"), start=1):
        ReviewTask.objects.filter(pk=task.pk).update(
            started_at=start + step * i, decided_at=start + step * (i + 1)
        )
    InformationItem.objects.filter(pk=item.pk).update(
        created_at=start, published_at=published, first_published_at=published
    )
    item.refresh_from_db()
    form = build_approval_form(item, Revision.objects.get(pk=revision.pk))
    type(form).objects.filter(pk=form.pk).update(created_at=published)


def _existing_titles(org: Organization) -> dict[str, InformationItem]:
    return {
        item.latest_revision.title: item
        for item in InformationItem.objects.filter(organization=org).select_related("latest_revision")
        if item.latest_revision
    }


def load_demo(password: str) -> DemoResult:
    with transaction.atomic():
        org = _organization()
        departments = _departments(org)
        people = _people(org, departments, password)
        topics = _topics(org)
        entries = _catalogue(org)
        services.ensure_default_chain(org)
        _portal_pages(org)
    result = DemoResult(organization=org)
    existing = _existing_titles(org)
    for spec in content.ITEMS:
        if spec[0] in existing:
            result.existing_items += 1
            continue
        existing[spec[0]] = _publish_item(org, spec, departments, people, topics, entries)
        result.created_items += 1
    for spec in content.ITEMS:
        title, abolished = spec[0], spec[7]
        item = existing[title]
        if abolished and item.abolished_on is None:
            replacement = existing.get(content.REPLACED_BY.get(title, ""))
            services.abolish(
                user=people["editor"],
                item=item,
                abolished_on=datetime.date.fromisoformat(abolished),
                replaced_by=replacement,
                note="已被新规定替代。" if replacement else "",
            )
    from gongkai.concerns import demo as concerns_demo

    concerns_demo.load(org, departments=departments, people=people)
    from gongkai.participation import demo as participation_demo

    participation_demo.load(org, departments=departments, people=people, entries=entries, topics=topics)
    if result.created_items:
        from gongkai.audit import services as audit

        audit.record(
            action="core.demo_loaded",
            organization=org,
            target=org,
            data={"items": result.created_items, "note": "示范信息的成文、审核和发布时间为模拟的历史时间。"},
        )
    for username, full_name, _dept, roles, _ in content.PEOPLE[:10]:
        result.logins.append((username, full_name, "、".join(roles)))
    return result


def enrol_demo_administrators() -> list[tuple[str, str]]:
    """The demo's administrators must use a second factor (gongkai.orgs.totp): enrol each with a new
    secret, or keep the one it has, and return ``(username, secret)`` for the demo command to print."""
    from gongkai.orgs import totp

    admin_roles = {"system_admin", "security_admin", "audit_admin"}
    out = []
    for username, _name, _dept, roles, _ in content.PEOPLE:
        if not admin_roles & set(roles):
            continue
        user = User.objects.filter(username=username).first()
        if user is None:
            continue
        if not totp.is_enrolled(user):
            secret = totp.generate_secret()
            # Confirmed with the previous step's code, so the code shown now is still usable to log in.
            totp.enrol(user, secret=secret, code=totp.code_at(secret, totp.step_at() - 1))
        out.append((username, totp.secret_of(user)))  # stored encrypted
    return out
