"""PostgreSQL only: the posting lists of the index's own (search/postings.py) and the list of stale items.

The base starts empty and ``search_vector`` keeps every existing row, so results are unchanged at once (the
delta answers for everything); the ten-minute job merges as soon as the delta is past its limit, or
``gongkai reindex`` does it now."""

from django.db import migrations

from gongkai.search.text import tokens_text


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    run = schema_editor.execute
    run(
        'CREATE TABLE search_posting (token text COLLATE "C" PRIMARY KEY, codes bytea NOT NULL, '
        "occurrences bytea)"
    )
    run(
        "ALTER TABLE search_posting ALTER COLUMN codes SET STORAGE EXTERNAL, "
        "ALTER COLUMN occurrences SET STORAGE EXTERNAL"
    )
    run("CREATE TABLE search_stale (item_id integer PRIMARY KEY)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # The delta must answer for everything again: every indexed field back into search_vector.
    run = schema_editor.execute
    run("DROP TABLE search_posting")
    run("DROP TABLE search_stale")
    run("DELETE FROM search_vector")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT item_id * 8 + field, norm FROM search_searchtext WHERE norm <> ''")
        rows = cursor.fetchall()
        cursor.executemany(
            "INSERT INTO search_vector (code, vector) VALUES (%s, array_to_tsvector(string_to_array(%s, ' ')))",
            [(code, tokens_text(norm)) for code, norm in rows],
        )


class Migration(migrations.Migration):
    dependencies = [("search", "0003_postgres_vector_table")]

    operations = [migrations.RunPython(create, drop)]
