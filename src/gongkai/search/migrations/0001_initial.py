from django.db import migrations, models


def create_text_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5("
            "tokens, content='', tokenize='ascii')"
        )
    elif vendor == "postgresql":
        schema_editor.execute("CREATE SEQUENCE search_searchtext_id_seq OWNED BY search_searchtext.id")
        schema_editor.execute(
            "ALTER TABLE search_searchtext ALTER COLUMN id SET DEFAULT nextval('search_searchtext_id_seq')"
        )
        schema_editor.execute("ALTER TABLE search_searchtext ADD COLUMN vector tsvector NOT NULL")
        schema_editor.execute("CREATE INDEX search_text_vector ON search_searchtext USING gin (vector)")
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
            name="SearchText",
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
                ("norm", models.TextField(blank=True)),
            ],
            options={"verbose_name": "检索索引", "verbose_name_plural": "检索索引"},
        ),
        migrations.CreateModel(
            name="SearchEntry",
            fields=[
                (
                    "item",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="publishing.informationitem",
                    ),
                ),
                ("organization_id", models.IntegerField(db_index=True)),
                ("published_at", models.DateTimeField()),
                ("year", models.PositiveSmallIntegerField()),
                ("catalogue_entry_id", models.IntegerField(null=True)),
                ("topic_id", models.IntegerField(null=True)),
                ("abolished_on", models.DateField(null=True)),
                ("expires_on", models.DateField(null=True)),
            ],
            options={"verbose_name": "检索条目", "verbose_name_plural": "检索条目"},
        ),
        migrations.RunPython(create_text_index, drop_text_index),
    ]
