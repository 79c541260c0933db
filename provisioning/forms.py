from crispy_forms.helper import FormHelper
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from keyaccounts.core.files import clean_attachment_size

from .models import FINAL_WORK_ORDER_STATES, Launch, WorkOrder

# What a partner may report from the portal: the same states the API's events carry.
PARTNER_STATES = [
    (WorkOrder.State.IN_PROGRESS, WorkOrder.State.IN_PROGRESS.label),
    (WorkOrder.State.HELD, WorkOrder.State.HELD.label),
    (WorkOrder.State.COMPLETED, WorkOrder.State.COMPLETED.label),
    (WorkOrder.State.FAILED, WorkOrder.State.FAILED.label),
]


class PortalFilterForm(forms.Form):
    """What a partner looks for among its work orders: open or finished, a state, a product, a reference."""

    OPEN, FINISHED = "open", "finished"
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": _("Work order or customer")}),
    )
    state = forms.ChoiceField(label=_("State"), required=False, widget=forms.Select(attrs={"class": "form-select"}))
    product = forms.TypedChoiceField(
        label=_("Product"),
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, data, *, products):
        super().__init__(data)
        self.fields["state"].choices = [
            ("", _("All work orders")),
            (self.OPEN, _("Open: to work on")),
            (self.FINISHED, _("Finished")),
            *WorkOrder.State.choices,
        ]
        self.fields["product"].choices = [("", _("All products")), *((p.pk, str(p)) for p in products)]

    def filter(self, work_orders):
        """The work orders the valid choices select; an invalid choice is left out (the form names it)."""
        self.is_valid()
        data = self.cleaned_data
        state = data.get("state")
        if state == self.OPEN:
            work_orders = work_orders.exclude(state__in=FINAL_WORK_ORDER_STATES)
        elif state == self.FINISHED:
            work_orders = work_orders.filter(state__in=FINAL_WORK_ORDER_STATES)
        elif state:
            work_orders = work_orders.filter(state=state)
        if data.get("product"):
            work_orders = work_orders.filter(order_item__product_id=data["product"])
        if search := (data.get("q") or "").strip():
            work_orders = work_orders.filter(
                Q(external_id__icontains=search) | Q(order_item__order__customer__name__icontains=search)
            )
        return work_orders


class ProgressForm(forms.Form):
    state = forms.ChoiceField(label=_("new state"), choices=PARTNER_STATES)
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    report = forms.FileField(label=_("report"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_report(self):
        report = self.cleaned_data.get("report")
        return clean_attachment_size(report) if report else report


class ManualForm(forms.Form):
    decision = forms.ChoiceField(label=_("decision"), choices=Launch.Decision.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Why the elements are corrected, what the account manager should correct, or why it is sent "
            "again or given up; it is written on the order's timeline."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class CorrectionForm(forms.Form):
    note = forms.CharField(
        label=_("what was corrected"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Written on the order's timeline; new work orders go out with the corrected elements."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class TestForm(forms.Form):
    passed = forms.TypedChoiceField(
        label=_("result"),
        choices=[("yes", _("Passed: the criteria are met")), ("no", _("Failed"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("what was tested"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class CustomerAcceptanceForm(forms.Form):
    note = forms.CharField(
        label=_("acceptance record"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Who accepted, and how (e.g. the signed acceptance form)."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("answer"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
