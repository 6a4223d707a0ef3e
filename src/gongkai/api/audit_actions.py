from django.utils.translation import gettext_lazy as _

from gongkai.audit.registry import registry

# "auth.token_issued" is registered by gongkai.core.
registry.register("auth.token_revoked", _("吊销 API 令牌"))
registry.register("auth.tokens_revoked", _("随会话终止吊销账号的全部 API 令牌"))
