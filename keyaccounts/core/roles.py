"""Roles are Django groups. This module names them and the permissions each starts with.

Administrators may grant a group more in the admin; `sync_role_groups` only ever adds the
defaults below, so it is safe to run on every migrate.
"""

from django.contrib.auth.models import Group, Permission
from django.db import models
from django.utils.translation import gettext_lazy as _

from .user_access import access_of


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
    "assurance.view_troubleticket",
    "assurance.supervise_ticket",
    "assurance.view_serviceproblem",
    "assurance.manage_serviceproblem",
    "assurance.add_plannedwork",
    "assurance.view_plannedwork",
    "assurance.view_slacredit",
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
        "assurance.add_troubleticket",
        "assurance.view_troubleticket",
        "assurance.view_plannedwork",  # the cutovers affecting their customers
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
        "assurance.view_troubleticket",
        "assurance.triage_ticket",  # acted on only by members of an assurance desk
        "assurance.handle_ticket",  # acted on only by members of the team a complaint is routed to
        "assurance.view_serviceproblem",  # seen only by members of an assurance desk
        "assurance.manage_serviceproblem",
        "assurance.add_plannedwork",  # operations register cutovers of their city
        "assurance.view_plannedwork",
    ],
    Role.CITY_SUPERVISOR: ["core.view_organisation", *_CUSTOMER_SUPERVISION],
    Role.PROVINCIAL_SUPERVISOR: [
        "core.view_organisation",
        "core.view_all_cities",
        *_CUSTOMER_SUPERVISION,
        "opportunities.approve_large_discount",
    ],
    Role.SI_PARTNER: ["provisioning.work_si_orders", "assurance.work_si_complaints"],
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
            f"assurance.{a}_{m}"
            for m in ("faultlevelrule", "complaintroute", "resolutioncode")
            for a in ("add", "change", "delete", "view")
        ],
        *[
            f"sla.{a}_{m}"
            for m in ("holiday", "workingwindow", "citycalendar", "customercalendar")
            for a in ("add", "change", "delete", "view")
        ],
        *[
            f"assurance.{a}_{m}"
            for m in ("noticeleadtime", "slacreditrule")
            for a in ("add", "change", "delete", "view")
        ],
        "assurance.view_plannedwork",
        "assurance.view_slacredit",
        *[f"messaging.{a}_messagetemplate" for a in ("add", "change", "delete", "view")],
        "messaging.view_communicationmessage",
        "messaging.view_deliveryreport",
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
    """The role codes of a user (an administrator's for a superuser), from their cached access."""
    if not user.is_authenticated:
        return set()
    roles = set(access_of(user).roles)
    if user.is_superuser:
        roles.add(Role.ADMINISTRATOR.value)
    return roles


def has_role(user, *roles: str) -> bool:
    return bool(user_roles(user) & {str(r) for r in roles})
