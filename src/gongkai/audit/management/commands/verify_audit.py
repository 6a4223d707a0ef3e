from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from gongkai.audit import triggers
from gongkai.audit.verify import verify_chain_counted


class Command(BaseCommand):
    help = "校验审计日志的哈希链(只读)。发现问题时逐条列出,并以状态码 1 退出。"

    def handle(self, *args, **options):
        if triggers.installed(connection) is False:
            self.stderr.write("警告:审计日志表的数据库防篡改触发器缺失或已停用。")
        count, problems = verify_chain_counted()
        if not problems:
            self.stdout.write(f"审计日志完整:共 {count} 条事件,哈希链校验通过。")
            return
        for problem in problems:
            self.stdout.write(problem.message)
        raise CommandError(f"审计日志校验未通过:发现 {len(problems)} 个问题。", returncode=1)
