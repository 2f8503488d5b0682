"""The GIN index that serves full-text search on PostgreSQL (see negotiations/search.py)."""

from django.db import migrations

# Must stay the same expression as negotiations.search.DOCUMENT, or the planner
# will not use the index (tests/test_api_statements.py checks that it does).
DOCUMENT = (
    "to_tsvector('simple'::regconfig, "
    "coalesce(quote, '') || ' ' || coalesce(translation, '') || ' ' || coalesce(summary, ''))"
)


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX statement_search_gin ON negotiations_statement USING gin ({DOCUMENT})"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX statement_search_gin")


class Migration(migrations.Migration):
    dependencies = [("negotiations", "0003_version_and_publish_permission")]

    operations = [migrations.RunPython(create_index, drop_index)]
