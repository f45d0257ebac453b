"""Database expressions the ORM lacks, written for both SQLite and PostgreSQL."""

from django.db.models import F, Func, JSONField


class JSONWithout(Func):
    """A JSON object without some of its top-level keys, computed in the database."""

    output_field = JSONField()

    def __init__(self, field: str, *keys: str):
        self.keys = keys
        super().__init__(F(field))

    def as_sql(self, compiler, connection, **extra):  # SQLite
        sql, params = compiler.compile(self.source_expressions[0])
        paths = ", ".join(["%s"] * len(self.keys))
        return f"json_remove({sql}, {paths})", (*params, *(f"$.{k}" for k in self.keys))

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        minus = " - %s" * len(self.keys)
        return f"({sql}{minus})", (*params, *self.keys)
