"""gongkai catalogue ORG_CODE --load-default | --export FILE | --import FILE"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gongkai.catalogue import excel, services
from gongkai.orgs.models import Organization


class Command(BaseCommand):
    help = "管理机构的基本目录:载入默认目录、导出为 Excel 或从 Excel 导入。"

    def add_arguments(self, parser):
        parser.add_argument("org_code", help="机构代码")
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument(
            "--load-default", action="store_true", help="补齐默认基本目录(只新增,不删除、不改名)"
        )
        action.add_argument("--export", metavar="FILE", help="导出为 .xlsx 文件")
        action.add_argument(
            "--import", dest="import_file", metavar="FILE", help="从 .xlsx 文件导入(按编码新增或更新)"
        )

    def handle(self, *args, org_code: str, load_default: bool, export, import_file, **options):
        organization = Organization.objects.filter(code=org_code).first()
        if organization is None:
            raise CommandError(f"机构“{org_code}”不存在。")
        if load_default:
            created = services.load_default_catalogue(organization)
            if created:
                self.stdout.write(f"已为“{organization.name}”新增 {created} 个默认目录分类。")
            else:
                self.stdout.write(f"“{organization.name}”已包含全部默认目录分类,未作改动。")
            return
        if export:
            data = excel.export_catalogue(organization)
            try:
                Path(export).write_bytes(data)
            except OSError as e:
                raise CommandError(f"无法写入文件“{export}”:{e.strerror or e}。") from None
            count = organization.catalogue.count()
            self.stdout.write(f"已导出“{organization.name}”的基本目录({count} 个目录分类)到 {export}。")
            return
        path = Path(import_file)
        if not path.is_file():
            raise CommandError(f"文件“{import_file}”不存在。")
        result = services.import_excel(organization, path, actor=None)
        if not result.ok:
            for message in result.errors:
                self.stderr.write(message)
            raise CommandError(f"导入失败,共 {len(result.errors)} 处错误,目录未作任何改动。")
        self.stdout.write(
            f"导入完成:新增 {result.created} 个,更新 {result.updated} 个,未变 {result.unchanged} 个。"
        )
