"""Message templates are Django templates an administrator writes, held to placeholders and filters.

They render with an engine of their own: no loaders (nothing to include), no tag libraries, no HTML escaping (an
SMS is plain text), and a context of plain values only, so that a template can reach nothing but what its kind of
message offers.
"""

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from django.template import Context, Engine, Template, TemplateSyntaxError
from django.template.base import FilterExpression, TextNode, Variable, VariableNode
from django.utils import translation
from django.utils.translation import gettext as _

ENGINE = Engine(loaders=[], libraries={}, autoescape=False, string_if_invalid="")
PLAIN = (str, int, Decimal, date, datetime)


def _names(expression: FilterExpression) -> list[str]:
    """The variables an expression reads: its own and its filters' arguments (literals read none)."""
    found = [expression.var.var] if isinstance(expression.var, Variable) and expression.var.lookups else []
    for _filter, arguments in expression.filters:
        found += [argument.var for lookup, argument in arguments if lookup and isinstance(argument, Variable)]
    return found


def template_problems(text: str, *, allowed: set[str]) -> list[str]:
    """Why this text may not be a message template of a kind offering `allowed` (none: it may)."""
    try:
        nodes = ENGINE.from_string(text).nodelist
    except TemplateSyntaxError as error:
        return [_("The template cannot be read: %(error)s") % {"error": error}]
    problems = []
    for node in nodes:
        if isinstance(node, TextNode):
            continue
        if not isinstance(node, VariableNode):
            tag = node.token.contents.split()[0] if getattr(node, "token", None) else "?"
            problems.append(
                _("{%% %(tag)s %%} is not allowed: a message template holds text and {{ placeholders }} only.")
                % {"tag": tag}
            )
            continue
        for name in _names(node.filter_expression):
            if "." in name:
                problems.append(_("{{ %(name)s }}: a placeholder is a plain value, it has no parts.") % {"name": name})
            elif name not in allowed:
                problems.append(
                    _("{{ %(name)s }} is not a placeholder of this message. It may use: %(allowed)s.")
                    % {"name": name, "allowed": ", ".join(sorted(allowed))}
                )
    return problems


def plain(value):
    """A context value as a template may see it: text, a number or a moment, never an object with attributes."""
    if value is None:
        return ""
    return value if isinstance(value, PLAIN) else str(value)


@lru_cache(maxsize=256)
def _compiled(text: str) -> Template:
    """The text compiled once (keyed by the text itself, so an edited template is compiled afresh): a bulk send
    renders the same few texts hundreds of times, as Django's cached template loader would keep them."""
    return ENGINE.from_string(text)


def render(text: str, context: dict, *, language: str) -> str:
    """The text in the receiver's language (names given lazily translate into it), without surrounding space."""
    with translation.override(language):
        values = {name: plain(value) for name, value in context.items()}
        return _compiled(text).render(Context(values, autoescape=False)).strip()
