"""Widgets written out in Python for forms drawn on every view of a page (the inbox's filter, every record's
attachment form), and the attachment form itself."""

from django import forms

from .files import clean_attachment_size
from .markup import attributes, esc, safe


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


def bootstrap(form: forms.Form) -> None:
    """Bootstrap's classes on the widgets: the inbox draws these forms on every page view, and Django's own
    widget rendering costs a fraction of crispy's."""
    for field in form.fields.values():
        widget = field.widget
        if not widget.is_hidden:
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs["class"] = f"{css} {widget.attrs.get('class', '')}".strip()


class AttachmentForm(forms.ModelForm):
    """A document for a record: its kind and its file. Each app's form names its model (`class
    Meta(AttachmentForm.Meta)`); the record's page draws it with `includes/attachment_fields.html`, since crispy's
    layout took a sixth of an order page's time."""

    class Meta:
        fields = ["kind", "file"]
        widgets = {"kind": QuickSelect, "file": QuickFileInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap(self)

    def clean_file(self):
        return clean_attachment_size(self.cleaned_data["file"])
