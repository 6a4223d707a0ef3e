from django.db import migrations

NAME = "通用词库"


def load_default(apps, schema_editor):
    """The global default dictionary (review/default_terms.py), as its first version."""
    from gongkai.review.default_terms import DEFAULT_TERMS

    Dictionary = apps.get_model("review", "Dictionary")
    Term = apps.get_model("review", "Term")
    DictionaryVersion = apps.get_model("review", "DictionaryVersion")
    dictionary, created = Dictionary.objects.get_or_create(organization=None, name=NAME, defaults={"version": 1})
    if not created:
        return
    Term.objects.bulk_create(
        Term(dictionary=dictionary, text=t.text, category=t.category, severity=t.severity, suggestion=t.suggestion)
        for t in DEFAULT_TERMS
    )
    DictionaryVersion.objects.create(
        dictionary=dictionary, version=1, summary=f"载入默认词库:{len(DEFAULT_TERMS)} 条", changes={}
    )


def remove_default(apps, schema_editor):
    apps.get_model("review", "Dictionary").objects.filter(organization=None, name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("review", "0001_initial")]

    operations = [migrations.RunPython(load_default, remove_default)]
