from django.db import migrations, models


def first_row(apps, schema_editor):
    apps.get_model("publishing", "PublicGeneration").objects.get_or_create(pk=1, defaults={"token": 1})


class Migration(migrations.Migration):
    dependencies = [
        ("publishing", "0007_informationitem_interpretation_due_on_and_more"),
    ]

    operations = [
        migrations.CreateModel(
            name="PublicGeneration",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("token", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(first_row, migrations.RunPython.noop),
    ]
