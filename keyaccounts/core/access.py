"""Who may see what: every selector scopes its rows to the user's city unless the user sees all cities."""

from typing import NoReturn

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from .models import City
from .user_access import access_of


def sees_all_cities(user) -> bool:
    return user.is_authenticated and user.has_perm("core.view_all_cities")


def scope_to_city(queryset: QuerySet, user, *, field: str = "city") -> QuerySet:
    """Rows of the user's own city, or all rows for provincial roles; nothing for a user with no city."""
    if sees_all_cities(user):
        return queryset
    if not user.is_authenticated or user.city_id is None:
        return queryset.none()
    return queryset.filter(**{field: user.city_id})


def teams_of(user) -> list:
    """The user's teams, from their cached access."""
    return list(access_of(user).teams)


def served_city_ids(user, team_kind: str) -> list[int]:
    """Cities the user's teams of this kind serve: their own city's, or every city for a provincial team."""
    cities = [team.city_id for team in teams_of(user) if team.kind == team_kind]
    if None in cities:  # a provincial team
        return list(City.objects.values_list("pk", flat=True))
    return cities


def deny(request, reason: str) -> PermissionDenied:
    """Note why access is refused and return the exception to raise: the response's log line (one, with who,
    what and this reason; `keyaccounts.core.logging.RefusalFilter`) says it, whether a 403 or a 404 follows."""
    getattr(request, "_request", request).refusal_reason = reason
    return PermissionDenied(reason)


def get_in_scope_or_404(request, queryset: QuerySet, visible: QuerySet, pk: int):
    """The record if it is among those the user may see; otherwise a 404 (logged), so records out of scope
    stay unknown rather than forbidden. One query for a record in scope; a second only to tell a refusal (logged)
    from a record that does not exist."""
    record = queryset.filter(pk=pk, pk__in=visible.values("pk")).first()
    if record is None:
        _not_in_scope(request, queryset, pk)
    return record


def read_in_scope_or_404(request, visible: QuerySet, pk: int, paths: tuple[str, ...]):
    """`get_in_scope_or_404` for a page's record read with the rows `paths` name (`select_related(*paths)`)."""
    manager = visible.model._default_manager
    record = manager.select_related(*paths).filter(pk=pk, pk__in=visible.values("pk")).first()
    if record is None:
        _not_in_scope(request, manager.all(), pk)
    return record


def _not_in_scope(request, queryset: QuerySet, pk: int) -> NoReturn:
    """A 404, logged as a refusal when the record exists (out of the user's scope)."""
    if queryset.filter(pk=pk).exists():
        deny(request, f"{queryset.model._meta.label} {pk} outside scope")
    raise Http404


class PermissionRequiredMixin(AccessMixin):
    """Like Django's, but logs the refusal and raises a 403 for signed-in users instead of a login loop."""

    permission_required: str = ""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not request.user.has_perm(self.permission_required):
            raise deny(request, f"permission {self.permission_required}")
        return super().dispatch(request, *args, **kwargs)
