"""An order's, an order item's, an opportunity's and a work order's state change only in their lifecycle modules.

The scan reads the source of every app and finds each write of a `status` or `state` field: an assignment to
the attribute, a queryset `update()`/`create()` or constructor with it as a keyword, a field list naming it
(`save(update_fields=…)`, `save_fields`, `bulk_update`, `bulk_update_rows`), and a hand-built UPDATE setting
it. A write found is allowed only in a lifecycle module, or when it is known to be of another model's field.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("customers", "opportunities", "orders", "provisioning", "sla", "keyaccounts", "assurance")
FIELDS = {"status", "state"}
LIFECYCLES = {
    "customers/lifecycle.py",
    "orders/lifecycle.py",
    "opportunities/lifecycle.py",
    "provisioning/lifecycle.py",
    "assurance/lifecycle.py",
    "keyaccounts/messaging/lifecycle.py",
}
WRITE_METHODS = {"update", "create", "get_or_create", "update_or_create"}
FIELD_LIST_WRITERS = {"save", "save_fields", "bulk_update", "bulk_update_rows"}
GUARDED_MODELS = {"Order", "OrderItem", "Opportunity", "WorkOrder", "TroubleTicket"}

# (file name, what is written) of other models' `status`/`state` (outbox messages, SLA clocks,
# quality violations, running services, inbox entries) and of a peer error's HTTP status: by file name, so
# that a module moved to another package keeps its entries. Each entry is checked to still be there.
OTHER_MODELS = {
    ("outbox.py", "message"),
    ("outbox.py", "OutboxMessage"),
    ("client.py", "self"),  # PeerError.status: the HTTP status a peer answered
    ("services.py", "clock"),
    ("services.py", "SlaClock"),  # the SLA clock's stop
    ("quality.py", "violation"),
    ("quality.py", "QualityViolation"),
    ("services.py", "Service"),
    ("inbox.py", "InboxEntry"),
}


def _root(node: ast.AST) -> str:
    """The name a chain such as `Order.objects.filter(…).update` starts from."""
    while isinstance(node, ast.Attribute | ast.Call | ast.Subscript):
        node = node.func if isinstance(node, ast.Call) else node.value
    return ast.unparse(node)


def _names_a_field(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Constant) and n.value in FIELDS for n in ast.walk(node))


def state_writes(source: str) -> list[tuple[int, str]]:
    """(line, what is written) of every write of a `status` or `state` field in `source`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for element in target.elts if isinstance(target, ast.Tuple | ast.List) else [target]:
                    if isinstance(element, ast.Attribute) and element.attr in FIELDS:
                        found.append((node.lineno, ast.unparse(element.value)))
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if any(k.arg in FIELDS for k in node.keywords) and (
                name in WRITE_METHODS or (isinstance(func, ast.Name) and name in GUARDED_MODELS)
            ):
                found.append((node.lineno, _root(func)))
            elif name in FIELD_LIST_WRITERS and any(
                _names_a_field(value) for value in [*node.args[1:], *(k.value for k in node.keywords)]
            ):
                if name == "save":
                    owner = ast.unparse(func.value)
                elif name == "bulk_update" and isinstance(func, ast.Attribute):
                    owner = _root(func)
                else:
                    owner = ast.unparse(node.args[0]) if node.args else ""
                found.append((node.lineno, owner))
        elif isinstance(node, ast.JoinedStr):
            text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
            if "UPDATE" in text.upper():
                for value in node.values:
                    if (
                        isinstance(value, ast.FormattedValue)
                        and isinstance(value.value, ast.Attribute)
                        and value.value.attr in FIELDS
                    ):
                        found.append((node.lineno, ast.unparse(value.value.value)))
    return found


def _app_sources():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" not in relative:
                yield relative, path.read_text()


def test_the_scan_finds_each_kind_of_state_write():
    source = """
order.status = Order.Status.CANCELLED
item.state, item.quantity = "completed", 2
Order.objects.filter(pk=1).update(status="rejected")
order.items.exclude(state__in=FINAL).update(state="cancelled")
Opportunity.objects.create(city=city, status="accepted")
OrderItem(order=order, state="inProgress")
WorkOrder(order_item=item, state="held")
item.save(update_fields=["state"])
save_fields(order, ["status", "version"])
bulk_update_rows(items, ["state"])
OrderItem.objects.bulk_update(items, fields=["state"])
sql = f"UPDATE {i} SET {i.state} = %s WHERE {i.pk} = %s"
"""
    assert [owner for _line, owner in state_writes(source)] == [
        "order",
        "item",
        "Order",
        "order",
        "Opportunity",
        "OrderItem",
        "WorkOrder",
        "item",
        "order",
        "items",
        "OrderItem",
        "i",
    ]
    reads = """
Order.objects.filter(status="draft").exclude(state__in=FINAL)
JsonResponse(body, status=201)
order.save(update_fields=["version", "updated_at"])
"""
    assert state_writes(reads) == []


def test_order_item_opportunity_and_work_order_states_change_only_in_their_lifecycle_modules():
    found = {
        (path, line, owner)
        for path, source in _app_sources()
        if path not in LIFECYCLES
        for line, owner in state_writes(source)
    }
    outside = sorted(write for write in found if (write[0].rsplit("/", 1)[-1], write[2]) not in OTHER_MODELS)
    assert outside == [], f"state written outside a lifecycle module (file, line, of what): {outside}"
    stale = OTHER_MODELS - {(path.rsplit("/", 1)[-1], owner) for path, _line, owner in found}
    assert not stale, f"no longer written, drop from OTHER_MODELS: {sorted(stale)}"


def test_opportunities_leave_writing_orders_to_order_management():
    """A won opportunity's draft order is made by `orders.services`: opportunities build no order or item rows."""
    built = [
        (path, node.lineno, ast.unparse(node.func))
        for path, source in _app_sources()
        if path.startswith("opportunities/")
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and ({"Order", "OrderItem"} & {_root(node.func)})
        and (isinstance(node.func, ast.Name) or ".objects" in ast.unparse(node.func))
    ]
    assert built == []
