import secrets

from django.db import migrations, models


def first_generation(apps, schema_editor):
    apps.get_model("search", "IndexGeneration").objects.using(schema_editor.connection.alias).create(
        id=1, token=secrets.randbits(62)
    )


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="IndexGeneration",
            fields=[
                ("id", models.PositiveSmallIntegerField(primary_key=True, serialize=False)),
                ("token", models.BigIntegerField()),
            ],
            options={"verbose_name": "检索索引版本", "verbose_name_plural": "检索索引版本"},
        ),
        migrations.RunPython(first_generation, migrations.RunPython.noop),
    ]
