"""Database expressions the ORM lacks, written for both SQLite and PostgreSQL."""

import datetime
import weakref
from collections.abc import Callable
from typing import Any

from django.db import connections
from django.db.models import F, Func, JSONField, Model, QuerySet


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


class JSONParts(Func):
    """Parts of a JSON object column as one object, the column read once.

    PostgreSQL decompresses a large value again for each expression that names it (six
    cuts of a 60 KB readiness snapshot took 0.6 ms; of the value read once in a subquery,
    0.2 ms). The object has ``rest``: the value without the ``omit`` keys; for each key of
    ``heads``, the first n items of that array (SQLite: all of them, callers slice again);
    for each key of ``lengths``, that array's length as ``<key>_count``; and each key of
    ``whole`` as it is.
    """

    output_field = JSONField()

    def __init__(self, field: str, *, omit=(), heads=None, lengths=(), whole=()):
        self.omit, self.heads, self.lengths, self.whole = omit, heads or {}, lengths, whole
        super().__init__(F(field))

    def _parts(self, dialect: dict[str, Any], key) -> tuple[list[str], list]:
        """Each part as ``name, template`` ({f}: the value) and its parameters, in order."""
        parts = ["%s, " + dialect["rest"].replace("{keys}", dialect["omit"] * len(self.omit))]
        params: list = ["rest", *(key(k) for k in self.omit)]
        for name, count in self.heads.items():
            parts.append("%s, " + dialect["head"])
            params += [name, key(name), *dialect["head_params"](count)]
        for name in self.lengths:
            parts.append("%s, " + dialect["length"])
            params += [f"{name}_count", key(name)]
        for name in self.whole:
            parts.append("%s, " + dialect["whole"])
            params += [name, key(name)]
        return parts, params

    def as_sql(self, compiler, connection, **extra):  # SQLite
        sql, params = compiler.compile(self.source_expressions[0])
        assert not params, "a column, without parameters"
        parts, args = self._parts(
            {
                "rest": "json_remove({f}{keys})",
                "omit": ", %s",
                "head": "json(json_extract({f}, %s))",
                "head_params": lambda count: [],
                "length": "json_array_length({f}, %s)",
                "whole": "json(json_extract({f}, %s))",
            },
            key=lambda name: f"$.{name}",
        )
        return f"json_object({', '.join(parts)})".replace("{f}", sql), args

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        parts, args = self._parts(
            {
                "rest": "{f}{keys}",
                "omit": " - %s",
                "head": "jsonb_path_query_array({f} -> %s, %s)",
                "head_params": lambda count: [f"$[0 to {int(count) - 1}]"],
                "length": "jsonb_array_length({f} -> %s)",
                "whole": "{f} -> %s",
            },
            key=lambda name: name,
        )
        # OFFSET 0 keeps the subquery from being folded into its expressions: it is what
        # makes PostgreSQL read the value once.
        built = f"jsonb_build_object({', '.join(parts)})".replace("{f}", "f")
        return f"(SELECT {built} FROM (SELECT {sql} AS f OFFSET 0) AS parts)", (*args, *params)


class Compiled:
    """A fixed-shape query built and compiled by the ORM once per connection, then run with
    new values: for queries on every request, whose building and compiling cost ~1 ms of
    CPU, several times running them.

    ``build`` returns the queryset with a stand-in for each value that changes (values no
    real row holds); ``rows(**values)`` runs the compiled SQL with the real values in their
    places and the ORM's own converters applied (dates, booleans, JSON on SQLite). Only
    for parameters that stay single values (no ``__in`` lists whose length varies).
    """

    def __init__(self, build: Callable[..., QuerySet], **standins: Any):
        self.build = build
        self.standins = standins
        self._names = {value: name for name, value in standins.items()}
        self._compiled: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def _for(self, connection) -> tuple[str, tuple, dict]:
        if connection not in self._compiled:
            query = self.build(**self.standins).query
            compiler = query.get_compiler(connection=connection)
            sql, params = compiler.as_sql()
            converters = compiler.get_converters([column[0] for column in compiler.select])
            missing = set(self._names) - set(params)
            if missing:
                raise ValueError(f"Stand-ins not found in the compiled query: {missing}")
            self._compiled[connection] = (sql, tuple(params), converters)
        return self._compiled[connection]

    def rows(self, using: str = "default", **values: Any) -> list[list]:
        connection = connections[using]
        sql, params, converters = self._for(connection)
        names = self._names
        bound = [values[names[p]] if _hashable(p) and p in names else p for p in params]
        with connection.cursor() as cursor:
            cursor.execute(sql, bound)
            rows = [list(row) for row in cursor.fetchall()]
        for row in rows:
            for position, (functions, expression) in converters.items():
                for convert in functions:
                    row[position] = convert(row[position], expression, connection)
        return rows


def _hashable(value: Any) -> bool:
    return isinstance(value, int | str | datetime.date)


def model_columns(model: type[Model]) -> tuple[str, ...]:
    """A model's stored columns (attnames), in the order ``instances`` reads them."""
    return tuple(f.attname for f in model._meta.concrete_fields)


def instances(model: type[Model], rows: list[list], extras: tuple[str, ...] = ()) -> list:
    """``rows`` of ``model_columns(model)`` and then ``extras`` as instances of ``model``,
    each extra set as an attribute (what ``annotate`` would have set)."""
    columns = model_columns(model)
    split = len(columns)
    found = []
    for row in rows:
        instance = model.from_db("default", columns, row[:split])
        for name, value in zip(extras, row[split:], strict=True):
            setattr(instance, name, value)
        found.append(instance)
    return found
