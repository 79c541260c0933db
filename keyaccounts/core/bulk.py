"""Writing rows in fewer statements than the ORM's defaults: what provisioning, the peers, the inbox, the
catalogue and the sweep's notifications and timeline rows still call while they move to the ORM (ADR 0003).

Django's `bulk_update` builds a `CASE WHEN pk = … THEN …` expression per row and field: for a few hundred
rows that is milliseconds of Python per statement. On PostgreSQL one `UPDATE … FROM (VALUES …)` writes the
same values with the database doing the matching; other databases keep `bulk_update`.

`bulk_create` builds a model instance per row and prepares each of its values through its field: for a few
thousand rows (a sweep's notifications) that is most of the time the insert takes. `insert_rows` takes plain
tuples and sends each column as one array; other databases keep `bulk_create`. `insert_instance` saves a new
instance from SQL built once, `upsert` writes instances over the rows they conflict with, and `save_fields` saves some fields of an instance from SQL built once (a flow step moves its
order's state).
"""

import datetime as dt
import functools
import json
from collections.abc import Iterable, Sequence

from django.db import DatabaseError, connections, models, router
from django.db.models.constants import OnConflict
from django.utils import timezone


def bulk_update_rows(objs: Sequence[models.Model], fields: list[str]) -> int:
    """Write `fields` of each of `objs` (saved rows of one model) as they are in memory. Returns the rows
    updated. No signals and no `auto_now`: set such values before calling, as with `bulk_update`."""
    if not objs:
        return 0
    model = type(objs[0])
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return model._default_manager.using(alias).bulk_update(objs, fields)
    meta = model._meta
    pk = meta.pk
    columns = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    casts = [f"%s::{pk.db_type(connection)}", *(f"%s::{field.db_type(connection)}" for field in columns)]
    row = f"({', '.join(casts)})"
    params = []
    for obj in objs:
        params.append(pk.get_db_prep_value(obj.pk, connection))
        params += [field.get_db_prep_save(getattr(obj, field.attname), connection) for field in columns]
    table = quote(meta.db_table)
    names = [quote(field.column) for field in columns]
    # Names and types come from the model's metadata, quoted; every value is a parameter.
    sets = ", ".join(f"{name} = v.{name}" for name in names)
    key = quote(pk.column)
    values = ", ".join([row] * len(objs))
    columns_sql = ", ".join([key, *names])
    sql = f"UPDATE {table} SET {sets} FROM (VALUES {values}) AS v({columns_sql}) WHERE {table}.{key} = v.{key}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def insert_once(obj: models.Model, *, unique: list[str]) -> bool:
    """INSERT `obj` unless a row with the same `unique` fields (a unique constraint) exists: one statement,
    no savepoint and no IntegrityError to catch. Sets `obj.pk` and returns True when it was inserted. Outside
    a transaction the statement commits by itself (one round trip)."""
    model = type(obj)
    alias = router.db_for_write(model)
    connection = connections[alias]
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.db_returning]  # the database fills the others (the pk)
    params = [f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in fields]
    quote = connection.ops.quote_name
    # Names come from the model's metadata, quoted; every value is a parameter.
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(fields))}) "
        f"ON CONFLICT ({', '.join(quote(meta.get_field(name).column) for name in unique)}) DO NOTHING "
        f"RETURNING {quote(meta.pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return False
    obj.pk = row[0]
    obj._state.adding, obj._state.db = False, alias
    return True


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


def insert_instance(obj: models.Model) -> None:
    """`obj.save()` of a new instance from SQL built once per model: the same values written (`auto_now(_add)`
    fields set to now, on `obj` too) and `obj.pk` set. No signals: use it for models that have none, on paths
    taken on every step (the ORM took longer to build the INSERT than the database to run it)."""
    model = type(obj)
    alias = router.db_for_write(model, instance=obj)
    connection = connections[alias]
    sql, fields = _insert_sql(model, alias)
    params = [field.get_db_prep_save(field.pre_save(obj, add=True), connection) for field in fields]
    pk = model._meta.pk
    with connection.cursor() as cursor:
        if connection.features.can_return_columns_from_insert:
            cursor.execute(f"{sql} RETURNING {connection.ops.quote_name(pk.column)}", params)
            obj.pk = cursor.fetchone()[0]
        else:
            cursor.execute(sql, params)
            obj.pk = connection.ops.last_insert_id(cursor, model._meta.db_table, pk.column)
    obj._state.adding, obj._state.db = False, alias


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


