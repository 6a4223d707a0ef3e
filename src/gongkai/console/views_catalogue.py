"""The catalogue health page (目录健康, DOMAIN P9): empty and overdue columns, misplaced items and
normative documents whose validity needs confirming. The rules are in gongkai.catalogue.health."""

from __future__ import annotations

from django.shortcuts import render

from gongkai.catalogue import health

from .access import ConsoleForbidden, console_view


@console_view
def catalogue_health(request):
    failures = health.scope_failures(request.membership)
    if failures:
        raise ConsoleForbidden(failures)
    report = health.report_for(request.membership)
    return render(
        request,
        "console/catalogue_health.html",
        {
            "report": report,
            "sections": [
                ("empty", "空白栏目", "栏目中没有任何已发布的信息。", report.empty),
                ("overdue", "未按期更新栏目", "最后一次发布已超过栏目的更新期限。", report.overdue),
                ("ok", "正常栏目", "", report.ok),
            ],
            "item_sections": [
                (
                    "misplaced",
                    "未归入末级栏目的已发布信息",
                    "每条已发布信息都应归入基本目录的末级栏目。请修订以下信息的目录分类。",
                    report.misplaced,
                ),
                (
                    "validity",
                    "有效期待确认的规范性文件",
                    "行政规范性文件未规定有效期的,一般自施行之日起 5 年内有效。以下文件已施行 5 年以上,"
                    "未标注废止或失效日期,请确认是否继续有效。",
                    report.validity_unconfirmed,
                ),
            ],
            "risk_threshold": health.RISK_THRESHOLD,
        },
    )
