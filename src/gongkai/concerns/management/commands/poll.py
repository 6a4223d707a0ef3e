from django.core.management.base import BaseCommand, CommandError

from gongkai.concerns import polling
from gongkai.concerns.models import Source


class Command(BaseCommand):
    help = "巡查舆情来源一次:默认只巡查已到时间的来源;--all 巡查全部启用的来源;--source 指定来源编号。"

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="巡查全部启用的来源,不论是否到时间。")
        parser.add_argument(
            "--source", type=int, action="append", metavar="ID", help="只巡查这个编号的来源(可重复)。"
        )
        parser.add_argument("--limit", type=int, default=None, help="最多巡查多少个来源。")

    def handle(self, *args, **options):
        if options["source"]:
            sources = list(Source.objects.filter(pk__in=options["source"]).select_related("organization"))
            missing = set(options["source"]) - {s.pk for s in sources}
            if missing:
                raise CommandError(
                    "没有编号为 " + "、".join(str(i) for i in sorted(missing)) + " 的舆情来源。"
                )
            for source in sources:
                if not source.enabled:
                    self.stdout.write(self.style.WARNING(f"{self._name(source)}:已停用,未巡查。"))
            sources = [s for s in sources if s.enabled]
        elif options["all"]:
            sources = list(Source.objects.filter(enabled=True).select_related("organization").order_by("pk"))
        else:
            sources = list(polling.due_sources(limit=options["limit"]))
        if options["limit"] and (options["source"] or options["all"]):
            sources = sources[: options["limit"]]

        total_new = failed = 0
        for source in sources:
            outcome = polling.poll_source(source)
            total_new += outcome.new
            line = f"{self._name(source)}:"
            if outcome.error:
                failed += 1
                line += f"失败({outcome.error})"
                if outcome.disabled:
                    line += f",连续失败 {source.consecutive_failures} 次,已停用"
                self.stdout.write(self.style.ERROR(line))
                continue
            if outcome.not_modified:
                line += "未变化"
            else:
                line += f"新内容 {outcome.new} 条,收录 {outcome.created} 条"
            if outcome.warnings:
                line += f"(提示:{';'.join(outcome.warnings)[:300]})"
            self.stdout.write(line)
        summary = f"共巡查 {len(sources)} 个来源,新内容 {total_new} 条,失败 {failed} 个。"
        self.stdout.write(self.style.SUCCESS(summary) if not failed else self.style.WARNING(summary))

    @staticmethod
    def _name(source: Source) -> str:
        return f"[{source.pk}] {source.name}"
