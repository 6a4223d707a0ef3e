"""The search index rows. What they hold depends on the database (see backends.py):

- SQLite: one row per (item, field), ``id = item_id * 8 + field``, ``norm`` = the normalised field text;
  the FTS5 table ``search_fts`` (contentless, created by the migration) holds the bigram tokens under the
  same rowid, and ``norm`` lets a row be removed from it again.
- PostgreSQL: one row per chunk of a field (long fields are cut into overlapping chunks), the column
  ``vector`` (tsvector of the bigrams with positions, GIN-indexed; added by the migration) is searched,
  ``norm`` stays empty.

Only published items have rows. The rows are derived data: ``gongkai reindex`` rebuilds them all.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Field(models.IntegerChoices):
    TITLE = 0, _("标题")
    DOCUMENT_NUMBER = 1, _("文号")
    SUMMARY = 2, _("内容概述")
    BODY = 3, _("正文")
    ATTACHMENTS = 4, _("附件")


class SearchChunk(models.Model):
    id = models.BigIntegerField(primary_key=True)
    item = models.ForeignKey(
        "publishing.InformationItem", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    field = models.PositiveSmallIntegerField(choices=Field.choices)
    seq = models.PositiveIntegerField(default=0)
    norm = models.TextField(blank=True)

    class Meta:
        verbose_name = _("检索索引")
        verbose_name_plural = _("检索索引")

    def __str__(self) -> str:
        return f"{self.item_id}/{self.get_field_display()}/{self.seq}"
