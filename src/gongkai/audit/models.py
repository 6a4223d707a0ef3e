"""The append-only, hash-chained audit log (等保 2.0 安全审计; 三员分立).

Events are written only by :func:`gongkai.audit.services.record`. Every event carries the SHA-256 of
its predecessor's hash plus its own canonical content, so any later change, insertion or deletion breaks
the chain and is found by :func:`gongkai.audit.verify.verify_chain`. Updates and deletes are refused by
the model and queryset here, and by database triggers (migration 0002) underneath.
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from .exceptions import AppendOnlyError

GENESIS_HASH = "0" * 64
HEAD_PK = 1


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("The audit log is append-only: AuditEvent rows cannot be updated.")

    def delete(self):
        raise AppendOnlyError("The audit log is append-only: AuditEvent rows cannot be deleted.")

    def _raw_delete(self, using):
        raise AppendOnlyError("The audit log is append-only: AuditEvent rows cannot be deleted.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError("The audit log is append-only: AuditEvent rows cannot be updated.")

    def bulk_create(self, *args, **kwargs):
        raise AppendOnlyError("Audit events are written one by one through gongkai.audit.services.record().")


class AuditEvent(models.Model):
    seq = models.BigIntegerField(_("序号"), unique=True, editable=False)
    created_at = models.DateTimeField(_("时间"), editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,  # accounts are deactivated, never deleted
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    actor_repr = models.CharField(_("操作人账号"), max_length=150, blank=True)
    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("机构"),
    )
    action = models.CharField(_("操作"), max_length=100)
    object_type = models.CharField(_("对象类型"), max_length=100, blank=True)
    object_id = models.CharField(_("对象标识"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    data = models.JSONField(_("详情"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    ip_address = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    prev_hash = models.CharField(_("前一哈希"), max_length=64)
    hash = models.CharField(_("哈希"), max_length=64)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计日志")
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_event_object_idx"),
            models.Index(fields=["action"], name="audit_event_action_idx"),
            models.Index(fields=["created_at"], name="audit_event_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(seq__gte=1), name="audit_event_seq_positive"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(
                "The audit log is append-only: an AuditEvent cannot be changed once written."
            )
        if not getattr(self, "_chained", False):
            raise AppendOnlyError("Audit events are written only through gongkai.audit.services.record().")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("The audit log is append-only: an AuditEvent cannot be deleted.")

    @property
    def action_label(self) -> str:
        from .registry import registry

        return registry.label(self.action)


class AuditChainHeadQuerySet(models.QuerySet):
    def delete(self):
        raise AppendOnlyError("The audit chain head cannot be deleted.")


class AuditChainHead(models.Model):
    """Singleton row (id=1): the newest event's seq and hash.

    Appends lock it to serialise, and verification compares it with the newest event so that deleting
    the last events of the chain is detected.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=HEAD_PK, editable=False)
    last_seq = models.BigIntegerField(_("最新序号"), default=0)
    last_hash = models.CharField(_("最新哈希"), max_length=64, default=GENESIS_HASH)

    objects = AuditChainHeadQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计链头")
        verbose_name_plural = _("审计链头")
        constraints = [
            models.CheckConstraint(condition=models.Q(id=HEAD_PK), name="audit_chain_head_singleton"),
        ]

    def __str__(self) -> str:
        return f"#{self.last_seq} {self.last_hash[:12]}"

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("The audit chain head cannot be deleted.")
