"""Reads of opportunity management, scoped to what the user may see."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from keyaccounts.core.access import sees_all_cities, served_city_ids
from keyaccounts.core.models import Team, User, in_reader_language
from keyaccounts.core.roles import Role, has_role
from keyaccounts.core.workflow import task_scope

from .access import visible_opportunities
from .models import Opportunity

STAGES = Opportunity.Status


@dataclass
class PipelineRow:
    label: str
    cells: dict = field(default_factory=lambda: {s.value: (0, Decimal(0)) for s in STAGES})

    @property
    def ordered(self) -> list[tuple[int, Decimal]]:
        return [self.cells[s.value] for s in STAGES]


def _pivot(rows, label_of) -> list[PipelineRow]:
    pivot: dict[str, PipelineRow] = {}
    for row in rows:
        label = label_of(row)
        pivot.setdefault(label, PipelineRow(label)).cells[row["status"]] = (row["count"], row["value"] or Decimal(0))
    return list(pivot.values())


def pipeline_for(user) -> dict:
    """Counts and estimated value by stage, per city and per account manager, over what the user may see."""
    scoped = visible_opportunities(user)
    totals = {"count": Count("pk"), "value": Sum("estimated_value")}
    by_city = scoped.values("city__name_en", "city__name_zh", "status").annotate(**totals).order_by("city__sort_order")
    by_manager = (
        scoped.values(
            "account_manager__username", "account_manager__first_name", "account_manager__last_name", "status"
        )
        .annotate(**totals)
        .order_by("account_manager__username")
    )
    stage_totals = _pivot(scoped.values("status").annotate(**totals), lambda r: _("All"))
    return {
        "stages": STAGES.choices,
        "total_rows": stage_totals,
        "by_city": _pivot(by_city, lambda r: in_reader_language(r["city__name_en"], r["city__name_zh"])),
        "by_manager": _pivot(
            by_manager,
            lambda r: (
                User.shown_as("", r["account_manager__first_name"], r["account_manager__last_name"])
                or r["account_manager__username"]
                or _("City queue")
            ),
        ),
    }


def opportunity_claimable(user) -> list:
    """The opportunity steps the user may claim, each with the cities it may be claimed in (None: any)."""
    from .flows import OpportunityFlow as F

    claimable = []
    if has_role(user, Role.ACCOUNT_MANAGER) and user.city_id:
        claimable.append(([F.qualify], [user.city_id]))
    if user.has_perm("opportunities.design_solution"):
        claimable.append(([F.solution], served_city_ids(user, Team.Kind.PRESALES)))
    if user.has_perm("opportunities.approve_discount"):
        claimable.append(([F.approve_city], None if sees_all_cities(user) else [user.city_id]))
    if user.has_perm("opportunities.approve_large_discount"):
        claimable.append(([F.approve_province], None))
    return claimable


def opportunity_task_scope(
    user, *, city: str = "process__opportunity__city_id", flow: str = "process__flow_class"
) -> Q:
    from .flows import OpportunityFlow

    return task_scope(user, opportunity_claimable(user), city=city, flow=Q(**{flow: OpportunityFlow}) if flow else None)
