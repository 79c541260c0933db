"""The inbox's filter and the forms around it: drawn on every view of the inbox, with core's quick widgets."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from keyaccounts.catalogue.models import Product
from keyaccounts.catalogue.selectors import products_on_sale
from keyaccounts.core.access import sees_all_cities, teams_of
from keyaccounts.core.forms import (
    ListedModelChoiceField,
    QuickDateInput,
    QuickHiddenInput,
    QuickSelect,
    QuickTextInput,
    bootstrap,
)
from keyaccounts.core.models import City, Team, User
from keyaccounts.core.registry import processes, sources
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


class InboxFilterForm(forms.Form):
    view = forms.ChoiceField(choices=[(v, v) for v in VIEWS], required=False, widget=QuickHiddenInput)
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=QuickTextInput(attrs={"placeholder": _("Customer, credit code or order number")}),
    )
    flow = forms.ChoiceField(label=_("Process"), required=False, widget=QuickSelect)
    step = forms.ChoiceField(label=_("Step"), required=False, widget=QuickSelect)
    city = ListedModelChoiceField(
        label=_("City"), queryset=City.objects.none(), required=False, empty_label=_("All cities"), widget=QuickSelect
    )
    level = forms.ChoiceField(label=_("Customer level"), required=False, widget=QuickSelect)
    sla = forms.ChoiceField(label=_("SLA"), choices=SLA_STATES, required=False, widget=QuickSelect)
    product = ListedModelChoiceField(
        label=_("Product"), queryset=None, required=False, empty_label=_("All products"), widget=QuickSelect
    )
    since = forms.DateField(
        label=_("Waiting since"), required=False, widget=QuickDateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, data, *, user):
        super().__init__(data)
        self.fields["flow"].choices = [("", _("All processes")), *[(s.flow.__name__, s.label) for s in sources()]]
        steps = sorted({step for s in sources() for step in s.steps.values()})
        self.fields["step"].choices = [("", _("All steps")), *[(s, s) for s in steps]]
        self.fields["city"].queryset = city_list_for(user)
        if not sees_all_cities(user) and user.city_id:
            self.fields["city"].rows = [user.city]  # read with the user
        levels = next((p.customer_levels for p in processes() if p.customer_levels), [])
        self.fields["level"].choices = [("", _("All levels")), *levels]
        self.fields["product"].queryset = Product.objects.filter(is_active=True)  # checks a chosen one
        self.fields["product"].rows = products_on_sale()
        bootstrap(self)

    def spec(self) -> InboxFilter:
        self.is_valid()
        data = self.cleaned_data  # the fields that are valid; the page names the others, left out
        return InboxFilter(
            view=data.get("view") or "mine",
            flow=data.get("flow", ""),
            step=data.get("step", ""),
            city=data["city"].pk if data.get("city") else None,
            level=data.get("level", ""),
            sla=data.get("sla", ""),
            product=data["product"].pk if data.get("product") else None,
            since=data.get("since"),
            search=(data.get("q") or "").strip(),
        )


class SavedFilterForm(forms.ModelForm):
    class Meta:
        model = SavedFilter
        fields = ["name", "team"]
        widgets = {"name": QuickTextInput, "team": QuickSelect}
        field_classes = {"team": ListedModelChoiceField}

    def __init__(self, data=None, *, user, query: str):
        super().__init__(data, instance=SavedFilter(owner=user, query=query))
        self.fields["team"].queryset = user.teams.all()
        self.fields["team"].rows = teams_of(user)
        self.fields["team"].required = False
        self.fields["team"].empty_label = _("Only me")
        bootstrap(self)

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
