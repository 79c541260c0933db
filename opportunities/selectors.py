"""Reads of opportunity management, scoped to what the user may see."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from keyaccounts.core.access import sees_all_cities, served_city_ids
from keyaccounts.core.models import Team, TimelineEvent, User, in_reader_language
from keyaccounts.core.roles import Role, has_role
from keyaccounts.core.workflow import task_scope

from .access import visible_opportunities
from .models import Opportunity, margin_percent
from .services import REJECT
from .timeline import OpportunityAction

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


@dataclass(frozen=True)
class QuoteSummary:
    """An opportunity's quote and what a discount approval weighs: totals at list price and as quoted, the cost
    and the margin left (None where a product's cost is not configured)."""

    lines: list
    list_total: Decimal
    total: Decimal
    cost: Decimal | None
    margin_percent: Decimal | None


def quote_summary(opportunity: Opportunity) -> QuoteSummary:
    lines = list(opportunity.quote_lines.select_related("product"))
    costs = [None if line.unit_cost is None else line.unit_cost * line.quantity for line in lines]
    cost = None if None in costs else sum(costs, Decimal(0))
    total = sum((line.amount for line in lines), Decimal(0))
    return QuoteSummary(
        lines=lines,
        list_total=sum((line.list_price * line.quantity for line in lines), Decimal(0)),
        total=total,
        cost=cost,
        margin_percent=margin_percent(total, cost),
    )


def discount_refusal(opportunity: Opportunity):
    """The supervisor's refusal (a timeline event) when that is why the quote is back with the account manager."""
    if opportunity.approval_decision != REJECT:
        return None
    return (
        TimelineEvent.objects.filter(
            subject_type=ContentType.objects.get_for_model(Opportunity),
            subject_id=opportunity.pk,
            action=OpportunityAction.DISCOUNT_REFUSED,
        )
        .select_related("actor")
        .order_by("-created_at", "-id")
        .first()
    )
