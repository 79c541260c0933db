"""The inbox's filter and the forms around it, drawn on every view of the inbox."""

from django import forms
from django.db.models import Q
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from keyaccounts.catalogue.selectors import products_on_sale
from keyaccounts.core.access import sees_all_cities, teams_of
from keyaccounts.core.models import Team, User
from keyaccounts.core.registry import processes, sources, step_name
from keyaccounts.core.selectors import city_list_for

from .inbox import VIEWS, InboxFilter, may_oversee
from .models import SavedFilter

SLA_STATES = [
    ("", _("Any SLA state")),
    ("breached", _("breached")),
    ("warning", _("warning")),
    ("ok", _("on time")),
    ("paused", _("paused")),
]


def _select():
    return forms.Select(attrs={"class": "form-select"})


class InboxFilterForm(forms.Form):
    view = forms.ChoiceField(choices=[(v, v) for v in VIEWS], required=False, widget=forms.HiddenInput)
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"class": "form-control", "placeholder": _("Customer, credit code or order number")}
        ),
    )
    flow = forms.ChoiceField(label=_("Process"), required=False, widget=_select())
    step = forms.ChoiceField(label=_("Step"), required=False, widget=_select())
    # Cities and products as lists the page has read already (the user's city, the cached products on sale):
    # a chosen one is checked against the list offered.
    city = forms.TypedChoiceField(label=_("City"), coerce=int, empty_value=None, required=False, widget=_select())
    level = forms.ChoiceField(label=_("Customer level"), required=False, widget=_select())
    sla = forms.ChoiceField(label=_("SLA"), choices=SLA_STATES, required=False, widget=_select())
    product = forms.TypedChoiceField(label=_("Product"), coerce=int, empty_value=None, required=False, widget=_select())
    since = forms.DateField(
        label=_("Waiting since"),
        required=False,
        widget=forms.DateInput(attrs={"class": "form-control", "type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, data, *, user):
        super().__init__(data)
        self.fields["flow"].choices = [("", _("All processes")), *[(s.flow.__name__, s.label) for s in sources()]]
        steps = dict.fromkeys(step for s in sources() for step in s.steps.values())  # in the processes' order
        self.fields["step"].choices = [("", _("All steps")), *[(s, step_name(s)) for s in steps]]
        own_city = not sees_all_cities(user) and user.city_id
        cities = [user.city] if own_city else list(city_list_for(user))  # the user's city is read with the user
        self.fields["city"].choices = [("", _("All cities")), *[(c.pk, str(c)) for c in cities]]
        levels = next((p.customer_levels for p in processes() if p.customer_levels), [])
        self.fields["level"].choices = [("", _("All levels")), *levels]
        self.fields["product"].choices = [("", _("All products")), *[(p.pk, str(p)) for p in products_on_sale()]]

    def spec(self) -> InboxFilter:
        self.is_valid()
        data = self.cleaned_data  # the fields that are valid; the page names the others, left out
        return InboxFilter(
            view=data.get("view") or "mine",
            flow=data.get("flow", ""),
            step=data.get("step", ""),
            city=data.get("city"),
            level=data.get("level", ""),
            sla=data.get("sla", ""),
            product=data.get("product"),
            since=data.get("since"),
            search=(data.get("q") or "").strip(),
        )


class SavedFilterForm(forms.ModelForm):
    # The user's teams as the request has them already (`teams_of`); the chosen one is one of them.
    team = forms.TypedChoiceField(
        label=capfirst(SavedFilter._meta.get_field("team").verbose_name),
        coerce=int,
        empty_value=None,
        required=False,
        widget=_select(),
    )

    class Meta:
        model = SavedFilter
        fields = ["name", "team"]
        widgets = {"name": forms.TextInput(attrs={"class": "form-control"})}

    def __init__(self, data=None, *, user, query: str):
        super().__init__(data, instance=SavedFilter(owner=user, query=query))
        self.teams = {team.pk: team for team in teams_of(user)}
        self.fields["team"].choices = [("", _("Only me")), *[(pk, str(team)) for pk, team in self.teams.items()]]

    def clean_team(self):
        pk = self.cleaned_data["team"]
        return None if pk is None else self.teams[pk]

    def clean_name(self):
        name = self.cleaned_data["name"]
        if SavedFilter.objects.filter(owner=self.instance.owner, name=name).exists():
            raise forms.ValidationError(_("You already have a filter with this name."))
        return name


def handover_candidates(user, permission: str = ""):
    """Whom the user may hand tasks to: colleagues of their teams; a supervisor, the staff of their city.
    Given a step's permission (`app_label.codename`), only those who hold it: who may work on the step."""
    users = User.objects.filter(is_active=True).exclude(pk=user.pk)
    if permission:
        app_label, codename = permission.split(".", 1)
        by_group = Q(groups__permissions__codename=codename, groups__permissions__content_type__app_label=app_label)
        own = Q(user_permissions__codename=codename, user_permissions__content_type__app_label=app_label)
        users = users.filter(by_group | own | Q(is_superuser=True))
    if may_oversee(user):
        teams = Team.objects.all() if user.city_id is None else Team.objects.filter(city_id=user.city_id)
        return users.filter(teams__in=teams).distinct().order_by("username")
    return users.filter(teams__in=user.teams.all()).distinct().order_by("username")
