"""Uploaded documents (survey reports, solutions, contracts): one rule for their type and size."""

from django import forms
from django.conf import settings
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext as _

ATTACHMENT_EXTENSIONS = ["pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "png", "jpg", "jpeg", "zip"]
attachment_type_validator = FileExtensionValidator(ATTACHMENT_EXTENSIONS)


def clean_attachment_size(upload):
    """Refuse a file above the configured size with a message giving both sizes."""
    limit = settings.ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        raise forms.ValidationError(
            _("The file is %(size)s MB; at most %(limit)s MB is accepted.")
            % {"size": round(upload.size / 1024 / 1024, 1), "limit": round(limit / 1024 / 1024, 1)}
        )
    return upload
