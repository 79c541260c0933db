"""The dashboard's period (from, to, city) and the drill-down's filters of finished clocks."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from keyaccounts.core.selectors import city_list_for

from .dashboard import Period
from .models import SlaClock

# A longer period is a mistake rather than a question a supervisor asks; the rollup answers it, but slowly.
LONGEST_PERIOD = timedelta(days=366)
DEFAULT_DAYS = 30


class PeriodForm(forms.Form):
    """From and to (inclusive days), and a city for those who see every city. Left empty: the last 30 days; a
    range that ends before it starts, lasts more than a year or reaches into the future is refused."""

    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    city = forms.ModelChoiceField(label=_("City"), queryset=None, required=False, empty_label=_("All cities"))

    def __init__(self, data, *, user):
        super().__init__(data)
        self.fields["city"].queryset = city_list_for(user)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.update({"class": css, "aria-label": field.label})

    def clean(self):
        data = super().clean()
        if "start" not in data or "end" not in data:  # a date that did not parse has its own error
            return data
        today = timezone.localdate()
        end = data["end"] or today
        start = data["start"] or end - timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            raise forms.ValidationError(
                _("The period's start (%(start)s) comes after its end (%(end)s)."),
                params={"start": start, "end": end},
                code="reversed",
            )
        if end > today:
            raise forms.ValidationError(_("The period cannot end in the future."), code="future")
        if end - start >= LONGEST_PERIOD:
            raise forms.ValidationError(_("A period is at most a year long."), code="too_long")
        data["start"], data["end"] = start, end
        return data

    @property
    def period(self) -> Period:
        """The period asked for, or the last 30 days when it is refused."""
        if self.is_valid():
            return Period(self.cleaned_data["start"], self.cleaned_data["end"])
        return Period.last_days(DEFAULT_DAYS)

    @property
    def city_id(self) -> int | None:
        """The city chosen, if it is one the user may see."""
        self.is_valid()
        city = self.cleaned_data.get("city")
        return city.pk if city else None

    @property
    def refused_city(self) -> bool:
        """A city was asked for that the user may not see (or that does not exist)."""
        self.is_valid()
        return "city" in self.errors


STATES = [("", _("Met or breached")), (SlaClock.State.MET, _("Met")), (SlaClock.State.BREACHED, _("Breached"))]


class FinishedClocksForm(PeriodForm):
    """The drill-down's filters: the dashboard's period and city, and what a figure counts by."""

    step = forms.CharField(label=_("Step"), required=False, max_length=60, widget=forms.HiddenInput)
    product = forms.CharField(label=_("Product"), required=False, max_length=40, widget=forms.HiddenInput)
    team = forms.CharField(label=_("Team"), required=False, max_length=40, widget=forms.HiddenInput)
    manager = forms.CharField(label=_("Account manager"), required=False, max_length=150, widget=forms.HiddenInput)
    state = forms.ChoiceField(label=_("State"), choices=STATES, required=False)

    def filters(self) -> dict:
        """What the clocks are narrowed by, beyond the period and the city (only the valid fields)."""
        self.is_valid()
        return {name: self.cleaned_data.get(name, "") for name in ("step", "product", "team", "manager", "state")}
