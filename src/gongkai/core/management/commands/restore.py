"""`gongkai restore FILE`: load an archive made by `gongkai backup` (see gongkai.core.backup)."""

from django.core.management.base import BaseCommand, CommandError

from gongkai.core.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "从 gongkai backup 生成的备份文件恢复数据库内容和媒体文件。先校验备份文件(SHA-256)和迁移状态;"
        "只写入刚执行过 gongkai migrate 的空数据库。恢复前请停止网站和后台任务进程。"
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="备份文件(.tar.gz)的路径。")
        parser.add_argument(
            "--force",
            action="store_true",
            help="目标数据库已有数据时,用备份替换其全部内容(包括审计日志),并覆盖同名的媒体文件。",
        )

    def handle(self, *args, archive, force=False, verbosity=1, **options):
        progress = (lambda message: self.stdout.write("  " + message)) if verbosity >= 2 else None
        try:
            result = restore_backup(archive, force=force, progress=progress)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(result.counts.values())
        tables = sum(1 for count in result.counts.values() if count)
        self.stdout.write(self.style.SUCCESS(f"恢复完成:{archive}"))
        self.stdout.write(f"  数据:{tables} 张表共 {rows} 行,行数与备份清单一致")
        self.stdout.write(f"  媒体文件:{result.media_files} 个")
        self.stdout.write(f"  审计日志:{result.audit_events} 条,哈希链校验通过")
        self.stdout.write(f"  检索索引:已重建,{result.indexed_items} 条信息")
        for warning in result.warnings:
            self.stderr.write(f"  警告:{warning}")
