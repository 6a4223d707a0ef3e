"""``gongkai totp_code <username>``: the current code of an account's second factor, for the local
demo only (someone without an authenticator app on a phone can still log in as a demo administrator).
Refused unless DEBUG is on: in production nobody generates another person's codes on the server."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from gongkai.orgs import totp
from gongkai.orgs.models import User


class Command(BaseCommand):
    help = "显示账号当前的两步验证动态验证码(仅限调试模式,用于本机示范)。"

    def add_arguments(self, parser):
        parser.add_argument("username", help="用户名")

    def handle(self, *args, username, **options):
        if not settings.DEBUG:
            raise CommandError(
                "仅在调试模式(GONGKAI_DEBUG=1)下可用:生产环境不得在服务器上生成他人的动态验证码。"
            )
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"没有用户名为“{username}”的账号。")
        if not totp.is_enrolled(user):
            raise CommandError(f"账号“{username}”尚未启用两步验证。")
        try:
            secret = totp.secret_of(user)
        except totp.SecretUnreadable as exc:
            raise CommandError(str(exc)) from exc
        step = totp.step_at()
        remaining = totp.PERIOD - int(time.time()) % totp.PERIOD
        self.stdout.write(f"{totp.code_at(secret, step)}(约 {remaining} 秒内有效)")
