from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from keyaccounts.core.files import clean_attachment_size

from .models import Launch, WorkOrder

# What a partner may report from the portal: the same states the API's events carry.
PARTNER_STATES = [
    (WorkOrder.State.IN_PROGRESS, WorkOrder.State.IN_PROGRESS.label),
    (WorkOrder.State.HELD, WorkOrder.State.HELD.label),
    (WorkOrder.State.COMPLETED, WorkOrder.State.COMPLETED.label),
    (WorkOrder.State.FAILED, WorkOrder.State.FAILED.label),
]


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
    note = forms.CharField(label=_("what was done or why"), widget=forms.Textarea(attrs={"rows": 2}))

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
