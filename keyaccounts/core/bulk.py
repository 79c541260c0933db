"""`upsert`: what the inbox still calls while it moves to the ORM (ADR 0003): instances written over the rows
they conflict with, from SQL built once per model and number of rows. New code uses `bulk_create`."""

import functools
from collections.abc import Sequence

from django.db import connections, models, router
from django.db.models.constants import OnConflict


@functools.cache
def _insert_sql(model: type[models.Model], alias: str, rows: int = 1) -> tuple[str, tuple[models.Field, ...]]:
    """The INSERT of `rows` rows of every concrete field but those the database fills (the pk), and those fields
    in order."""
    connection = connections[alias]
    meta = model._meta
    fields = tuple(field for field in meta.concrete_fields if not field.db_returning)
    quote = connection.ops.quote_name
    row = f"({', '.join(['%s'] * len(fields))})"
    # Names come from the model's metadata, quoted; every value is a parameter.
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) "  # noqa: S608
        f"VALUES {', '.join([row] * rows)}"
    )
    return sql, fields


@functools.cache
def _upsert_sql(model: type[models.Model], rows: int, unique: tuple[str, ...], update: tuple[str, ...], alias: str):
    """`_insert_sql`'s INSERT, writing `update` over the rows it conflicts with on `unique`."""
    sql, fields = _insert_sql(model, alias, rows)
    meta = model._meta
    unique_columns = [meta.get_field(name).column for name in unique]
    update_columns = [meta.get_field(name).column for name in update]
    conflict = connections[alias].ops.on_conflict_suffix_sql(fields, OnConflict.UPDATE, update_columns, unique_columns)
    return f"{sql} {conflict}", fields


def upsert(objs: Sequence[models.Model], *, unique: Sequence[str], update: Sequence[str]) -> None:
    """`bulk_create(objs, update_conflicts=True, unique_fields=unique, update_fields=update)` from SQL built
    once per model and number of rows: new rows inserted, those conflicting on `unique` get `update` written.
    No pks read back, no signals (the inbox follows every step this way)."""
    if not objs:
        return
    model = type(objs[0])
    alias = router.db_for_write(model)
    connection = connections[alias]
    sql, fields = _upsert_sql(model, len(objs), tuple(unique), tuple(update), alias)
    params = [field.get_db_prep_save(field.pre_save(obj, add=True), connection) for obj in objs for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