@functools.cache
def _update_sql(model: type[models.Model], names: tuple[str, ...], alias: str) -> tuple[str, tuple[models.Field, ...]]:
    connection = connections[alias]
    meta = model._meta
    fields = tuple(meta.get_field(name) for name in names)
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    # Names come from the model's metadata, quoted; every value is a parameter.
    return f"UPDATE {quote(meta.db_table)} SET {sets} WHERE {quote(meta.pk.column)} = %s", fields  # noqa: S608


def save_fields(obj: models.Model, fields: Sequence[str]) -> None:
    """`obj.save(update_fields=fields)` from SQL built once per model and fields: the same values written (an
    `auto_now` field set to now, on `obj` too), the same error when no row has its pk. No signals: use it for
    models that have none, on paths taken on every step (the ORM took longer to build the UPDATE than the
    database to run it)."""
    model = type(obj)
    alias = router.db_for_write(model, instance=obj)
    connection = connections[alias]
    sql, prepared = _update_sql(model, tuple(fields), alias)
    params = [field.get_db_prep_save(field.pre_save(obj, add=False), connection) for field in prepared]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, model._meta.pk.get_db_prep_value(obj.pk, connection)])
        if cursor.rowcount == 0:
            raise DatabaseError("Save with update_fields did not affect any rows.")


def _unsaved_value(field: models.Field, now):
    """What an unsaved instance holds in `field` when it is saved: now for `auto_now(_add)`, else the default."""
    return now if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False) else field.get_default()


def _array_text(values) -> str:
    """The values as one PostgreSQL array in its text form (`{"a","b",NULL}`), which the statement casts to the
    column's array type: psycopg dumps a list element by element in Python, about 4 µs an element, and a
    sweep sends tens of thousands. Every element is quoted, so any type's text form stands as it is."""

    def element(value) -> str:
        if value is None:
            return "NULL"
        if isinstance(value, bool):
            text = "t" if value else "f"
        elif isinstance(value, dt.datetime | dt.date | dt.time):
            text = value.isoformat()
        elif isinstance(value, dt.timedelta):
            text = f"{value.total_seconds()} seconds"
        else:
            text = str(value)
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    return "{" + ",".join(map(element, values)) + "}"


def insert_rows(
    model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence], *, skip_conflicts=False
) -> int:
    """INSERT `rows`, tuples of the values of `fields` (attribute names: `recipient_id`, not `recipient`), in
    one statement. The model's other fields get what an unsaved instance would hold (their default, now for
    `auto_now(_add)`), one value for every row. With `skip_conflicts` a row that would break a unique
    constraint is left out (the one stored stays as it was). No signals, no `save()`. Returns the rows
    inserted (on databases that tell).

    Values go to the driver as they are (ints, strings, aware datetimes, None); JSON fields are dumped here."""
    rows = list(rows)
    if not rows:
        return 0
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        objs = [model(**dict(zip(fields, row, strict=True))) for row in rows]
        return len(model._default_manager.using(alias).bulk_create(objs, ignore_conflicts=skip_conflicts))
    meta = model._meta
    given = [meta.get_field(name) for name in fields]
    now = timezone.now()
    others = [
        field
        for field in meta.concrete_fields
        if field not in given and not field.db_returning  # the database fills those (the pk)
    ]
    quote = connection.ops.quote_name

    def db_type(field) -> str:
        # Without its length: `varchar[]`, not `varchar(120)[]` (as Django's own UNNEST insert).
        return field.db_type(connection).split("(")[0]

    columns = list(zip(*rows, strict=True))
    arrays = []
    for field, values in zip(given, columns, strict=True):
        if isinstance(field, models.JSONField):
            values = [None if v is None else json.dumps(v, cls=field.encoder) for v in values]
        arrays.append(_array_text(values))
    same = [field.get_db_prep_save(_unsaved_value(field, now), connection) for field in others]
    names = ", ".join(quote(field.column) for field in [*given, *others])
    unnest = ", ".join(f"%s::{db_type(field)}[]" for field in given)
    constants = "".join(f", %s::{db_type(field)}" for field in others)
    conflict = connection.ops.on_conflict_suffix_sql(given, OnConflict.IGNORE, None, None) if skip_conflicts else ""
    # Names and types come from the model's metadata, quoted; every value is a parameter.
    sql = f"INSERT INTO {quote(meta.db_table)} ({names}) SELECT *{constants} FROM UNNEST({unnest}) {conflict}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*same, *arrays])
        return cursor.rowcount
