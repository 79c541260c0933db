from django import template

from keyaccounts.core.models import in_reader_language

from ..models import ResolutionCode

register = template.Library()


@register.filter
def resolution_name(code: str) -> str:
    """A resolution kept by its code (in a timeline line's data) by its name in the reader's language."""
    found = ResolutionCode.objects.filter(code=code).first()
    return found.name if found else code


@register.filter
def rule_name(data: dict) -> str:
    """The fault-level rule a line's data names, in the reader's language (a line written before rules had a
    Chinese name keeps its English one)."""
    return in_reader_language(data.get("rule", ""), data.get("rule_zh") or data.get("rule", ""))
