from django.core.management.base import BaseCommand

from gongkai.search import index


class Command(BaseCommand):
    help = "重建全文检索索引:清空后重新索引全部已发布信息(标题、文号、概述、正文、附件文本)。"

    def handle(self, *args, **options):
        def progress(done: int, total: int) -> None:
            if options["verbosity"] >= 2:
                self.stdout.write(f"{done}/{total}")

        count = index.rebuild(progress=progress)
        self.stdout.write(self.style.SUCCESS(f"已重建检索索引:{count} 条已发布信息。"))
