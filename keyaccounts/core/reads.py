"""Reading one row with the rows it refers to, as `select_related(*paths).get(pk=…)` does, from SQL built once.

The ORM compiles a `select_related` query again on every call: for a task read with its process, order and
customer that took several times the database's time, and every step of a flow reads its task that way under
the flow lock. Here the statement and the fields' converters are worked out once per model, paths and
database; each read only runs it and builds the instances, their relations cached as the ORM caches them.
`rows_as` builds instances the same way from a statement of one's own (`Model.objects.raw` works out its
columns and converters on every call).
"""

import functools
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet, FieldDoesNotExist
from django.db import connections, models, router
from django.db.models import QuerySet


@dataclass(frozen=True)
class _Node:
    """One model of the read: its columns' place in the row, and how it hangs on its parent."""

    model: type[models.Model]
    attnames: tuple[str, ...]
    converters: tuple[tuple, ...]  # per column: the converters the ORM would apply, with their expression
    start: int  # its first column in the row
    parent: int | None  # its parent's index in the plan (None: the row read)
    relation: models.Field | models.ForeignObjectRel | None  # from the parent: a forward field, or a reverse one


def _converters(field: models.Field, alias: str, connection) -> tuple:
    column = field.get_col(alias)
    return tuple(
        (convert, column) for convert in connection.ops.get_db_converters(column) + field.get_db_converters(connection)
    )


@functools.cache
def _plan(
    model: type[models.Model],
    keys: tuple[tuple[str, int | None], ...],
    paths: tuple[str, ...],
    using: str,
    lock: bool,
    order_by: tuple[str, ...],
) -> tuple[str, str, tuple[_Node, ...]]:
    """The SELECT of the rows whose fields `keys` have the parameters' values (each key a field and None, or
    how many values it may take), in the order of the fields `order_by` ("pk" for the primary key, "-" before a
    name for descending), and its nodes, parents first: the statement up to its condition, the rest (a caller
    may add to the condition), and the nodes. Names come from the models' metadata, quoted; joins
    are LEFT JOINs (a missing row reads as None, as `select_related` gives). `lock`: the rows read are locked,
    not the rows they refer to (`select_for_update(of=("self",))`)."""
    connection = connections[using]
    quote = connection.ops.quote_name
    nodes: list[_Node] = []
    aliases: list[str] = []
    by_path: dict[str, int] = {}
    joins: list[str] = []

    def add(node_model, parent, relation) -> int:
        alias = f"r{len(nodes)}"
        fields = node_model._meta.concrete_fields
        start = sum(len(node.attnames) for node in nodes)
        attnames = tuple(field.attname for field in fields)
        converters = tuple(_converters(field, alias, connection) for field in fields)
        nodes.append(_Node(node_model, attnames, converters, start, parent, relation))
        aliases.append(alias)
        return len(nodes) - 1

    add(model, None, None)
    for path in paths:
        parent, prefix = 0, ""
        for name in path.split("__"):
            prefix = f"{prefix}__{name}" if prefix else name
            if prefix not in by_path:
                parent_model, parent_alias = nodes[parent].model, aliases[parent]
                relation = parent_model._meta.get_field(name)
                if relation.concrete:  # a forward foreign key or one-to-one: its column is on the parent
                    target = relation.related_model
                    on = f"{{alias}}.{quote(target._meta.pk.column)} = {parent_alias}.{quote(relation.column)}"
                else:  # a reverse one-to-one: the child's column points at the parent
                    target = relation.related_model
                    on = f"{{alias}}.{quote(relation.field.column)} = {parent_alias}.{quote(parent_model._meta.pk.column)}"
                by_path[prefix] = add(target, parent, relation)
                alias = aliases[by_path[prefix]]
                joins.append(f"LEFT JOIN {quote(target._meta.db_table)} {alias} ON {on.format(alias=alias)}")
            parent = by_path[prefix]
    columns = ", ".join(
        f"{alias}.{quote(field.column)}"
        for node, alias in zip(nodes, aliases, strict=True)
        for field in node.model._meta.concrete_fields
    )
    names = sql_names(model, using)
    where = " AND ".join(
        f"r0.{getattr(names, key)} = %s"
        if among is None
        else f"r0.{getattr(names, key)} IN ({', '.join(['%s'] * among)})"
        for key, among in keys
    )
    head = f"SELECT {columns} FROM {names} r0 {' '.join(joins)} WHERE {where}"  # noqa: S608
    tail = " ORDER BY " + ", ".join(
        f"r0.{getattr(names, name.lstrip('-'))}{' DESC' if name.startswith('-') else ''}" for name in order_by
    )
    if lock:
        tail += for_update(connection, of="r0")
    return head, tail, tuple(nodes)


