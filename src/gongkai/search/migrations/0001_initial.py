from django.db import migrations, models


def create_text_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5("
            "tokens, content='', tokenize='unicode61 remove_diacritics 0')"
        )
    elif vendor == "postgresql":
        schema_editor.execute("CREATE SEQUENCE search_searchchunk_id_seq OWNED BY search_searchchunk.id")
        schema_editor.execute(
            "ALTER TABLE search_searchchunk ALTER COLUMN id SET DEFAULT nextval('search_searchchunk_id_seq')"
        )
        schema_editor.execute("ALTER TABLE search_searchchunk ADD COLUMN vector tsvector NOT NULL")
        schema_editor.execute("CREATE INDEX search_chunk_vector ON search_searchchunk USING gin (vector)")
    else:  # pragma: no cover
        raise RuntimeError(f"full-text search is not available on {vendor}")


def drop_text_index(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS search_fts")


class Migration(migrations.Migration):
    initial = True

    dependencies = [("publishing", "0005_attachment_text")]

    operations = [
        migrations.CreateModel(
            name="SearchChunk",
            fields=[
                ("id", models.BigIntegerField(primary_key=True, serialize=False)),
                (
                    "item",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=models.deletion.CASCADE,
                        related_name="+",
                        to="publishing.informationitem",
                    ),
                ),
                (
                    "field",
                    models.PositiveSmallIntegerField(
                        choices=[(0, "标题"), (1, "文号"), (2, "内容概述"), (3, "正文"), (4, "附件")]
                    ),
                ),
                ("seq", models.PositiveIntegerField(default=0)),
                ("norm", models.TextField(blank=True)),
            ],
            options={"verbose_name": "检索索引", "verbose_name_plural": "检索索引"},
        ),
        migrations.RunPython(create_text_index, drop_text_index),
    ]
