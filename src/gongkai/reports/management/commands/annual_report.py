"""gongkai annual_report YEAR [--org CODE] [--output FILE.docx]

Writes the draft Word file of a year's 政府信息公开工作年度报告: part 二's 规章 and 行政规范性文件 counted now
from the records, the entered figures and texts as saved in the console (blank, and part 一 prefilled,
when nothing has been saved yet). It changes nothing in the database.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gongkai.orgs.models import Organization
from gongkai.reports import annual


class Command(BaseCommand):
    help = "生成某年度政府信息公开工作年度报告的 Word 草稿(第二部分规章、行政规范性文件按系统记录统计)。"

    def add_arguments(self, parser):
        parser.add_argument("year", help="报告年度,例如 2025")
        parser.add_argument("--org", dest="org_code", metavar="CODE", help="机构代码(只有一个机构时可省略)")
        parser.add_argument(
            "--output", metavar="FILE.docx", help="输出文件(默认 annual-report-机构代码-年度.docx)"
        )

    def handle(self, *args, year: str, org_code: str | None, output: str | None, **options):
        if not str(year).isdigit() or len(str(year)) != 4:
            raise CommandError(f"年度“{year}”无效,请填写四位数字的年份,例如 2025。")
        year_number = int(year)
        failures = annual.year_failures(year_number)
        if failures:
            raise CommandError(failures[0])
        organization = self._organization(org_code)
        report = annual.report_or_new(organization, year_number)
        data = annual.report_data(report)
        path = Path(output or f"annual-report-{organization.code}-{year_number}.docx")
        if path.suffix.lower() != ".docx":
            raise CommandError(f"输出文件“{path}”须以 .docx 结尾。")
        try:
            path.write_bytes(annual.annual_report_docx(data))
        except OSError as e:
            raise CommandError(f"无法写入文件“{path}”:{e.strerror or e}。") from None
        state = report.status_label if report.pk else "尚未填报,填报数据按0计"
        self.stdout.write(f"已生成《{data.title}》草稿({state}):{path}")
        for counts in data.counts:
            self.stdout.write(
                f"  {counts.label}:本年制发{counts.made}件,本年废止{counts.abolished}件,现行有效{counts.in_force}件"
            )
        for problem in data.totals.problems:
            self.stderr.write(f"注意:{problem}")

    def _organization(self, code: str | None) -> Organization:
        if code:
            organization = Organization.objects.filter(code=code).first()
            if organization is None:
                raise CommandError(f"机构“{code}”不存在。")
            return organization
        organizations = list(Organization.objects.filter(is_active=True).order_by("code")[:11])
        if not organizations:
            raise CommandError("系统中还没有机构。")
        if len(organizations) > 1:
            codes = "、".join(o.code for o in organizations[:10])
            raise CommandError(
                f"有多个机构,请用 --org 指定机构代码({codes}{'等' if len(organizations) > 10 else ''})。"
            )
        return organizations[0]
