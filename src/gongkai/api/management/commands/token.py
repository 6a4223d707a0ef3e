"""gongkai token USERNAME [--name N] [--expires-days D] | --revoke PREFIX | --list"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from gongkai.api import tokens
from gongkai.api.models import ApiToken
from gongkai.orgs.models import User


class Command(BaseCommand):
    help = "签发、吊销或列出某个用户的 API 令牌(令牌只在签发时显示一次)。"

    def add_arguments(self, parser):
        parser.add_argument("username", help="用户名")
        parser.add_argument("--name", default="", help="令牌名称,例如对接的系统名")
        parser.add_argument("--expires-days", type=int, default=None, help="有效天数(默认不过期)")
        parser.add_argument("--revoke", metavar="PREFIX", default=None, help="吊销以此前缀开头的令牌")
        parser.add_argument("--list", dest="list_tokens", action="store_true", help="列出该用户的令牌")

    def handle(self, *args, username: str, name: str, expires_days, revoke, list_tokens: bool, **options):
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"用户“{username}”不存在。") from None
        if list_tokens:
            return self._list(user)
        if revoke is not None:
            try:
                token = tokens.revoke(user=user, prefix=revoke)
            except ValueError as e:
                raise CommandError(str(e)) from None
            self.stderr.write(f"已吊销令牌 {token}。")
            return
        if not user.is_active:
            raise CommandError(f"用户“{username}”已停用,不能签发令牌。")
        try:
            token, raw = tokens.issue(user=user, name=name, expires_days=expires_days)
        except ValueError as e:
            raise CommandError(str(e)) from None
        # Only the token goes to stdout so scripts can capture it; the notes go to stderr.
        self.stdout.write(raw)
        expiry = (
            timezone.localtime(token.expires_at).strftime("%Y-%m-%d %H:%M") if token.expires_at else "不过期"
        )
        self.stderr.write(
            f"已为“{user.get_username()}”签发令牌 {token}(有效期至:{expiry})。"
            "令牌只显示这一次,请妥善保存;系统只保存其摘要。"
        )

    def _list(self, user: User) -> None:
        now = timezone.now()
        for token in ApiToken.objects.filter(user=user).select_related("user"):
            state = token.refusal(now) or "有效"
            used = (
                timezone.localtime(token.last_used_at).strftime("%Y-%m-%d %H:%M")
                if token.last_used_at
                else "从未使用"
            )
            self.stdout.write(f"{token.key_prefix}\t{token.name or '-'}\t{state}\t最近使用:{used}")
