"""Writing many changed rows in one statement.

Django's `bulk_update` builds a `CASE WHEN pk = … THEN …` expression per row and field: for a few hundred
rows that is milliseconds of Python per statement. On PostgreSQL one `UPDATE … FROM (VALUES …)` writes the
same values with the database doing the matching; other databases keep `bulk_update`.
"""

from collections.abc import Sequence

from django.db import connections, models, router


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
