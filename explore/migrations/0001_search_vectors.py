"""Full-text search columns for objectives and key results, kept by the database (PostgreSQL only).

Each table gets a ``search_vector`` (``tsvector``) that a trigger fills on
insert and whenever the searched text changes, and a GIN index on it. The
words are weighted: an objective's title ``A``, its description ``B``; a key
result's title ``A`` (``explore/search.py`` ranks with these weights and
builds the same vectors for people and departments on the fly).

Why a trigger-kept column rather than an index on an expression or a
generated column: ranking reads the vector of every match, and recomputing
``to_tsvector`` for 40,000 key results cost three times the search itself;
a generated column would forbid later migrations from changing the type of
``title`` or ``description`` (PostgreSQL refuses to alter a column a
generated column reads). The column is no field of the models (the explore
app owns it, objectives stay as they are), the trigger fills it whoever
writes (services, bulk loads, COPY), and it is refreshed only when the
title or description is written, not on every progress update.

On other databases (the SQLite default) nothing happens: the search falls
back to portable substring matching there (``explore/search.py``).
"""

from django.db import migrations

from okrhub.tenant_keys import PostgreSQLOnlySQL

CONFIG = "simple"  # no stemming, no stop words: titles mix languages, and prefix matching covers plurals

OBJECTIVE_VECTOR = (
    f"setweight(to_tsvector('{CONFIG}', coalesce({{row}}title, '')), 'A')"
    f" || setweight(to_tsvector('{CONFIG}', coalesce({{row}}description, '')), 'B')"
)
KEY_RESULT_VECTOR = f"setweight(to_tsvector('{CONFIG}', coalesce({{row}}title, '')), 'A')"


def search_column(table: str, vector: str, columns: str) -> list[PostgreSQLOnlySQL]:
    function = f"explore_{table}_search_vector"
    return [
        PostgreSQLOnlySQL(
            sql=f"ALTER TABLE {table} ADD COLUMN search_vector tsvector",
            reverse_sql=f"ALTER TABLE {table} DROP COLUMN search_vector",
        ),
        PostgreSQLOnlySQL(
            sql=(
                f"CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN NEW.search_vector := {vector.format(row='NEW.')}; RETURN NEW; END $$"
            ),
            reverse_sql=f"DROP FUNCTION {function}()",
        ),
        PostgreSQLOnlySQL(
            sql=(
                f"CREATE TRIGGER {function} BEFORE INSERT OR UPDATE OF {columns} ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {function}()"
            ),
            reverse_sql=f"DROP TRIGGER {function} ON {table}",
        ),
        PostgreSQLOnlySQL(sql=f"UPDATE {table} SET search_vector = {vector.format(row='')}", reverse_sql=""),
        PostgreSQLOnlySQL(
            sql=f"CREATE INDEX {table}_search ON {table} USING gin (search_vector)",
            reverse_sql=f"DROP INDEX {table}_search",
        ),
    ]


class Migration(migrations.Migration):
    dependencies = [("objectives", "0006_events")]

    operations = [
        *search_column("objectives_objective", OBJECTIVE_VECTOR, "title, description"),
        *search_column("objectives_keyresult", KEY_RESULT_VECTOR, "title"),
    ]
