"""Markup written out in Python for what every inbox view draws (its rows, its filter's fields): the escaping of
Django's `conditional_escape`, without the check for lazy arguments that its wrapper makes on every call and
that cost more than the escaping (about a thousand calls a page)."""

import html

from django.utils.safestring import SafeString


def esc(value) -> str:
    """The value as HTML text: markup already safe stays as it is, anything else is escaped."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def attributes(attrs: dict) -> str:
    """HTML attributes as Django's `flatatt` writes them: valued ones by name, then by name those set True (False
    and None left out)."""
    items = sorted(attrs.items())
    valued = "".join(f' {name}="{esc(value)}"' for name, value in items if not isinstance(value, bool | None))
    return valued + "".join(f" {name}" for name, value in items if value is True)


def safe(text: str) -> SafeString:
    """Markup put together here, every value in it through `esc`: marked safe so the template leaves it as it is."""
    return SafeString(text)
