"""Jobs of the content review: the patrol after a dictionary change."""

from huey.contrib.djhuey import db_task

from . import links, patrol


@db_task()
def patrol_after_dictionary_change(organization_id: int | None) -> dict:
    """A changed global dictionary concerns every organisation; an organisation's own, only it."""
    return patrol.patrol(organization_id)


@db_task(retries=1, retry_delay=60)
def check_links(revision_id: int) -> int:
    """After submission: fetch the body's outbound links and check links to the platform's own items."""
    from gongkai.publishing.models import Revision

    revision = Revision.objects.filter(pk=revision_id).first()
    return len(links.check_revision(revision)) if revision is not None else 0
