from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ArchivingRequest, Contact, Customer, Level
from .validators import normalise_credit_code, validate_credit_code


class _NoTagHelperMixin:
    """Our templates own the <form> tag so that one page can hold a form and its contacts formset."""

    def _helper(self, layout=None) -> FormHelper:
        helper = FormHelper()
        helper.form_tag = False
        helper.disable_csrf = True
        if layout is not None:
            helper.layout = layout
        return helper


class CustomerForm(_NoTagHelperMixin, forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Customer
        fields = ["name", "credit_code", "industry", "size", "address", "proposed_level", "level_reason"]
        widgets = {"level_reason": forms.Textarea(attrs={"rows": 2})}
        labels = {"level_reason": _("Why this level")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["proposed_level"].required = False
        self.helper = self._helper(
            Layout(
                Row(Column("name", css_class="col-md-8"), Column("credit_code", css_class="col-md-4")),
                Row(Column("industry"), Column("size")),
                "address",
                Row(Column("proposed_level", css_class="col-md-4"), Column("level_reason", css_class="col-md-8")),
                "version",
            )
        )

    def clean_credit_code(self):
        code = normalise_credit_code(self.cleaned_data["credit_code"])
        # Named on the field (the database constraint behind it would only give a form-wide error).
        if Customer.objects.filter(credit_code=code).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("A customer with this unified social credit code is already registered."))
        return code

    def record_fields(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class DetailsForm(_NoTagHelperMixin, forms.ModelForm):
    """Fields of an archived customer that change without review."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Customer
        fields = ["industry", "size", "address"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = self._helper(Layout(Row(Column("industry"), Column("size")), "address", "version"))


class ContactForm(_NoTagHelperMixin, forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["name", "role", "phone", "email", "preferred_channel", "preferred_language"]

    MESSAGE_FIELDS = ("preferred_channel", "preferred_language")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.MESSAGE_FIELDS:  # not given (an older page or client): the model's default
            self.fields[name].required = False
        self.helper = self._helper()
        self.helper.form_show_labels = True

    def clean_preferred_channel(self):
        return self.cleaned_data["preferred_channel"] or Contact._meta.get_field("preferred_channel").default

    def clean_preferred_language(self):
        return self.cleaned_data["preferred_language"] or Contact._meta.get_field("preferred_language").default

    def has_changed(self) -> bool:
        """A blank row is a new contact only when someone typed one: its preferences alone have defaults."""
        return bool(set(self.changed_data) - set(self.MESSAGE_FIELDS))


ContactFormSet = forms.formset_factory(ContactForm, extra=1, can_delete=True, max_num=20)


def contacts_from(formset) -> list[dict]:
    """Every contact the page still holds, untouched ones included; blank extra rows and deleted ones left out."""
    return [
        {k: v for k, v in form.cleaned_data.items() if k != "DELETE"}
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


def contact_initial(customer: Customer) -> list[dict]:
    return [
        {
            "name": c.name,
            "role": c.role,
            "phone": c.phone,
            "email": c.email,
            "preferred_channel": c.preferred_channel,
            "preferred_language": c.preferred_language,
        }
        for c in customer.contacts.all()
    ]


class ChangeRequestForm(_NoTagHelperMixin, forms.Form):
    """Key fields of an archived customer: any change goes through review."""

    name = forms.CharField(label=_("name"), max_length=200)
    credit_code = forms.CharField(
        label=_("unified social credit code"), max_length=18, validators=[validate_credit_code]
    )
    level = forms.ChoiceField(label=_("level"), choices=Level.choices)
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = self._helper()

    def clean_credit_code(self):
        return normalise_credit_code(self.cleaned_data["credit_code"])


class DecisionForm(_NoTagHelperMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("decision"), choices=ArchivingRequest.Decision.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when you reject or return the record."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = self._helper()


class ReasonForm(_NoTagHelperMixin, forms.Form):
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = self._helper()
