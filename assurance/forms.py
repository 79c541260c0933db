from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ResolutionCode, Severity, TroubleTicket
from .selectors import SI_PROGRESS_STATES, running_services_of


class _Form(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class ServiceChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.number} · {obj.product}"


class ReportForm(_Form):
    type = forms.ChoiceField(
        label=_("type"),
        choices=TroubleTicket.Type.choices,
        error_messages={"invalid_choice": _("Choose one of the ticket types offered.")},
    )
    services = ServiceChoice(
        label=_("affected services"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The customer's running services the ticket is about; a fault needs at least one."),
        error_messages={
            "invalid_choice": _("Only running services of this customer can be affected."),
            "invalid_pk_value": _("Only running services of this customer can be affected."),
        },
    )
    interruption = forms.BooleanField(label=_("the service is interrupted (not only degraded)"), required=False)
    description = forms.CharField(label=_("description"), widget=forms.Textarea(attrs={"rows": 4}))
    contact = forms.ModelChoiceField(label=_("reporting contact"), queryset=None, required=False)

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["services"].queryset = running_services_of(customer).order_by("pk")
        self.fields["contact"].queryset = customer.contacts.all()


class TriageForm(_Form):
    decision = forms.ChoiceField(
        label=_("decision"),
        choices=[("accept", _("Take it on: hand it to the team that handles it")), ("duplicate", _("A duplicate"))],
        widget=forms.RadioSelect,
    )
    duplicate_of = forms.TypedChoiceField(label=_("duplicate of"), coerce=int, required=False, empty_value=None)
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, duplicates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["duplicate_of"].choices = [
            ("", "—"),
            *((t.pk, f"{t.number} · {t.get_type_display()}") for t in duplicates),
        ]


class ResolveForm(_Form):
    resolution = forms.ModelChoiceField(label=_("resolution"), queryset=ResolutionCode.objects.filter(is_active=True))
    notes = forms.CharField(label=_("what was done"), widget=forms.Textarea(attrs={"rows": 3}))


class DecisionForm(_Form):
    accepted = forms.TypedChoiceField(
        label=_("the customer's decision"),
        choices=[("yes", _("Accepts the resolution: close the ticket")), ("no", _("Rejects it: reopen the ticket"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("the customer's words"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when the customer rejects the resolution."),
    )


class AnswerForm(_Form):
    answer = forms.CharField(label=_("answer"), widget=forms.Textarea(attrs={"rows": 3}))


class LevelForm(_Form):
    severity = forms.ChoiceField(
        label=_("level"),
        choices=[(s.value, s.label) for s in (Severity.LEVEL_1, Severity.LEVEL_2)],
        error_messages={"invalid_choice": _("Choose level 1 or level 2.")},
    )
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}))


class NoteForm(_Form):
    text = forms.CharField(label=_("note"), widget=forms.Textarea(attrs={"rows": 2}))
    internal = forms.BooleanField(label=_("internal: not to be told to the customer"), required=False, initial=True)


class TicketAttachmentForm(_Form):
    """A document for the ticket; its type and size are checked by the service (`ticket_attach`)."""

    file = forms.FileField(label=_("file"), widget=forms.ClearableFileInput(attrs={"class": "form-control"}))
    internal = forms.BooleanField(label=_("internal: not to be shown to the customer"), required=False, initial=True)


# ---------------------------------------------------------------------------- satisfaction survey
SCORE_CHOICES = [(score, str(score)) for score in range(1, 6)]


class SurveyForm(_Form):
    """A score from 1 (very dissatisfied) to 5 (very satisfied) for each question in use, and a comment."""

    comment = forms.CharField(
        label=_("Anything else you would like to tell us"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, questions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        comment = self.fields.pop("comment")
        for question in self.questions:
            self.fields[f"q{question.pk}"] = forms.TypedChoiceField(
                label=question.text,
                choices=SCORE_CHOICES,
                coerce=int,
                widget=forms.RadioSelect(attrs={"class": "form-check-inline"}),
                error_messages={"required": _("Give this question a score from 1 to 5.")},
            )
        self.fields["comment"] = comment

    def scores(self) -> dict[int, int]:
        return {q.pk: self.cleaned_data[f"q{q.pk}"] for q in self.questions}


class FollowUpForm(_Form):
    notes = forms.CharField(label=_("what was done for the customer"), widget=forms.Textarea(attrs={"rows": 4}))


# ---------------------------------------------------------------------------- network incidents
class GroupForm(_Form):
    """A supervisor groups open fault tickets (chosen on the list) into an incident."""

    tickets = forms.TypedMultipleChoiceField(
        label=_("tickets"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choose at least two open fault tickets that are in no incident yet."),
            "invalid_choice": _("Choose at least two open fault tickets that are in no incident yet."),
        },
    )
    name = forms.CharField(label=_("name of the incident"), max_length=200, help_text=_("e.g. the fibre that is cut."))
    description = forms.CharField(label=_("description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, tickets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tickets"].choices = [(t.pk, t.number) for t in tickets]


class ProblemResolveForm(ResolveForm):
    """The incident's resolution: told to every affected customer."""


# ---------------------------------------------------------------------------- the SI portal's complaints
class SiProgressForm(_Form):
    state = forms.ChoiceField(
        label=_("the complaint is"),
        choices=[(s.value, s.label) for s in SI_PROGRESS_STATES],
        error_messages={"invalid_choice": _("Choose whether you work on it or hold it.")},
    )
    note = forms.CharField(label=_("what was done, or why it is held"), widget=forms.Textarea(attrs={"rows": 2}))


class SiResolveForm(ResolveForm):
    """The partner's proposed resolution: the same codes and notes as our teams'."""


class PendingForm(_Form):
    party = forms.ChoiceField(
        label=_("waiting on"),
        choices=TroubleTicket.PendingParty.choices,
        help_text=_("Only a wait on the customer's side pauses the ticket's time limits."),
        error_messages={"invalid_choice": _("Choose whose side the ticket waits on.")},
    )
    reason = forms.CharField(label=_("what it waits for"), max_length=200)


class PendingEndForm(_Form):
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class PauseEndForm(_Form):
    reason = forms.CharField(label=_("why the pause ends"), widget=forms.Textarea(attrs={"rows": 2}))


# ---------------------------------------------------------------------------- planned work
class _Moment(forms.DateTimeField):
    """A moment as the browser's date-and-time picker gives it, read in the user's time zone."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class PlannedServiceChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.customer.name} · {obj.number} · {obj.product}"


class PlannedWorkForm(_Form):
    title = forms.CharField(label=_("title"), max_length=200)
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}))
    window_start = _Moment(label=_("window starts"))
    window_end = _Moment(label=_("window ends"))
    services = PlannedServiceChoice(
        label=_("affected services"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The running services the work interrupts; their customers are told ahead by their level."),
        error_messages={
            "required": _("Choose the services the work interrupts."),
            "invalid_choice": _("Only running services of your city may be chosen."),
            "invalid_pk_value": _("Only running services of your city may be chosen."),
        },
    )

    def __init__(self, *args, services, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["services"].queryset = services
