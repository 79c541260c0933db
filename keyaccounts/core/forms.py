"""The inbox's filter and the forms around it, and the attachment form of every record's page: forms drawn on
every view of a page, with widgets written out in Python."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .access import sees_all_cities, teams_of
from .files import clean_attachment_size
from .inbox import VIEWS, InboxFilter, sources
from .markup import attributes, esc, safe
from .models import City, SavedFilter, Team, User
from .selectors import city_list_for

SLA_STATES = [
    ("", _("Any SLA state")),
    ("breached", _("breached")),
    ("warning", _("warning")),
    ("ok", _("on time")),
    ("paused", _("paused")),
]


class QuickSelect(forms.Select):
    """A plain select written out in Python. Django draws each option through a template of its own, which made
    most of the cost of the inbox's filter, drawn on every page view."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = set(self.format_value(value))
        options = "".join(
            f'<option value="{esc(key)}"{" selected" if str(key) in chosen else ""}>{esc(label)}</option>'
            for key, label in self.choices
        )
        return safe(f'<select name="{esc(name)}"{attributes(self.build_attrs(self.attrs, attrs))}>{options}</select>')


class QuickInput:
    """An input written out in Python, as Django's own template would draw it (type, name, value, attributes):
    the filter draws its inputs on every inbox page view."""

    def render(self, name, value, attrs=None, renderer=None):
        value = self.format_value(value)
        shown = f' value="{esc(value)}"' if value is not None else ""
        attrs = attributes(self.build_attrs(self.attrs, attrs))
        return safe(f'<input type="{esc(self.input_type)}" name="{esc(name)}"{shown}{attrs}>')


class QuickTextInput(QuickInput, forms.TextInput):
    pass


class QuickDateInput(QuickInput, forms.DateInput):
    pass


class QuickHiddenInput(QuickInput, forms.HiddenInput):
    pass


class QuickFileInput(QuickInput, forms.FileInput):
    pass  # a file input never shows a value


class _ListedChoices(forms.models.ModelChoiceIterator):
    """The few rows in one read: Django's iterator() opens a server-side cursor, three round trips on PostgreSQL.
    Rows the page has read already (`field.rows`) are listed without a query; choices are still checked against
    the queryset."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset if self.field.rows is None else self.field.rows:
            yield self.choice(obj)


class ListedModelChoiceField(forms.ModelChoiceField):
    iterator = _ListedChoices
    rows = None


def _bootstrap(form: forms.Form) -> None:
    """Bootstrap's classes on the widgets: the inbox draws these forms on every page view, and Django's own
    widget rendering costs a fraction of crispy's."""
    for field in form.fields.values():
        widget = field.widget
        if not widget.is_hidden:
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs["class"] = f"{css} {widget.attrs.get('class', '')}".strip()


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
        from customers.models import Level
        from keyaccounts.catalogue.models import Product
        from keyaccounts.catalogue.selectors import products_on_sale

        super().__init__(data)
        self.fields["flow"].choices = [("", _("All processes")), *[(s.flow.__name__, s.label) for s in sources()]]
        steps = sorted({step for s in sources() for step in s.steps.values()})
        self.fields["step"].choices = [("", _("All steps")), *[(s, s) for s in steps]]
        self.fields["city"].queryset = city_list_for(user)
        if not sees_all_cities(user) and user.city_id:
            self.fields["city"].rows = [user.city]  # read with the user
        self.fields["level"].choices = [("", _("All levels")), *Level.choices]
        self.fields["product"].queryset = Product.objects.filter(is_active=True)  # checks a chosen one
        self.fields["product"].rows = products_on_sale()
        _bootstrap(self)

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
        _bootstrap(self)

    def clean_name(self):
        name = self.cleaned_data["name"]
        if SavedFilter.objects.filter(owner=self.instance.owner, name=name).exists():
            raise forms.ValidationError(_("You already have a filter with this name."))
        return name


def handover_candidates(user, permission: str = ""):
    """Whom the user may hand tasks to: colleagues of their teams; a supervisor, the staff of their city.
    Given a step's permission (`app_label.codename`), only those who hold it: who may work on the step."""
    from .inbox import may_oversee

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


class AttachmentForm(forms.ModelForm):
    """A document for a record: its kind and its file. Each app's form names its model (`class
    Meta(AttachmentForm.Meta)`); the record's page draws it with `includes/attachment_fields.html`, since crispy's
    layout took a sixth of an order page's time."""

    class Meta:
        fields = ["kind", "file"]
        widgets = {"kind": QuickSelect, "file": QuickFileInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)

    def clean_file(self):
        return clean_attachment_size(self.cleaned_data["file"])
