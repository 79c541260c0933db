"""What provisioning, the inbox, the catalogue and generations still call while they move to the ORM: rows
with their relations (`keyaccounts.core.fastpath`), instances from a statement of one's own, and a model's names
for plain SQL. New code uses the ORM; hand-built SQL that a benchmark needs goes to `fastpath`."""

import functools

from django.core.exceptions import FieldDoesNotExist
from django.db import connections, models

from .fastpath import _instances, _model_node, _read, read_with_related

__all__ = ["SqlNames", "columns_of", "read_all_with_related", "read_with_related", "rows_as", "sql_names"]


def read_all_with_related(
    model: type[models.Model], match: dict, paths: tuple[str, ...] = (), *, order_by: tuple[str, ...] = ("pk",)
) -> list:
    """`model.objects.filter(**match).select_related(*paths).order_by(*order_by)`, as `read_with_related` reads
    one row: `match` gives fields of `model` their values (a list, tuple or set: any of its values, as `__in`),
    `order_by` names fields ("-" before one: descending). A foreign key's rows of an instance (`{"order":
    order}`) have it cached, as `order.items.all()` gives them."""
    rows = _read(model, match, paths, False, None, order_by)
    for key, value in match.items():
        field = model._meta.get_field(key)
        if field.is_relation and isinstance(value, models.Model):
            for row in rows:
                field.set_cached_value(row, value)
    return rows


class SqlNames:
    """A model's table and columns as quoted SQL names, for plain SQL that takes its names from the model:
    `str(names)` is the table, `names.field` a field's column (`names.pk` the primary key's), as in
    `f"SELECT {n.pk} FROM {n} WHERE {n.customer} = %s"`."""

    def __init__(self, model: type[models.Model], using: str = "default"):
        self._meta = model._meta
        self._quote = connections[using].ops.quote_name

    def __str__(self) -> str:
        return self._quote(self._meta.db_table)

    def __getattr__(self, name: str) -> str:
        # Missing names raise AttributeError, as attributes do: `hasattr`, `copy` and `pickle` probe for
        # underscored ones (before `__init__` has run, for a copy).
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            field = self._meta.pk if name == "pk" else self._meta.get_field(name)
        except FieldDoesNotExist as missing:
            raise AttributeError(name) from missing
        return self._quote(field.column)


@functools.cache
def sql_names(model: type[models.Model], using: str = "default") -> SqlNames:
    return SqlNames(model, using)


@functools.cache
def columns_of(model: type[models.Model], using: str = "default") -> str:
    """The model's columns, quoted, in the order `rows_as` reads them: `SELECT {columns_of(M)} FROM …`."""
    quote = connections[using].ops.quote_name
    return ", ".join(quote(field.column) for field in model._meta.concrete_fields)


def rows_as(
    model: type[models.Model], sql: str, params, using: str = "default", *, annotations: tuple[str, ...] = ()
) -> list:
    """`list(model.objects.raw(sql, params))` for a statement that returns `columns_of(model)`: instances
    built as the ORM builds them, without working out the statement's columns and converters again.
    `annotations`: the names of the columns the statement returns after the model's, set on each instance as
    `raw()` sets them (as the database answers them)."""
    connection = connections[using]
    node = _model_node(model, using)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    instances = [_instances(row, (node,), using, connection) for row in rows]
    if annotations:
        for row, instance in zip(rows, instances, strict=True):
            for name, value in zip(annotations, row[len(node.attnames) :], strict=True):
                setattr(instance, name, value)
    return instances
