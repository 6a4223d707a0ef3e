"""The search index rows. What they hold depends on the database (see backends.py):

- SQLite: one row per (item, field), ``id = item_id * 8 + field``, ``norm`` = the normalised field text;
  the FTS5 table ``search_fts`` (contentless, created by migration 0001) holds the bigram tokens under the
  same rowid, and ``norm`` lets a row be removed from it again.
- PostgreSQL: one row per (item, field) as well; the table ``search_vector (code = item_id * 8 + field,
  vector)`` (created by migration 0003; a tsvector of the set of tokens, GIN-indexed) finds candidates
  and ``norm`` confirms terms longer than two characters.

Only published items have rows. The rows are derived data: ``gongkai reindex`` rebuilds them all.

``IndexGeneration`` is one row whose token changes in the same transaction as every change of the index,
so that a process holding a copy of the SearchEntry rows (columns.py) knows, with one cheap query, whether
its copy is still the committed state.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Field(models.IntegerChoices):
    TITLE = 0, _("标题")
    DOCUMENT_NUMBER = 1, _("文号")
    SUMMARY = 2, _("内容概述")
    BODY = 3, _("正文")
    ATTACHMENTS = 4, _("附件")


class SearchEntry(models.Model):
    """What search filters, counts and orders by, one row per indexed (published) item: copied from the
    item and its live revision when it is indexed, so a search never joins the item tables for all its
    matches. Only the page of results shown is read from the items themselves (published ones only)."""

    item = models.OneToOneField(
        "publishing.InformationItem",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
        db_constraint=False,
    )
    organization_id = models.IntegerField(db_index=True)
    published_at = models.DateTimeField()
    year = models.PositiveSmallIntegerField()  # of published_at, in the site's time zone
    catalogue_entry_id = models.IntegerField(null=True)
    topic_id = models.IntegerField(null=True)
    abolished_on = models.DateField(null=True)
    expires_on = models.DateField(null=True)

    class Meta:
        verbose_name = _("检索条目")
        verbose_name_plural = _("检索条目")

    def __str__(self) -> str:
        return str(self.item_id)


class SearchText(models.Model):
    id = models.BigIntegerField(primary_key=True)
    item = models.ForeignKey(
        "publishing.InformationItem", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    field = models.PositiveSmallIntegerField(choices=Field.choices)
    norm = models.TextField(blank=True)

    class Meta:
        verbose_name = _("检索索引")
        verbose_name_plural = _("检索索引")

    def __str__(self) -> str:
        return f"{self.item_id}/{self.get_field_display()}"


class IndexGeneration(models.Model):
    """One row (id 1): ``token`` is a new random number in every transaction that changes the index.

    Random rather than a counter: a transaction that changed the index and was rolled back must not leave
    a process holding its uncommitted state under a number that the next committed change reuses."""

    id = models.PositiveSmallIntegerField(primary_key=True)
    token = models.BigIntegerField()

    class Meta:
        verbose_name = _("检索索引版本")
        verbose_name_plural = _("检索索引版本")

    def __str__(self) -> str:
        return f"{self.token:x}"
