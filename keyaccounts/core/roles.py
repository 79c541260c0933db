"""Roles are Django groups. This module names them and the permissions each starts with.

Administrators may grant a group more in the admin; `sync_role_groups` only ever adds the
defaults below, so it is safe to run on every migrate.
"""

import functools

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.utils.translation import gettext_lazy as _

from .reads import sql_names


class Role(models.TextChoices):
    ACCOUNT_MANAGER = "account_manager", _("Account manager")
    BACK_OFFICE = "back_office", _("Back-office staff")
    CITY_SUPERVISOR = "city_supervisor", _("City supervisor")
    PROVINCIAL_SUPERVISOR = "provincial_supervisor", _("Provincial supervisor")
    SI_PARTNER = "si_partner", _("SI partner")
    ADMINISTRATOR = "administrator", _("Administrator")


_ORGANISATION_ADMIN = [
    f"core.{action}_{model}"
    for model in ("city", "team", "sicompany", "user")
    for action in ("add", "change", "delete", "view")
] + ["auth.view_group", "auth.change_group", "core.view_timelineevent"]

# Later capabilities append their own codenames here, next to the role that needs them.
_CUSTOMER_SUPERVISION = [
    "customers.view_customer",
    "customers.approve_customer_level",
    "customers.reopen_customer",
    "customers.view_archivingprocess",
    "opportunities.view_opportunity",
    "opportunities.approve_discount",
    "orders.view_order",
    "orders.approve_order",
    "orders.assess_cancellation",
    "sla.view_dashboard",
]

DEFAULT_PERMISSIONS: dict[str, list[str]] = {
    Role.ACCOUNT_MANAGER: [
        "customers.add_customer",
        "customers.change_customer",
        "customers.view_customer",
        "customers.view_archivingprocess",
        "opportunities.add_opportunity",
        "opportunities.change_opportunity",
        "opportunities.view_opportunity",
        "orders.add_order",
        "orders.change_order",
        "orders.view_order",
    ],
    Role.BACK_OFFICE: [
        "customers.view_customer",
        "customers.review_customer",
        "customers.view_archivingprocess",
        "opportunities.view_opportunity",
        "opportunities.design_solution",  # acted on only by members of a pre-sales team
        "orders.view_order",
        "orders.accept_order",  # acted on only by members of an order-acceptance team
        "orders.assess_cancellation",
        "peers.retry_delivery",  # acted on only by members of a provisioning team
        "provisioning.handle_launch",
    ],
    Role.CITY_SUPERVISOR: ["core.view_organisation", *_CUSTOMER_SUPERVISION],
    Role.PROVINCIAL_SUPERVISOR: [
        "core.view_organisation",
        "core.view_all_cities",
        *_CUSTOMER_SUPERVISION,
        "opportunities.approve_large_discount",
    ],
    Role.SI_PARTNER: ["provisioning.work_si_orders"],
    Role.ADMINISTRATOR: [
        "core.view_organisation",
        "core.view_all_cities",
        *_ORGANISATION_ADMIN,
        *[f"catalogue.{a}_{m}" for m in ("product", "productelement") for a in ("add", "change", "delete", "view")],
        *[
            f"orders.{a}_{m}"
            for m in ("orderapprovalrule", "billingaccount")
            for a in ("add", "change", "delete", "view")
        ],
        "orders.view_order",
        "peers.retry_delivery",
        "customers.view_customer",
        *[f"customers.{a}_levelapprovalrule" for a in ("add", "change", "delete", "view")],
        *[f"opportunities.{a}_{m}" for m in ("channel", "lostreason") for a in ("add", "change", "delete", "view")],
        "opportunities.view_opportunity",
        *[f"sla.{a}_businesscalendar" for a in ("add", "change", "delete", "view")],
        *[f"sla.{a}_slapolicy" for a in ("add", "change", "delete", "view")],
        *[f"sla.{a}_{m}" for m in ("qualitygrade", "qualitytarget") for a in ("add", "change", "delete", "view")],
        "sla.view_qualitymeasurement",
        "sla.view_qualityviolation",
        "sla.view_slaclock",
        *[
            f"sla.{a}_{m}"
            for m in ("holiday", "workingwindow", "citycalendar", "customercalendar")
            for a in ("add", "change", "delete", "view")
        ],
    ],
}


def _permission(dotted: str) -> Permission:
    app_label, codename = dotted.split(".", 1)
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def sync_role_groups() -> dict[str, Group]:
    """Create each role's group and grant its default permissions (idempotent)."""
    groups = {}
    for role in Role:
        group, _created = Group.objects.get_or_create(name=role.value)
        group.permissions.add(*[_permission(p) for p in DEFAULT_PERMISSIONS[role]])
        groups[role.value] = group
    return groups


def sync_after_migrate(**kwargs) -> None:
    sync_role_groups()


def user_roles(user) -> set[str]:
    """The role codes of a user, read once per request together with their permissions (`load_access`)."""
    if not user.is_authenticated:
        return set()
    if getattr(user, "_role_cache", None) is None:
        load_access(user)
    return user._role_cache


@functools.cache
def _access_sql() -> str:
    """One user's group names and direct and group permissions, tagged by kind (the user's pk thrice). Plain
    SQL: composing it through the ORM cost more than running it, on every page."""
    from django.contrib.auth import get_user_model

    user = get_user_model()
    g, p, ct = sql_names(Group), sql_names(Permission), sql_names(ContentType)
    ug, up, gp = (sql_names(m) for m in (user.groups.through, user.user_permissions.through, Group.permissions.through))
    # Names from the models' metadata, the user's pk as a parameter: nothing from outside is spliced in.
    codes = f"ct.{ct.app_label} || '.' || p.{p.codename} FROM {p} p JOIN {ct} ct ON ct.{ct.pk} = p.{p.content_type}"
    roles = f"SELECT 'role', g.{g.name} FROM {g} g JOIN {ug} ug ON ug.{ug.group} = g.{g.pk}"  # noqa: S608
    direct = f"SELECT 'user', {codes} JOIN {up} up ON up.{up.permission} = p.{p.pk}"
    by_group = f"SELECT 'group', {codes} JOIN {gp} gp ON gp.{gp.permission} = p.{p.pk}"
    by_group += f" JOIN {ug} ug ON ug.{ug.group} = gp.{gp.group}"
    return (
        f"{roles} WHERE ug.{ug.user} = %s UNION ALL {direct} WHERE up.{up.user} = %s"
        f" UNION ALL {by_group} WHERE ug.{ug.user} = %s"
    )


def load_access(user) -> None:
    """A user's groups and permissions in one query, kept on the user object for the rest of the request:
    every page's navigation asks for both, and Django's own backend reads them in two more queries.

    Fills the caches `ModelBackend` keeps (`_user_perm_cache`, `_group_perm_cache`) and `user_roles`'s own.
    """
    with connection.cursor() as cursor:
        cursor.execute(_access_sql(), [user.pk] * 3)
        rows = cursor.fetchall()
    found: dict[str, set[str]] = {"role": set(), "user": set(), "group": set()}
    for kind, code in rows:
        found[kind].add(code)
    if user.is_superuser:
        found["role"].add(Role.ADMINISTRATOR.value)
    user._role_cache = found["role"]
    if user.is_active and not user.is_superuser:  # inactive: no permissions; superuser: all (Django's rules)
        user._user_perm_cache = found["user"]
        user._group_perm_cache = found["group"]


def has_role(user, *roles: str) -> bool:
    return bool(user_roles(user) & {str(r) for r in roles})
