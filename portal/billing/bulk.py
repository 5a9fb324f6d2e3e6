"""Plain multi-row inserts for the month-end writes (billing lines, statement rows).

``bulk_create`` prepares every value through its field and, on SQLite, splits statements at
999 parameters (about 50 rows of ours), which costs more than working the rows out. Here each
batch is one ``executemany`` of one prepared INSERT. The values are the instances' own
(``Decimal``, ``str``, ids): the drivers take them as they are (Django's SQLite backend
registers the Decimal adapter); datetimes go through the backend's own adaptation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection, models

BATCH = 5000


def insert(objs: Iterable[models.Model], model: type[models.Model]) -> int:
    """INSERT the unsaved instances (their primary keys stay unset); returns the count."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    # Names come from the model and are quoted; every value is a bound parameter.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        quote(model._meta.db_table),
        ", ".join(quote(f.column or f.attname) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    names = [f.attname for f in fields]
    json_fields = {i for i, f in enumerate(fields) if isinstance(f, models.JSONField)}
    adapt = connection.ops.adapt_datetimefield_value
    count, batch = 0, []
    with connection.cursor() as cursor:
        for obj in objs:
            row = [getattr(obj, name) for name in names]
            for i, value in enumerate(row):
                if isinstance(value, dt.datetime):
                    row[i] = adapt(value)
                elif i in json_fields:
                    row[i] = fields[i].get_db_prep_save(value, connection)
            batch.append(row)
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                count, batch = count + len(batch), []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count
