"""Data each web worker keeps between requests, for as long as its kind's token (`Generation`) stays: who may
see or do what, and configuration every page reads (business calendars, the product list).

Whatever changes kept data moves its kind's token in the change's own transaction (the receivers connected by
`moves_with`), so the next request in every worker builds it afresh. A request reads every kind's token once,
in one statement, when it first needs one; outside a request (a Celery task, a command) each need reads them,
as such work may run for hours.
"""

import secrets
import threading
from collections.abc import Callable, Hashable

from django.core.signals import request_finished, request_started
from django.db import connection
from django.db.models.signals import m2m_changed, post_delete, post_save

from .models import Generation
from .reads import sql_names

Kind = Generation.Kind
KEPT = 4096  # entries per worker; the longest kept goes first
_kept: dict[tuple[str, Hashable], tuple[int, object]] = {}
# .tokens: the request's tokens ({} until read; None once it has moved one); absent outside a request
_request = threading.local()


def kept(kind: str, key: Hashable, build: Callable[[], object], *, read_token: int | None = None):
    """`build()`, kept by this worker under `key` while `kind`'s token stays. Shared by the worker's requests:
    callers must not change what it returns. `read_token`: the kind's token as the caller has just read it in a
    statement of its own transaction (`token_sql`), which spares reading it again."""
    # The token first: a change committed after this read moves it, so nothing older is kept.
    now = read_token if read_token is not None else token(kind)
    entry = _kept.get((kind, key))
    if entry is None or entry[0] != now:
        if len(_kept) >= KEPT:
            _kept.pop(next(iter(_kept), None), None)  # (another thread may have taken it)
        entry = _kept[kind, key] = (now, build())
    return entry[1]


def token(kind: str) -> int:
    tokens = getattr(_request, "tokens", None)
    if tokens:
        return tokens[kind]
    tokens = _read()
    if getattr(_request, "tokens", None) == {}:  # the request's first read: its tokens for the rest of it
        _request.tokens = tokens
    return tokens[kind]


def token_sql(kind_parameter: str = "%s") -> str:
    """A scalar subquery giving a kind's token (the kind a parameter, `kind_parameter` its placeholder), for a
    statement that reads anyway just before something kept is needed. NULL on a database without the row yet:
    `kept` then reads the token itself."""
    g = sql_names(Generation)
    return f"(SELECT {g.token} FROM {g} WHERE {g.kind} = {kind_parameter})"  # noqa: S608 (names from the model)


def _read() -> dict[str, int]:
    g = sql_names(Generation)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {g.kind}, {g.token} FROM {g}")  # noqa: S608 (names from the model)
        tokens = dict(cursor.fetchall())
    for missing in set(Kind.values) - tokens.keys():  # a new or flushed database
        tokens[missing] = _first_token(missing, secrets.randbits(62))
    return tokens


def _first_token(kind: str, token: int) -> int:
    """The kind's row, holding `token` unless another process has just written it."""
    return Generation.objects.get_or_create(kind=kind, defaults={"token": token})[0].token


def move(kind: str) -> None:
    """Move the kind's token: what workers keep of it is built again."""
    token = secrets.randbits(62)
    if not Generation.objects.filter(kind=kind).update(token=token):
        _first_token(kind, token)
    if hasattr(_request, "tokens"):
        # The rest of the request reads the tokens afresh: what it builds next is of its own change, which its
        # transaction may yet roll back, and must be kept under neither the old token nor, after a rollback, the
        # new one.
        _request.tokens = None


def moves_with(kind: str, *models, through=()) -> None:
    """Saving or deleting any of `models`, or changing one of the many-to-many tables `through`, moves the
    kind's token."""

    def changed(*, action: str = "post_", **kwargs) -> None:
        if action.startswith("post_"):  # an m2m change counts once it is done
            move(kind)

    for model in models:
        label = model._meta.label
        post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"generation_{kind}_save_{label}")
        post_delete.connect(changed, sender=model, weak=False, dispatch_uid=f"generation_{kind}_delete_{label}")
    for table in through:
        m2m_changed.connect(
            changed, sender=table, weak=False, dispatch_uid=f"generation_{kind}_m2m_{table._meta.label}"
        )


def _request_started(**kwargs) -> None:
    _request.tokens = {}


def _request_finished(**kwargs) -> None:
    _request.__dict__.pop("tokens", None)


def connect() -> None:
    request_started.connect(_request_started, dispatch_uid="generations_request_started")
    request_finished.connect(_request_finished, dispatch_uid="generations_request_finished")
