"""Data many pages read, kept in Django's cache (Redis; a folder under var/ on the embedded default) under one key
per object and deleted whenever what it holds changes: a reader that misses fills the key from the database.

The receivers here delete keys; they are cache upkeep, not domain reactions. Bulk `QuerySet.update()` sends no
signal: code that updates cached rows in bulk deletes their keys itself (`forget`).
"""

from collections.abc import Callable, Iterable

from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from django.db import models, router, transaction
from django.db.models.signals import m2m_changed, post_save, pre_delete, pre_save


class _ReusingRedisCacheClient(RedisCacheClient):
    """One `redis.Redis` per connection pool: Django builds one for every call, whose set-up (its table of reply
    handlers) cost more than the cache read itself, several times a request."""

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_clients", {})
        if pool not in clients:
            clients[pool] = self._client(connection_pool=pool)
        return clients[pool]


class RedisCache(DjangoRedisCache):
    """Django's Redis cache (settings `CACHES`), its clients kept."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ReusingRedisCacheClient


# An entry filled from rows that a concurrent transaction was changing outlives the change by this much at most.
TIMEOUT = 600

Keys = Callable[[models.Model], Iterable[str]]


def get_or_fill(key: str, read: Callable[[], object]):
    """The value kept under `key`, or `read()`'s, kept for the next reader. `read()` may not give None."""
    value = cache.get(key)
    if value is None:
        value = read()
        cache.set(key, value, TIMEOUT)
    return value


def values_of(instance: models.Model, *, leaving_out: Iterable[str] = ()) -> dict:
    """A row's field values (attnames), as plain data to keep."""
    return {
        f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields if f.attname not in leaving_out
    }


def instance_of(model: type[models.Model], values: dict) -> models.Model:
    """An instance built from kept values as the ORM builds one from a row (`Model.from_db`), a new one for each
    reader; the fields the values lack are deferred."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(router.db_for_read(model), names, [values[name] for name in names])


def forget(*keys: str) -> None:
    """Delete the keys now, so that the rest of this transaction reads its own change, and again when it commits,
    so that another process which filled them from the rows as they were before the commit is not believed."""
    keys = list(dict.fromkeys(keys))
    if keys:
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys), robust=True)


def forget_on_change(
    model: type[models.Model],
    keys_of: Keys,
    *,
    before_save: bool = False,
    ignored_fields: Iterable[str] = (),
    on_delete: bool = True,
) -> None:
    """Saving or deleting an instance of `model` deletes the keys `keys_of(instance)` names (read before a
    delete, while what the instance links to is still there). `before_save`: the keys also of the row as it was
    before the save, for keys that name a field the save may change. A save of `ignored_fields` only deletes
    nothing. `on_delete=False`: for rows that cannot be deleted while an entry holds them."""
    ignored = frozenset(ignored_fields)
    uid = f"forget_{model._meta.label}_{keys_of.__module__}.{keys_of.__qualname__}"

    def saving(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
        if instance._state.adding or (update_fields and update_fields <= ignored):
            return
        before = sender._default_manager.filter(pk=instance.pk).first()
        if before is not None:
            forget(*keys_of(before))

    def saved(sender, instance, update_fields=None, **kwargs) -> None:
        if not (update_fields and update_fields <= ignored):
            forget(*keys_of(instance))

    def deleting(sender, instance, **kwargs) -> None:
        forget(*keys_of(instance))

    if before_save:
        pre_save.connect(saving, sender=model, weak=False, dispatch_uid=f"{uid}_pre_save")
    post_save.connect(saved, sender=model, weak=False, dispatch_uid=f"{uid}_save")
    if on_delete:
        pre_delete.connect(deleting, sender=model, weak=False, dispatch_uid=f"{uid}_delete")


def forget_on_m2m_change(through: type[models.Model], keys_of: Callable[..., Iterable[str]]) -> None:
    """Adding or removing links of the many-to-many table `through` deletes the keys `keys_of(instance, pk_set)`
    names: `instance` is the side the change was made from, `pk_set` the other side's pks, or None for a clear,
    which is seen before it happens (the links it removes still there to be read)."""

    def changed(sender, instance, action, pk_set, **kwargs) -> None:
        if action in ("post_add", "post_remove"):
            forget(*keys_of(instance, pk_set))
        elif action == "pre_clear":
            forget(*keys_of(instance, None))

    uid = f"forget_{through._meta.label}_{keys_of.__module__}.{keys_of.__qualname__}"
    m2m_changed.connect(changed, sender=through, weak=False, dispatch_uid=uid)
