"""The platform's own channels as 舆情 sources: error reports (网民纠错), consultation comments and messages.

What the public writes to the bureau through the platform is addressed to it already, so such a text is
kept when a monitoring rule or a key-category keyword matches it (`pipeline.PLATFORM_CHANNELS`). Each is
one mention under its record's key (``feedback.errorreport:12``): never stored twice, and many records
about one page stay many mentions. Only the writer's words are matched, not a title the platform gives.
"""

from __future__ import annotations

from .constants import Channel
from .entries import Entry
from .pipeline import PLATFORM_CHANNELS, IngestResult, ingest

__all__ = ["error_report_received", "platform_entry"]


def _absolute(url: str) -> str:
    from .notify import absolute_url

    return absolute_url(url or "")


def platform_entry(
    organization,
    *,
    channel: str,
    origin_key: str,
    title: str = "",
    text: str = "",
    url: str = "",
    title_is_label: bool = False,
) -> IngestResult:
    """Hand one record of a platform channel to the pipeline (call after the record is committed).

    ``title_is_label``: the title is the platform's label for the record, not the writer's words, and
    is not matched against the rules."""
    if channel not in PLATFORM_CHANNELS:
        raise ValueError(f"{channel!r} is not a platform channel")
    if not origin_key:
        raise ValueError("a platform record needs its origin key")
    # Citizens' words (a message, a comment, an error report): the personal data the review detectors find
    # is masked before it becomes a mention, a case title, a robot message or an e-mail — 政务舆情 needs
    # what was said, not who can be reached (the original record keeps that for those with the right).
    from gongkai.participation.privacy import masked_text

    entry = Entry(
        title=masked_text(title),
        text=masked_text(text),
        url=_absolute(url),
        channel=channel,
        origin_key=origin_key,
        extra={"title_is_label": title_is_label},
    )
    return ingest(organization, [entry])


def error_report_received(report) -> IngestResult:
    """A new 网民纠错 report: a mention when its description matches the rules or a category."""
    return platform_entry(
        report.organization,
        channel=Channel.ERROR_REPORT,
        origin_key=f"feedback.errorreport:{report.pk}",
        title=f"网民纠错({report.get_category_display()})",
        text=report.description,
        url=report.page_url,
        title_is_label=True,
    )
