"""Template helpers of the console: the header, accessible form fields, safe item bodies."""

from __future__ import annotations

from django import template
from django.utils.safestring import mark_safe

from gongkai.console import selectors
from gongkai.console.access import memberships_of
from gongkai.publishing import permissions
from gongkai.publishing.html import sanitize_body

register = template.Library()


@register.inclusion_tag("console/includes/header.html", takes_context=True)
def console_header(context):
    request = context.get("request")
    membership = getattr(request, "membership", None) if request is not None else None
    if membership is None:
        return {"membership": None}
    user = request.user
    return {
        "request": request,
        "membership": membership,
        "organization": membership.organization,
        "memberships": memberships_of(user),
        "user": user,
        "roles": membership.role_labels(),
        "unread": selectors.unread_count(user, membership.organization),
        "can_create": permissions.create_failures(user, membership.organization) == [],
        "section": context.get("section", ""),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("console/includes/field.html")
def console_field(field, **attrs):
    """A labelled field whose help text and errors are tied to the input (aria-describedby)."""
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}_help")
    if field.errors:
        described.append(f"{field.auto_id}_errors")
    widget_attrs = dict(attrs)
    if described:
        widget_attrs["aria-describedby"] = " ".join(described)
    if field.errors:
        widget_attrs["aria-invalid"] = "true"
    multiple = field.widget_type in ("radioselect", "checkboxselectmultiple")
    return {
        "field": field,
        "widget": field.as_widget(attrs=widget_attrs),
        "multiple": multiple,
        "checkbox": field.widget_type == "checkbox",
        "described": " ".join(described),
    }


@register.filter
def safe_body(html: str):
    """An item body as HTML: sanitised again on the way out (defence in depth)."""
    return mark_safe(sanitize_body(html or ""))  # noqa: S308 - nh3-sanitised


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def is_local_url(url) -> bool:
    """Only same-site paths become links (a notification never sends anyone elsewhere)."""
    url = str(url or "")
    return url.startswith("/") and not url.startswith("//") and "\\" not in url
