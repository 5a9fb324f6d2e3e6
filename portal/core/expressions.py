"""Database expressions the ORM lacks."""

from __future__ import annotations

import json
from typing import Any

from django.db import NotSupportedError
from django.db.models import F, Func, JSONField


class JSONMerge(Func):
    """A JSON object column with ``values``' keys set: ``{**column, **values}`` in the database.

    ``filter(pk=...).update(field=JSONMerge("field", {...}))`` is one statement instead of a read
    and a write, and a concurrent merge of other keys into the same row is never lost. A column
    that holds no object (null, a list) is treated as ``{}``. PostgreSQL and SQLite only (the
    databases the settings support).
    """

    output_field = JSONField()

    def __init__(self, field: str, values: dict[str, Any]) -> None:
        if not values or not all(isinstance(key, str) and key.isidentifier() for key in values):
            raise ValueError(f"JSONMerge needs identifier keys, got {list(values)!r}")
        self.values = values
        super().__init__(F(field))

    def as_postgresql(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        base = f"CASE WHEN jsonb_typeof({column}) = 'object' THEN {column} ELSE '{{}}'::jsonb END"
        return f"({base} || %s::jsonb)", [*params, *params, json.dumps(self.values)]

    def as_sqlite(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        base = f"CASE WHEN json_type({column}) = 'object' THEN {column} ELSE '{{}}' END"
        pairs = ", ".join("%s, json(%s)" for _ in self.values)
        values = [
            item for key, value in self.values.items() for item in (f"$.{key}", json.dumps(value))
        ]
        return f"json_set({base}, {pairs})", [*params, *params, *values]

    def as_sql(self, compiler, connection, **extra_context):
        raise NotSupportedError(f"JSONMerge is not implemented for {connection.vendor}")