def read_with_related(
    model: type[models.Model], pk, paths: tuple[str, ...] = (), *, lock: bool = False, within: QuerySet | None = None
):
    """`model.objects.select_related(*paths).get(pk=pk)`: the same instances and cached relations (forward
    foreign keys and one-to-ones, reverse one-to-ones), without compiling the query again. Raises
    `model.DoesNotExist` when no row has that pk. `lock`: the row is locked for the transaction, as
    `select_for_update(of=("self",))` locks it. `within`: the row only if it is among these (a user's scope,
    compiled on each call as a subquery), as `.filter(pk__in=within.values("pk"))` adds."""
    rows = _read(model, {model._meta.pk.name: pk}, paths, lock, within)
    if not rows:
        raise model.DoesNotExist(f"{model._meta.object_name} matching query does not exist.")
    return rows[0]


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


def _read(
    model: type[models.Model],
    match: dict,
    paths: tuple[str, ...],
    lock: bool,
    within: QuerySet | None,
    order_by: tuple[str, ...] = ("pk",),
) -> list:
    using = router.db_for_write(model) if lock else router.db_for_read(model)
    connection = connections[using]
    keys, params = [], []
    for key, value in match.items():
        values = list(value) if isinstance(value, list | tuple | set | frozenset) else None
        if values == []:
            return []  # among no values: no row
        keys.append((key, None if values is None else len(values)))
        prep = model._meta.get_field(key).get_db_prep_value
        params += [prep(getattr(v, "pk", v), connection) for v in (values if values is not None else [value])]
    head, tail, nodes = _plan(model, tuple(keys), paths, using, lock, order_by)
    if within is not None:
        try:
            scope, scope_params = within.order_by().values("pk").query.get_compiler(using).as_sql()
        except EmptyResultSet:  # a scope of nothing (`none()`)
            return []
        head += f" AND r0.{connection.ops.quote_name(model._meta.pk.column)} IN ({scope})"
        params.extend(scope_params)
    with connection.cursor() as cursor:
        cursor.execute(head + tail, params)
        return [_instances(row, nodes, using, connection) for row in cursor.fetchall()]


def _instances(row: tuple, nodes: tuple[_Node, ...], using: str, connection) -> models.Model:
    """The row read's instance, with the instances of the rows it refers to cached on it."""
    instances: list[models.Model | None] = []
    for node in nodes:
        values = list(row[node.start : node.start + len(node.attnames)])
        parent = None if node.parent is None else instances[node.parent]
        if parent is None and node.parent is not None:  # under a missing row: nothing
            instances.append(None)
            continue
        pk_value = values[node.attnames.index(node.model._meta.pk.attname)]
        instance = None
        if pk_value is not None:
            for i, converters in enumerate(node.converters):
                for convert, expression in converters:
                    values[i] = convert(values[i], expression, connection)
            instance = node.model.from_db(using, node.attnames, values)
        if node.relation is not None:
            _link(node.relation, parent, instance)
        instances.append(instance)
    return instances[0]


@functools.cache
def _model_node(model: type[models.Model], using: str) -> _Node:
    connection = connections[using]
    fields = model._meta.concrete_fields
    converters = tuple(_converters(field, model._meta.db_table, connection) for field in fields)
    return _Node(model, tuple(field.attname for field in fields), converters, 0, None, None)


def for_update(connection, *, of: str = "") -> str:
    """The clause that locks the rows a plain SELECT reads, where the database has one (SQLite has none: it
    locks the whole database as it writes). `of`: an alias whose rows alone are locked, not those joined."""
    features = connection.features
    if not features.has_select_for_update:
        return ""
    return f" FOR UPDATE OF {of}" if of and features.has_select_for_update_of else " FOR UPDATE"


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


def _link(relation, parent: models.Model, child: models.Model | None) -> None:
    """Cache `child` on `parent` (and `parent` on `child` for one-to-ones), as `select_related` does."""
    if relation.concrete:  # forward
        relation.set_cached_value(parent, child)
        if child is not None and relation.unique:
            relation.remote_field.set_cached_value(child, parent)
    else:  # reverse one-to-one
        relation.set_cached_value(parent, child)
        if child is not None:
            relation.field.set_cached_value(child, parent)
