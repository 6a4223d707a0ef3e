"""The demo organisation's public participation: an open consultation with its notice published through
the workflow, an answered message shown publicly, a past interview with its transcript and an upcoming
one. Built through the same services the product uses; idempotent (skipped when any exists)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from gongkai.review.constants import BOTTOM_LINES

from .constants import ConsultationKind
from .models import Consultation, Interview, Message

DRAFT = """第一条 为规范本市A级旅游景区门票预约和退改服务,保障游客合法权益,制定本办法。
第二条 本市行政区域内实行门票预约的A级旅游景区适用本办法。
第三条 景区应当在游览日前一日24时前无条件受理门票退改,不得收取手续费。
第四条 景区应当公布预约、退改渠道和客服电话,工作时间内电话接通率不低于90%。
第五条 本办法自印发之日起施行,有效期五年。"""


def _publish(item, people) -> None:
    from gongkai.publishing import services as publishing

    publishing.submit_for_review(user=people["zykf_drafter"], item=item)
    for reviewer in (people["zykf_head"], people["secrecy"], people["editor2"], people["leader"]):
        publishing.approve_step(
            user=reviewer, item=item, opinion="同意公开。", bottom_lines=[code for code, _ in BOTTOM_LINES]
        )
    publishing.publish(user=people["editor"], item=item)


def load(org, *, departments, people, entries, topics) -> None:
    from . import consultations, interviews, messages

    today = timezone.localdate()
    if not Consultation.objects.filter(organization=org).exists():
        consultation = consultations.create_consultation(
            user=people["zykf_drafter"],
            organization=org,
            data={
                "department": departments["zykfk"],
                "kind": ConsultationKind.NORMATIVE,
                "title": "晋中市A级旅游景区门票预约和退改服务管理办法",
                "explanation": "近年来游客反映景区门票退改难、客服电话难打通。为回应关切、规范服务,"
                "资源开发科起草了本办法。主要内容:退改时限、手续费、客服接通率。",
                "opens_on": today,
                "closes_on": today + datetime.timedelta(days=30),
            },
            draft_text=DRAFT,
            catalogue_entry=entries["2201"],
            topic=topics["ly"],
        )
        _publish(consultation.item, people)
        consultations.advance_states(today)
    if not Message.objects.filter(organization=org).exists():
        message = messages.submit_message(
            organization=org,
            kind="consult",
            subject="平遥古城夜游开放时间",
            text="请问国庆期间平遥古城夜游项目几点结束?老人购票有优惠吗?",
            name="王先生",
            phone="13800000000",
            publish_ok=True,
            consented=True,
        )
        messages.route_message(message, people["editor"], departments["zykfk"])
        messages.answer_message(
            message,
            people["zykf_drafter"],
            "您好!国庆期间平遥古城夜游开放至22:00;60周岁以上老人凭有效证件享受半价优惠。感谢您的关注。",
        )
    if not Interview.objects.filter(organization=org).exists():
        now = timezone.now()
        past = interviews.create_interview(
            user=people["editor"],
            organization=org,
            data={
                "title": "解读《晋中市文化和旅游惠民消费券发放方案》",
                "description": "产业发展科负责同志解读消费券的发放对象、领取方式和使用范围。",
                "guests": "许刚 产业发展科科长\n何平 产业发展科工作人员",
                "department": departments["cyfzk"],
                "starts_at": now - datetime.timedelta(days=2, hours=1),
                "ends_at": now - datetime.timedelta(days=2),
            },
            now=now - datetime.timedelta(days=3),
        )
        interviews.set_published(user=people["editor"], interview=past, published=True)
        question = interviews.submit_question(
            interview=past,
            text="消费券在哪些景区可以使用?",
            name="晋中市民",
            now=now - datetime.timedelta(days=3),
        )
        interviews.approve_question(
            user=people["editor"], question=question, now=now - datetime.timedelta(days=3)
        )
        interviews.start_interview(user=people["editor"], interview=past)
        interviews.answer_question(
            user=people["editor"],
            question=question,
            guest="许刚 产业发展科科长",
            answer="全市A级旅游景区和签约的文化场馆均可使用,名单在局门户网站公布。",
            now=now - datetime.timedelta(days=2, minutes=30),
        )
        interviews.end_interview(user=people["editor"], interview=past)
        interviews.save_summary(
            user=people["editor"], interview=past, summary="嘉宾介绍了消费券的领取和使用。"
        )
        upcoming = interviews.create_interview(
            user=people["editor"],
            organization=org,
            data={
                "title": "景区门票预约和退改服务办法(征求意见稿)在线访谈",
                "description": "资源开发科负责同志与网友交流景区门票退改服务。",
                "guests": "唐亮 资源开发科科长",
                "department": departments["zykfk"],
                "starts_at": now + datetime.timedelta(days=7),
                "ends_at": now + datetime.timedelta(days=7, hours=1),
            },
        )
        interviews.set_published(user=people["editor"], interview=upcoming, published=True)
