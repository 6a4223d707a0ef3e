from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from gongkai.core.demo import enrol_demo_administrators, load_demo
from gongkai.orgs import totp
from gongkai.orgs.constants import Role
from gongkai.search import index as search_index

DEMO_PASSWORD = "Demo-gongkai-2026"  # noqa: S105 — sample accounts for a local demo, refused in production


class Command(BaseCommand):
    help = "创建示范机构(晋中市文化和旅游局)、科室、人员和已发布信息;可重复运行。"

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="在非调试模式下也允许创建示范账号。")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("示范数据包含公开的示范密码,生产环境不要创建。如确需创建,请加 --force。")
        result = load_demo(DEMO_PASSWORD)
        indexed = (
            search_index.rebuild()
        )  # demo content is back-dated after publishing: index it as it ends up
        org = result.organization
        self.stdout.write(
            self.style.SUCCESS(
                f"示范机构:{org.name}({org.code});新建信息 {result.created_items} 条,"
                f"已存在 {result.existing_items} 条;检索索引 {indexed} 条。"
            )
        )
        self.stdout.write("登录地址:http://127.0.0.1:8000/console/    公开平台:http://127.0.0.1:8000/xxgk/")
        self.stdout.write(f"示范账号(密码均为 {DEMO_PASSWORD}):")
        for username, full_name, roles in result.logins:
            labels = "、".join(str(Role(r).label) for r in roles.split("、"))
            self.stdout.write(f"  {username:<10} {full_name}  {labels}")
        secrets = enrol_demo_administrators()
        if secrets:
            self.stdout.write(
                "管理员账号必须使用两步验证。请在手机验证器 App 中“手动输入密钥”添加以下账号"
                "(基于时间,6 位数字),登录时输入显示的动态验证码:"
            )
            for username, secret in secrets:
                self.stdout.write(f"  {username:<10} {totp.grouped(secret)}")
            self.stdout.write(
                "  没有验证器时,可运行 gongkai totp_code <用户名> 查看当前验证码(仅限调试模式)。"
            )
