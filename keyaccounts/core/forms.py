"""The attachment form every record's page offers."""

from django import forms

from .files import clean_attachment_size


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
