"""API tokens in the admin: the system administrator sees them, the security administrator revokes them.

Tokens are issued elsewhere (the clear token is shown once, at issue) and never deleted, so the history
of who held which token stays. Revocation is final and is recorded as ``auth.token_revoked``; tokens
revoked because their owner's sessions were ended (``gongkai.orgs.sessions``) show that reason.
"""

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongkai.core.admin import ScopedModelAdmin

from .models import ApiToken, RevocationReason


class ApiTokenForm(forms.ModelForm):
    revoke = forms.BooleanField(label=_("吊销此令牌"), required=False, help_text=_("吊销后不可恢复。"))

    class Meta:
        model = ApiToken
        fields = []


@admin.register(ApiToken)
class ApiTokenAdmin(ScopedModelAdmin):
    form = ApiTokenForm
    list_display = (
        "key_prefix",
        "name",
        "user",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
        "revoked_reason",
    )
    list_filter = ("revoked_at", "revoked_reason", "expires_at")
    search_fields = ("key_prefix", "name", "user__username", "user__full_name")
    list_select_related = ("user",)
    actions = ["revoke_selected"]
    shown = (
        "user",
        "name",
        "key_prefix",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
        "revoked_reason",
    )

    def get_fields(self, request, obj=None):
        if obj is not None and self.has_change_permission(request, obj):
            return [*self.shown, "revoke"]
        return list(self.shown)

    def get_readonly_fields(self, request, obj=None):
        return self.shown

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.revoked_at is not None:
            return False  # revocation is final
        return super().has_change_permission(request, obj)

    def _revoke(self, request, token: ApiToken) -> None:
        token.revoked_at = timezone.now()
        token.revoked_reason = RevocationReason.MANUAL
        token.save(update_fields=["revoked_at", "revoked_reason"])
        self.audit(
            request,
            "auth.token_revoked",
            token,
            {"user": token.user.get_username(), "name": token.name, "prefix": token.key_prefix},
        )

    def save_model(self, request, obj, form, change):
        # The one change the admin makes; nothing to save (or record) when it is not asked for.
        if form.cleaned_data.get("revoke") and obj.revoked_at is None:
            self._revoke(request, obj)

    @admin.action(description=_("吊销所选令牌"), permissions=["change"])
    def revoke_selected(self, request, queryset):
        with transaction.atomic():
            tokens = list(
                queryset.select_for_update(of=("self",))
                .filter(revoked_at__isnull=True)
                .select_related("user")
            )
            for token in tokens:
                self._revoke(request, token)
        self.message_user(request, _("已吊销 %(count)d 个令牌。") % {"count": len(tokens)}, messages.SUCCESS)
