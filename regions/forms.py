from django import forms
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _


class URLListField(forms.CharField):
    """A list of source URLs edited as one URL per line (stored as a JSON list)."""

    widget = forms.Textarea(attrs={"rows": 3, "cols": 80})
    default_error_messages = {"url": _("Line %(line)s is not an http(s) URL: %(value)s")}

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", _("One URL per line."))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(value)
        return value

    def to_python(self, value):
        lines = [line.strip() for line in (value or "").splitlines() if line.strip()]
        check = URLValidator(schemes=["http", "https"])
        for number, line in enumerate(lines, start=1):
            try:
                check(line)
            except forms.ValidationError:
                raise forms.ValidationError(
                    self.error_messages["url"], code="url", params={"line": number, "value": line}
                ) from None
        return lines


class SourcesAdminMixin:
    """Admin mixin: edit a `sources` JSON list as one URL per line."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "sources":
            return URLListField(required=False, label=db_field.verbose_name)
        return super().formfield_for_dbfield(db_field, request, **kwargs)
