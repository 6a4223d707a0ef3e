"""`gongkai backup`: the database content and the media files in one archive (see gongkai.core.backup)."""

from django.core.management.base import BaseCommand, CommandError

from gongkai.core.backup import BackupError, create_backup


def _size(n: int) -> str:
    for unit in ("字节", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n} {unit}" if unit == "字节" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)  # pragma: no cover


class Command(BaseCommand):
    help = (
        "备份数据库的全部内容和媒体文件(附件等)到一个 .tar.gz 文件,附带逐个成员的 SHA-256 校验清单。"
        "网站运行时也可备份:数据库内容取自同一时刻的一致快照。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "-o",
            "--output",
            help="备份文件路径(默认:var/backups/gongkai-backup-<日期时间>.tar.gz)。",
        )
        parser.add_argument("--no-media", action="store_true", help="不备份媒体文件(只备份数据库内容)。")

    def handle(self, *args, output=None, no_media=False, verbosity=1, **options):
        progress = (lambda message: self.stdout.write("  " + message)) if verbosity >= 2 else None
        try:
            result = create_backup(output, include_media=not no_media, progress=progress)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        except OSError as exc:
            raise CommandError(f"无法写入备份文件:{exc}") from None
        rows = sum(result.counts.values())
        tables = sum(1 for count in result.counts.values() if count)
        self.stdout.write(self.style.SUCCESS(f"备份完成:{result.path}({_size(result.size)})"))
        self.stdout.write(f"  数据:{tables} 张表共 {rows} 行(共备份 {len(result.counts)} 张表)")
        if no_media:
            self.stdout.write("  媒体文件:未备份(--no-media)")
        else:
            self.stdout.write(f"  媒体文件:{result.media_files} 个,{_size(result.media_bytes)}")
        for skipped in result.skipped_media:
            self.stderr.write(f"  警告:媒体目录中的“{skipped}”是符号链接或特殊文件,未备份。")
        if result.audit_problems:
            self.stderr.write(
                f"  警告:审计日志 {result.audit_events} 条,哈希链校验发现 {result.audit_problems} 个问题"
                "(已如实备份;请执行 gongkai verify_audit 查看)。"
            )
        else:
            self.stdout.write(f"  审计日志:{result.audit_events} 条,哈希链校验通过")
        self.stdout.write("备份文件含有密码摘要和个人信息,请加密保存在另一台机器上。")
