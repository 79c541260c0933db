"""The hand-built SQL that stays because a benchmark target fails without it; the ORM everywhere else.

Each function returns or writes exactly what its ORM equivalent does (`tests/core/test_fastpath.py`), takes its
connection from the database router, and says which target keeps it; the figures are in `docs/benchmarks.md`.

- `read_with_related`: the task a flow step reads under the flow lock, with its process and subject (E3, ≤ 1.5×
  the bare flow's time, not yet met; its gain over `select_related` is still to be measured).
- `insert_plain_rows`: the notifications and timeline rows an SLA sweep raises, one UNNEST INSERT per table from
  plain tuples (`sla`: one sweep ≤ 1 s; `bulk_create` builds and prepares an instance per row).
- `lock_tables`: a table lock, which the ORM has no word for (the SLA rollup's folds and rebuilds take turns).
"""

import datetime as dt
import functools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connections, models, router
from django.db.models import QuerySet
from django.db.models.constants import OnConflict
from django.utils import timezone


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
    meta = model._meta

    def column(name: str) -> str:
        return quote((meta.pk if name == "pk" else meta.get_field(name)).column)

    where = " AND ".join(
        f"r0.{column(key)} = %s" if among is None else f"r0.{column(key)} IN ({', '.join(['%s'] * among)})"
        for key, among in keys
    )
    head = f"SELECT {columns} FROM {quote(meta.db_table)} r0 {' '.join(joins)} WHERE {where}"  # noqa: S608
    tail = " ORDER BY " + ", ".join(
        f"r0.{column(name.lstrip('-'))}{' DESC' if name.startswith('-') else ''}" for name in order_by
    )
    if lock:
        tail += _for_update(connection, of="r0")
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


def _for_update(connection, *, of: str = "") -> str:
    """The clause that locks the rows a plain SELECT reads, where the database has one (SQLite has none: it
    locks the whole database as it writes). `of`: an alias whose rows alone are locked, not those joined."""
    features = connection.features
    if not features.has_select_for_update:
        return ""
    return f" FOR UPDATE OF {of}" if of and features.has_select_for_update_of else " FOR UPDATE"


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


def insert_plain_rows(
    model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence], *, skip_conflicts: bool = False
) -> int:
    """`bulk_create` of plain tuples in one UNNEST INSERT, without a model instance per row: the `sla` target.

    `rows` are tuples of the values of `fields` (attribute names: `recipient_id`, not `recipient`); the model's
    other fields get what an unsaved instance holds (their default, now for `auto_now(_add)`). `skip_conflicts`:
    a row that would break a unique constraint is left out, as `bulk_create(ignore_conflicts=True)` leaves it.
    Returns the rows inserted (on databases that tell). Other databases than PostgreSQL call `bulk_create`."""
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
    others = [field for field in meta.concrete_fields if field not in given and not field.db_returning]
    quote = connection.ops.quote_name

    def db_type(field) -> str:
        # Without its length: `varchar[]`, not `varchar(120)[]` (as Django's own UNNEST insert).
        return field.db_type(connection).split("(")[0]

    arrays = []
    for field, values in zip(given, zip(*rows, strict=True), strict=True):
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


def _unsaved_value(field: models.Field, now):
    """What an unsaved instance holds in `field` when it is saved: now for `auto_now(_add)`, else the default."""
    return now if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False) else field.get_default()


def _array_text(values) -> str:
    """The values as one PostgreSQL array in its text form (`{"a","b",NULL}`), cast by the statement to the
    column's array type: psycopg dumps a list element by element in Python. Every element is quoted, so any
    type's text form stands as it is."""

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


_LOCK_MODES = frozenset(
    {
        "ACCESS SHARE",
        "ROW SHARE",
        "ROW EXCLUSIVE",
        "SHARE UPDATE EXCLUSIVE",
        "SHARE",
        "SHARE ROW EXCLUSIVE",
        "EXCLUSIVE",
        "ACCESS EXCLUSIVE",
    }
)


def lock_tables(*tables: type[models.Model], mode: str = "EXCLUSIVE") -> None:
    """Lock the models' tables in `mode` until the transaction ends (PostgreSQL's `LOCK TABLE`; call it inside
    `transaction.atomic`), on the database the router writes the first model to. SQLite has no table locks and
    needs none: it serialises writers over the whole database."""
    if mode not in _LOCK_MODES:
        raise ValueError(f"unknown lock mode: {mode}")
    using = router.db_for_write(tables[0])
    if any(router.db_for_write(table) != using for table in tables[1:]):
        raise ValueError("the tables to lock are on different databases")
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    names = ", ".join(connection.ops.quote_name(table._meta.db_table) for table in tables)
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {names} IN {mode} MODE")
