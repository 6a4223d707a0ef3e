"""Template helpers for public pages: `{% load portal_tags %}`."""

from django import template

from gongkai.portal import links

register = template.Library()


@register.simple_tag
def attachment_url(attachment) -> str:
    """The public download URL of an attachment, ending in its original name."""
    return links.attachment_url(attachment)


@register.simple_tag
def item_url(item) -> str:
    return links.item_url(item)


@register.filter
def get_item(mapping, key):
    """``mapping|get_item:key`` — a dict lookup with a variable key (None when absent)."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None
