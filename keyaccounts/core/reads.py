"""What the inbox, generations, roles and the SLA policy read still call while they move to the ORM: instances
from a statement of one's own, and a model's names for plain SQL. New code uses the ORM; hand-built SQL that a
benchmark needs goes to `keyaccounts.core.fastpath`."""

import functools

from django.core.exceptions import FieldDoesNotExist
from django.db import connections, models

from .fastpath import _instances, _model_node

__all__ = ["SqlNames", "columns_of", "rows_as", "sql_names"]


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
