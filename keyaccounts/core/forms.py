"""How every form reads (its renderer: labels capitalised), and the attachment form every record's page offers."""

from django import forms
from django.forms.boundfield import BoundField
from django.forms.renderers import TemplatesSetting
from django.utils.text import capfirst

from .files import clean_attachment_size


class LabelledField(BoundField):
    """A field as pages show it: its label capitalised, as a label starts (forms name fields as their models do,
    in the middle-of-a-sentence case: "customer", "discount (%)")."""

    def __init__(self, form, field, name):
        super().__init__(form, field, name)
        self.label = capfirst(self.label)


class FormRenderer(TemplatesSetting):
    """Widgets render with the site's template engine (templates/django/forms/ may override Django's own)."""

    bound_field_class = LabelledField


class AttachmentForm(forms.ModelForm):
    """A document for a record: its kind and its file. Each app's form names its model (`class
    Meta(AttachmentForm.Meta)`); the record's page draws it with `includes/attachment_fields.html`, the two
    fields side by side."""

    class Meta:
        fields = ["kind", "file"]
        widgets = {
            "kind": forms.Select(attrs={"class": "form-select"}),
            "file": forms.ClearableFileInput(attrs={"class": "form-control"}),
        }

    def clean_file(self):
        return clean_attachment_size(self.cleaned_data["file"])
