"""PostgreSQL only: the GIN-indexed token sets move from search_searchtext to a narrow table of their own,
search_vector (code = item_id * 8 + field, vector).

A term found in most fields is looked up by reading the rows the GIN index points to; without the text in
the same rows there are fewer pages to read. Existing rows are copied, so no reindex is needed (the text
table is not rewritten: dropping a column only hides it)."""

from django.db import migrations


def split(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    run = schema_editor.execute
    run("SET LOCAL maintenance_work_mem = '256MB'")
    run("CREATE TABLE search_vector (code bigint PRIMARY KEY, vector tsvector NOT NULL)")
    run("INSERT INTO search_vector (code, vector) SELECT item_id * 8 + field, vector FROM search_searchtext")
    run("ALTER TABLE search_searchtext DROP COLUMN vector")  # and its index search_text_vector
    run("CREATE INDEX search_vector_gin ON search_vector USING gin (vector)")
    run("ANALYZE search_vector")


def join(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    run = schema_editor.execute
    run("ALTER TABLE search_searchtext ADD COLUMN vector tsvector")
    run(
        "UPDATE search_searchtext t SET vector = v.vector FROM search_vector v "
        "WHERE v.code = t.item_id * 8 + t.field"
    )
    run("UPDATE search_searchtext SET vector = ''::tsvector WHERE vector IS NULL")
    run("ALTER TABLE search_searchtext ALTER COLUMN vector SET NOT NULL")
    run("CREATE INDEX search_text_vector ON search_searchtext USING gin (vector)")
    run("DROP TABLE search_vector")


class Migration(migrations.Migration):
    dependencies = [("search", "0002_indexgeneration")]

    operations = [migrations.RunPython(split, join)]
