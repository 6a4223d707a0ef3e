"""Jobs of the content review: the patrol after a dictionary change."""

from huey.contrib.djhuey import db_task

from . import patrol


@db_task()
def patrol_after_dictionary_change(organization_id: int | None) -> dict:
    """A changed global dictionary concerns every organisation; an organisation's own, only it."""
    return patrol.patrol(organization_id)
