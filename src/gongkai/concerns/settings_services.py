"""Saving what the office and the monitors keep for 政务舆情: sources, monitoring rules, the category
keywords, the settings (Policy) and the group robots. Each call checks the keeper's right, saves in one
transaction and writes an audit event; the forms (forms.py) have checked the shape of the input.

Changed monitoring rules or category keywords drop the compiled matcher after commit
(matching.rules_changed); other processes notice the rules' new fingerprint at their next batch.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from gongkai.audit import services as audit
from gongkai.publishing.exceptions import require

from . import matching, permissions
from .constants import Category
from .models import CategoryRule, MonitoringRule, Policy, Source, Webhook


def _check(user, organization_id, obj) -> None:
    require(permissions.keep_sources_failures(user, organization_id))
    if obj.organization_id != organization_id:
        raise ValidationError("只能保存本机构的设置。")


def _rules_changed(organization_id: int) -> None:
    """Drop this process's compiled matcher after commit (others see the new rules' fingerprint)."""
    transaction.on_commit(lambda: matching.rules_changed(organization_id), robust=True)


def save_source(*, user, organization, source: Source, changed=()) -> Source:
    """A new or edited source (from the form: not yet saved). Enabling it clears the disabled state."""
    _check(user, organization.pk, source)
    created = source.pk is None
    with transaction.atomic():
        if source.enabled and source.disabled_at is not None:
            source.disabled_at = None
            source.disabled_reason = ""
            source.consecutive_failures = 0
        if created or "base_interval_minutes" in changed:
            source.interval_minutes = source.base_interval_minutes
        # The adaptive interval stays within the (possibly new) bounds.
        source.interval_minutes = min(
            max(source.interval_minutes, source.min_interval_minutes), source.max_interval_minutes
        )
        if created or "url" in changed or "kind" in changed:
            source.next_poll_at = timezone.now()
            source.etag = source.last_modified = ""
        source.save()
        audit.record(
            action="concerns.source_saved",
            actor=user,
            target=source,
            organization=organization.pk,
            data={"created": created, "changed": sorted(changed), "kind": source.kind, "name": source.name},
        )
    return source


def reenable_source(*, user, source: Source) -> Source:
    """Switch a source that was disabled (by hand or after repeated failures) back on, failures reset."""
    _check(user, source.organization_id, source)
    with transaction.atomic():
        source = Source.objects.select_for_update().get(pk=source.pk)
        source.enabled = True
        source.consecutive_failures = 0
        source.disabled_at = None
        source.disabled_reason = ""
        source.interval_minutes = source.base_interval_minutes
        source.next_poll_at = timezone.now()
        source.save(
            update_fields=[
                "enabled",
                "consecutive_failures",
                "disabled_at",
                "disabled_reason",
                "interval_minutes",
                "next_poll_at",
            ]
        )
        audit.record(
            action="concerns.source_saved",
            actor=user,
            target=source,
            organization=source.organization_id,
            data={"reenabled": True, "name": source.name},
        )
    return source


def save_rule(*, user, organization, rule: MonitoringRule, changed=()) -> MonitoringRule:
    _check(user, organization.pk, rule)
    created = rule.pk is None
    with transaction.atomic():
        rule.save()
        audit.record(
            action="concerns.rule_saved",
            actor=user,
            target=rule,
            organization=organization.pk,
            data={
                "created": created,
                "changed": sorted(changed),
                "name": rule.name,
                "terms": rule.terms.count("\n") + 1 if rule.terms else 0,
                "active": rule.active,
            },
        )
        _rules_changed(organization.pk)
    return rule


def save_category_terms(*, user, organization, category: str, terms: str) -> CategoryRule | None:
    """The organisation's own keywords for one key category; empty terms remove them."""
    require(permissions.keep_sources_failures(user, organization.pk))
    if category not in Category.values:
        raise ValidationError({"category": "重点类别无效。"})
    terms = (terms or "").strip()
    with transaction.atomic():
        rule = (
            CategoryRule.objects.select_for_update()
            .filter(organization=organization, category=category)
            .first()
        )
        before = rule.terms if rule is not None else ""
        if before == terms:
            return rule
        if not terms:
            if rule is not None:
                rule.delete()
            rule = None
        elif rule is None:
            rule = CategoryRule.objects.create(organization=organization, category=category, terms=terms)
        else:
            rule.terms = terms
            rule.save(update_fields=["terms"])
        audit.record(
            action="concerns.rule_saved",
            actor=user,
            target=rule if rule is not None else organization,
            organization=organization.pk,
            data={
                "category": category,
                "terms": len(terms.splitlines()) if terms else 0,
                "removed": rule is None,
            },
        )
        _rules_changed(organization.pk)
    return rule


def save_policy(*, user, organization, policy: Policy, changed=()) -> Policy:
    _check(user, organization.pk, policy)
    with transaction.atomic():
        policy.save()
        audit.record(
            action="concerns.policy_saved",
            actor=user,
            target=policy,
            organization=organization.pk,
            data={
                "changed": sorted(changed),
                "escalation_points": policy.escalation_points,
                "watch_days": policy.watch_days,
                "notify_emails": len(policy.notify_emails.splitlines()) if policy.notify_emails else 0,
            },
        )
    return policy


def save_webhook(*, user, organization, webhook: Webhook, changed=()) -> Webhook:
    """A group robot; its address and secret are credentials: the audit event names neither."""
    _check(user, organization.pk, webhook)
    created = webhook.pk is None
    with transaction.atomic():
        if "url" in changed or "secret" in changed:
            webhook.last_error = ""
        webhook.save()
        audit.record(
            action="concerns.webhook_saved",
            actor=user,
            target=webhook,
            organization=organization.pk,
            data={
                "created": created,
                "changed": sorted(changed),
                "name": webhook.name,
                "kind": webhook.kind,
                "active": webhook.active,
            },
        )
    return webhook
