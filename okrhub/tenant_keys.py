"""Composite foreign keys that keep every tenant-to-tenant reference inside one company.

Django's own foreign key on ``objective.parent_id`` only says the parent
exists; it does not say the parent belongs to the objective's company. The
services check that, but a raw write, a bulk load or a bug in a new code path
would not. These migration operations add, on PostgreSQL, a
``UNIQUE (company_id, id)`` on each referenced table and a
``FOREIGN KEY (company_id, <ref>_id) REFERENCES <table> (company_id, id)`` on
each referencing one, so the database itself refuses a cross-company pointer.

The keys are ``DEFERRABLE INITIALLY DEFERRED`` like Django's own, so the
order of writes inside a transaction does not matter, and ``MATCH SIMPLE``
(the default), so a NULL reference (a company-level objective, a root
department) is not checked. They carry no ``ON DELETE`` action: Django's
collector already deletes or nulls the referencing rows, and the single-column
key stays as it was.

On any other database (the SQLite default for local development) the
operations do nothing: SQLite cannot add a constraint to an existing table
without rebuilding it, and the rule there rests on the services alone. The
operations hold no model state, so ``makemigrations`` sees no change.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import ProjectState


class PostgreSQLOnlySQL(migrations.RunSQL):
    """``RunSQL`` that runs on PostgreSQL and is a no-op on every other database."""

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def company_unique_name(table: str) -> str:
    return f"{table}_company_id_uniq"


def same_company_name(table: str, column: str) -> str:
    return f"{table}_{column.removesuffix('_id')}_same_company"


def company_id_unique(table: str) -> PostgreSQLOnlySQL:
    """``UNIQUE (company_id, id)`` on ``table``: the target a composite key needs."""
    name = company_unique_name(table)
    return PostgreSQLOnlySQL(
        sql=f"ALTER TABLE {table} ADD CONSTRAINT {name} UNIQUE (company_id, id)",
        reverse_sql=f"ALTER TABLE {table} DROP CONSTRAINT {name}",
    )


def same_company_key(table: str, column: str, referenced: str) -> PostgreSQLOnlySQL:
    """``table.column`` may only name a row of ``referenced`` in the same company."""
    name = same_company_name(table, column)
    return PostgreSQLOnlySQL(
        sql=(
            f"ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY (company_id, {column}) "
            f"REFERENCES {referenced} (company_id, id) DEFERRABLE INITIALLY DEFERRED"
        ),
        reverse_sql=f"ALTER TABLE {table} DROP CONSTRAINT {name}",
    )
