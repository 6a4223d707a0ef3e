"""What a source yields, before it is matched: the contract between fetching and the pipeline."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from .constants import Channel


@dataclass
class Entry:
    """One fetched or entered text. `key` identifies it within its source (link, guid or file path)."""

    title: str = ""
    text: str = ""
    url: str = ""
    key: str = ""
    author: str = ""
    published_at: datetime.datetime | None = None
    channel: str = Channel.FEED
    origin_key: str = ""  # the platform's own channels: "feedback.errorreport:12"
    extra: dict = field(default_factory=dict)
