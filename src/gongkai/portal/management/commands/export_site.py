"""`gongkai export_site DIR`: write every published item page as a static file for nginx."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gongkai.portal import export


class Command(BaseCommand):
    help = (
        "将全部已发布信息的页面导出为静态文件(DIR/xxgk/items/<索引号>/index.html),"
        "并删除已撤回信息的页面。省略 DIR 时使用 GONGKAI_EXPORT_DIR。"
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", nargs="?", help="导出目录(默认 GONGKAI_EXPORT_DIR)")

    def handle(self, *args, directory=None, **options):
        root = Path(directory) if directory else export.export_dir()
        if root is None:
            raise CommandError("请指定导出目录,或设置 GONGKAI_EXPORT_DIR。")
        report = export.export_site(root)
        for index_number in report.refused:
            self.stderr.write(f"索引号“{index_number}”不能作为文件路径,未导出(该页面仍由应用提供)。")
        self.stdout.write(
            f"已导出 {report.written} 个信息页面,删除 {report.removed} 个不再公开的页面,"
            f"跳过 {len(report.refused)} 个。"
        )
