"""A response item going live stops the case's clocks (the publishing workflow announces it)."""

from django.dispatch import receiver

from gongkai.publishing.signals import public_changed


@receiver(public_changed, dispatch_uid="concerns.response_published")
def response_published(sender, item_id: int, **kwargs) -> None:
    from gongkai.publishing.constants import ItemStatus
    from gongkai.publishing.models import InformationItem

    from . import services
    from .models import Response

    if not Response.objects.filter(item_id=item_id, responded_at__isnull=True).exists():
        return
    item = InformationItem.objects.select_related("latest_revision").get(pk=item_id)
    if item.status == ItemStatus.PUBLISHED and item.published_at is not None:
        services.item_published(item)
