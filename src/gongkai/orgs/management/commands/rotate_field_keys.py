"""``gongkai rotate_field_keys``: re-encrypt every stored TOTP secret under the first key of
GONGKAI_FIELD_KEYS (or the key derived from SECRET_KEY when the list is empty), after a new key was put
first; then the old key can be removed (docs/operations.md, 字段加密密钥).

One transaction with the rows locked, one audit event. A value no key decrypts is left as it is and
named (its owner cannot log in with a code until the security administrator resets the second factor);
the command then ends with an error status. ``--check`` only counts; ``--generate-key`` prints a new key.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from gongkai.audit import services as audit
from gongkai.orgs import field_keys, totp
from gongkai.orgs.models import User


class Command(BaseCommand):
    help = "用字段加密密钥列表(GONGKAI_FIELD_KEYS)中的第一个密钥重新加密全部两步验证密钥。"

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="只检查能否解密,不写入。")
        parser.add_argument("--generate-key", action="store_true", help="生成一个新密钥并输出,不访问数据库。")

    def handle(self, *args, check=False, generate_key=False, **options):
        if generate_key:
            self.stdout.write(field_keys.generate_key())
            return
        errors = field_keys.key_errors()
        if errors:
            raise CommandError(" ".join(errors))
        with transaction.atomic():
            rows = list(
                User.objects.select_for_update()
                .exclude(totp_secret="")
                .order_by("pk")
                .values_list("pk", "username", "totp_secret")
            )
            rotated, unreadable = 0, []
            for pk, username, stored in rows:
                try:
                    fresh = field_keys.rotate(stored, context=totp.secret_context(pk))
                except field_keys.Unreadable:
                    unreadable.append(username)
                    continue
                if not check:
                    User.objects.filter(pk=pk).update(totp_secret=fresh)
                rotated += 1
            if not check:
                audit.record(
                    action="orgs.field_keys.rotated",
                    data={
                        "rotated": rotated,
                        "unreadable": unreadable,
                        "configured_keys": len(field_keys.configured_keys()),
                    },
                )
        verb = "可以重新加密" if check else "已重新加密"
        self.stdout.write(f"{verb} {rotated} 个两步验证密钥。")
        if unreadable:
            raise CommandError(
                f"{len(unreadable)} 个账号的两步验证密钥无法用现有密钥解密,未作改动:{'、'.join(unreadable)}。"
                "请确认 GONGKAI_FIELD_KEYS 仍包含原来的密钥;若密钥已丢失,请由安全管理员重置这些账号的两步验证。"
            )
