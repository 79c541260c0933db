from django import template

from ..models import ResolutionCode

register = template.Library()


@register.filter
def resolution_name(code: str) -> str:
    """A resolution kept by its code (in a timeline line's data) by its name in the reader's language."""
    found = ResolutionCode.objects.filter(code=code).first()
    return found.name if found else code
